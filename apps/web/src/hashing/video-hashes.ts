import type { HashClient } from './hash-client.js';
import type { FileDigests } from './image-hashes.js';
import { mp4FrameRate, vpdqSampleFrames } from './mp4-frame-rate.js';

/** One hashed frame, as a line of the vPDQ format (SPEC §8): `frame,quality,hash,timestamp`. */
export interface VideoFrameFeature {
  /**
   * The frame's index among all frames of the video (the decode index, as the reference writes
   * it: 0, 30, 60… at 30 fps). When the frame rate cannot be read (not an MP4/MOV), the index of
   * the kept frame (0, 1, 2…, one a second).
   */
  readonly frame: number;
  readonly quality: number;
  readonly pdq: string;
  /** Seconds from the start. */
  readonly timestamp: number;
}

/** What the page keeps of one picked video: its hashes only. */
export interface VideoHashes extends FileDigests {
  readonly frames: readonly VideoFrameFeature[];
}

/** The vPDQ text of a video's frames: one `frame,quality,hash,timestamp` line each (3 decimals). */
export function toVpdqLines(frames: readonly VideoFrameFeature[]): string {
  return frames.map((f) => `${f.frame},${f.quality},${f.pdq},${f.timestamp.toFixed(3)}`).join('\n');
}

/** Longest video hashed (one frame per second): the server takes 300 frames per case. */
export const MAX_VIDEO_SECONDS = 300;

function once(target: HTMLMediaElement, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = () => {
      target.removeEventListener('error', fail);
      resolve();
    };
    const fail = () => {
      target.removeEventListener(event, ok);
      reject(new Error('unreadable'));
    };
    target.addEventListener(event, ok, { once: true });
    target.addEventListener('error', fail, { once: true });
  });
}

/**
 * MD5 and SHA-256 of a video file and the PDQ of one frame per second, all on this device: the
 * browser decodes through a `<video>` element (never attached to the page), each frame is drawn
 * on a canvas and hashed in the worker at its own size. `onProgress` gets 0–1.
 *
 * @throws Error('unreadable') when the browser cannot play the file.
 */
export async function hashVideoFile(
  file: Blob,
  hasher: HashClient,
  onProgress: (fraction: number) => void,
): Promise<VideoHashes> {
  const digests = hasher.digests(file);
  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.preload = 'auto';
  try {
    const loaded = once(video, 'loadeddata');
    video.src = url;
    await loaded;
    const { videoWidth: width, videoHeight: height } = video;
    if (width < 5 || height < 5) throw new Error('unreadable');
    // The reference's frames: frame n = k · trunc(fps), shown at n / fps (read from the MP4's
    // boxes). Seeking half a frame past n's start lands inside frame n whatever the rounding.
    const fps = await mp4FrameRate(file);
    const samples =
      fps !== undefined
        ? vpdqSampleFrames(fps, video.duration || 0, MAX_VIDEO_SECONDS).map((s) => ({
            frame: s.frameNumber,
            timestamp: s.seconds,
            seek: s.seconds + 0.5 / fps,
          }))
        : Array.from(
            { length: Math.min(MAX_VIDEO_SECONDS, Math.max(1, Math.ceil(video.duration || 0))) },
            (_, k) => ({ frame: k, timestamp: k, seek: k }),
          );
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('unreadable');
    const frames: VideoFrameFeature[] = [];
    for (const [k, sample] of samples.entries()) {
      const seeked = once(video, 'seeked');
      video.currentTime = Math.min(sample.seek, Math.max(0, video.duration - 0.001));
      await seeked;
      context.drawImage(video, 0, 0, width, height);
      const pixels = context.getImageData(0, 0, width, height);
      const outcome = await hasher.hashFrame(pixels.data, width, height);
      if (outcome.ok)
        frames.push({
          frame: sample.frame,
          quality: outcome.result.quality,
          pdq: outcome.result.pdq,
          timestamp: sample.timestamp,
        });
      onProgress((k + 1) / samples.length);
    }
    const files = await digests;
    if (!files.ok) throw new Error('unreadable');
    return { ...files.result, frames };
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}
