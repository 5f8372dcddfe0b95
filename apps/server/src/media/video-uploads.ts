import {
  type HashingPool,
  MediaDecodeError,
  probeVideo,
  resolveFfmpegBinaries,
  type VideoHashes,
  type VideoHashingPool,
  type VideoPoolOptions,
  type VideoStreamInfo,
} from '@hashline/media-node';
import { DomainError } from '@hashline/domain';
import type { VideoConfig } from '../config.js';

/** Longest wait for ffprobe to read a header: a hostile header must not hold a request. */
const PROBE_TIMEOUT_MS = 30_000;

/** The limits and FFmpeg paths every video job of the server's hashing pool runs under. */
export function videoPoolOptions(config: VideoConfig): VideoPoolOptions {
  return {
    ...(config.ffmpegPath !== null ? { ffmpegPath: config.ffmpegPath } : {}),
    ...(config.ffprobePath !== null ? { ffprobePath: config.ffprobePath } : {}),
    maxBytes: config.maxBytes,
    maxPixels: config.maxPixels,
    maxDurationSeconds: config.maxDurationSeconds,
    maxFrames: config.maxFrames,
    maxFrameRate: config.maxFrameRate,
    maxStreams: config.maxStreams,
    timeoutMs: config.timeoutMs,
  };
}

/** The pool's video jobs, or a clear refusal when the pool given to the app has none (tests' fakes). */
export function videoPoolOf(pool: HashingPool): VideoHashingPool {
  const candidate = pool as HashingPool & Partial<VideoHashingPool>;
  if (typeof candidate.hashVideoFile !== 'function') {
    throw new DomainError('MEDIA_UNSUPPORTED_FORMAT', 'This server does not hash videos.');
  }
  return candidate as VideoHashingPool;
}

/**
 * Reads the video's header with ffprobe (a child process, killed at a time limit) and checks the
 * server's video limits before anything is decoded: a hostile file is refused here with its
 * problem code, and the duration decides whether the request waits for the hashes.
 * @throws {MediaDecodeError} as `probeVideo`
 */
export async function probeUpload(path: string, config: VideoConfig): Promise<VideoStreamInfo> {
  const options = videoPoolOptions(config);
  const binaries = resolveFfmpegBinaries(options);
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new MediaDecodeError('MEDIA_TIMEOUT', 'Reading the video header took too long.')),
    PROBE_TIMEOUT_MS,
  );
  try {
    return await probeVideo(binaries.ffprobe, path, options, deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether a probed video is answered in its request: its duration (or declared frames over the
 * frame rate) is known and at most `inlineMaxSeconds`. A video of unknown length becomes a job.
 */
export function answersInline(info: VideoStreamInfo, config: VideoConfig): boolean {
  const seconds =
    info.durationSeconds ??
    (info.declaredFrames !== null ? info.declaredFrames / info.framesPerSecond : null);
  return seconds !== null && seconds <= config.inlineMaxSeconds;
}

/** A video's hashes as the API returns them (`VideoHashes` schema): no file name, no path. */
export function describeVideoHashes(hashes: VideoHashes, crypto: boolean) {
  return {
    kind: 'video' as const,
    signalType: 'vpdq' as const,
    frames: hashes.frames,
    secondsPerHash: hashes.secondsPerHash,
    frameStep: hashes.frameStep,
    width: hashes.info.width,
    height: hashes.info.height,
    framesPerSecond: hashes.info.framesPerSecond,
    durationSeconds: hashes.info.durationSeconds,
    container: hashes.info.container,
    codec: hashes.info.codec,
    ...(crypto && hashes.digests ? hashes.digests : {}),
  };
}
