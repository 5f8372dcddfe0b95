import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import {
  VPDQ_DEFAULT_SECONDS_PER_HASH,
  type PdqEngine,
  type VpdqFrame,
  vpdqFrameStep,
  vpdqHashFrame,
} from '@hashline/pdq';
import { type FfmpegPathOptions, resolveFfmpegBinaries } from './ffmpeg-binaries.js';
import type { FileDigests } from './file-digests.js';
import { MediaDecodeError, isMediaDecodeError, type MediaErrorCode } from './media-decode-error.js';
import {
  CONTACT_SHEET_FRAMES,
  EvenFrameSampler,
  renderContactSheet,
  shrinkFrame,
  type VideoContactSheet,
} from './video-contact-sheet.js';

/** Default size limit of a video file. */
export const DEFAULT_VIDEO_MAX_BYTES = 2 * 1024 * 1024 * 1024;
/** Default limit on width × height of a frame (8K UHD). */
export const DEFAULT_VIDEO_MAX_PIXELS = 7680 * 4320;
/** Default limit on the duration, in seconds. */
export const DEFAULT_VIDEO_MAX_DURATION_SECONDS = 4 * 60 * 60;
/** Default limit on the number of frames (4 h at 60 fps). */
export const DEFAULT_VIDEO_MAX_FRAMES = 4 * 60 * 60 * 60;
/** Default limit on the declared frame rate: real cameras stay far below. */
export const DEFAULT_VIDEO_MAX_FRAME_RATE = 1000;
/** Default limit on the streams of a file (video, audio, subtitles, data). */
export const DEFAULT_VIDEO_MAX_STREAMS = 64;
/** Default time limit of one video, probe and decode together. */
export const DEFAULT_VIDEO_TIMEOUT_MS = 10 * 60_000;

/**
 * Demuxers the decoder may use (FFmpeg's `format_whitelist`): the usual video containers. Anything
 * else (images, playlists, `concat`, network formats) is refused before it is parsed.
 */
export const VIDEO_CONTAINERS = ['mov', 'matroska', 'avi', 'mpegts', 'flv', 'mpeg', 'asf', 'ogg'] as const;

/** How the optional square size is reached (SPEC §8): swscale's `SWS_AREA` (today's reference) or `SWS_LANCZOS`. */
export type VideoDownscaleMethod = 'area' | 'lanczos';

/** swscale's YUV→RGB24 code at native size: see {@link VideoHashOptions.rgbConversion}. */
export type VideoRgbConversion = 'c' | 'simd';

/** Limits and choices of {@link hashVideoFile}. Every field has a safe default. */
export interface VideoHashOptions extends FfmpegPathOptions {
  /** Seconds between hashed frames (default 1, python-threatexchange's); 0 hashes every frame. */
  readonly secondsPerHash?: number;
  /** Hash frames scaled to this square size (the reference's `-s N`); default: native size. */
  readonly squareSize?: number;
  /**
   * Scaling for `squareSize` (default `'area'`, as the reference's code today). Meta's
   * `*-128x128.txt` sample hashes were made by an older reference that used `'lanczos'`.
   */
  readonly downscaleMethod?: VideoDownscaleMethod;
  /**
   * Which swscale code converts native-size YUV frames to RGB24 (default `'c'`). `'c'`: the
   * portable C path (run with `-cpuflags 0` in a second ffmpeg), the same bits on every CPU; 13 of
   * Meta's 14 sample files were made with it. `'simd'`: the x86 SIMD path, what the reference
   * computes on an x86 host (and what the 14th sample, `test-padded-dimensions`, was made with);
   * its rounding moves a frame's hash by up to ~76 bits. See docs/adr/0010-video-decoder.md.
   */
  readonly rgbConversion?: VideoRgbConversion;
  readonly maxBytes?: number;
  readonly maxPixels?: number;
  readonly maxDurationSeconds?: number;
  readonly maxFrames?: number;
  readonly maxFrameRate?: number;
  readonly maxStreams?: number;
  /** Time limit of the whole job in ms; the decoder processes are killed when it passes. */
  readonly timeoutMs?: number;
  /** Decoder threads (default 1: one hashing job per core, as the pool schedules them). */
  readonly decoderThreads?: number;
  /**
   * Refuse a video whose decoder reports damaged data (default `true`), as the image decoder
   * does; `false` hashes what decodes (the reference's behaviour) and only refuses what fails.
   */
  readonly failOnDecodeErrors?: boolean;
  /** Also compute MD5, SHA-1 and SHA-256 of the file (one extra read). */
  readonly digests?: boolean;
  /**
   * Also make a contact sheet of this many evenly spaced hashed frames (`true`: up to
   * {@link CONTACT_SHEET_FRAMES}), from the same decode: the workbench shows it instead of the
   * video. Only at native size (not with `squareSize`), where frames keep their aspect ratio.
   */
  readonly contactSheet?: boolean | number;
  readonly engine?: PdqEngine;
  /** Aborts the job (kills the decoder processes); the promise rejects with `MEDIA_TIMEOUT`. */
  readonly signal?: AbortSignal;
}

/** What the probe found, before any frame is decoded. */
export interface VideoStreamInfo {
  /** FFmpeg's demuxer name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  readonly container: string;
  readonly codec: string;
  readonly pixelFormat: string;
  readonly width: number;
  readonly height: number;
  /** The reference's rate: `avg_frame_rate`, or `r_frame_rate` when that is 0, as `num/den`. */
  readonly frameRate: string;
  readonly framesPerSecond: number;
  readonly durationSeconds: number | null;
  /** Frame count the container declares, when it does. */
  readonly declaredFrames: number | null;
  readonly streams: number;
}

/** The vPDQ hash of a video and what it was computed from. */
export interface VideoHashes {
  readonly frames: VpdqFrame[];
  readonly info: VideoStreamInfo;
  readonly secondsPerHash: number;
  /** Frames between hashed frames: `max(1, trunc(secondsPerHash · fps))`. */
  readonly frameStep: number;
  /** Size the frames were hashed at. */
  readonly hashedWidth: number;
  readonly hashedHeight: number;
  readonly digests?: FileDigests;
  /** Which FFmpeg ran: `bundled`, `system` or `option`. */
  readonly decoder: string;
  /** The YUV→RGB24 code used at native size. */
  readonly rgbConversion: VideoRgbConversion;
  /** The contact sheet, when asked for and it could be made. */
  readonly contactSheet?: VideoContactSheet;
  /**
   * Why the contact sheet asked for could not be made (the frames are still hashed: a sheet is
   * for people, the hash is what matching needs).
   */
  readonly contactSheetError?: MediaErrorCode;
}

// Probe output is small JSON; a file with thousands of streams makes it large: stop reading there.
const MAX_PROBE_OUTPUT_BYTES = 1024 * 1024;
const MAX_STDERR_BYTES = 16 * 1024;

/**
 * Computes the vPDQ hash of a video file (SPEC §8) with FFmpeg in child processes: ffprobe reads
 * the header and every limit is checked before decoding; ffmpeg decodes every frame of the first
 * video stream and keeps frame n when `n % step === 0`; the kept frames become RGB24 (at native
 * size through swscale's C path, the one Meta's sample hashes were made with, in a second ffmpeg
 * process; see docs/adr/0010-video-decoder.md) and are hashed by the PDQ core without the 512
 * pre-resize.
 * @throws {MediaDecodeError} `MEDIA_READ_FAILED`, `MEDIA_EMPTY`, `MEDIA_TOO_LARGE` (bytes, duration
 * or frames), `MEDIA_TOO_MANY_PIXELS`, `MEDIA_UNSUPPORTED_FORMAT` (not a video container, no video
 * stream, too many streams), `MEDIA_CORRUPT` (damaged data, absurd frame rate), `MEDIA_TIMEOUT`
 */
export async function hashVideoFile(path: string, options: VideoHashOptions = {}): Promise<VideoHashes> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_VIDEO_TIMEOUT_MS;
  const deadline = new AbortController();
  const timer = setTimeout(
    () =>
      deadline.abort(
        new MediaDecodeError('MEDIA_TIMEOUT', `Hashing the video took longer than ${timeoutMs} ms.`),
      ),
    timeoutMs,
  );
  const onAbort = (): void =>
    deadline.abort(new MediaDecodeError('MEDIA_TIMEOUT', 'Hashing the video was aborted.'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  try {
    const absolute = resolvePath(path);
    await checkFile(absolute, options.maxBytes ?? DEFAULT_VIDEO_MAX_BYTES);
    const binaries = resolveFfmpegBinaries(options);
    const info = await probeVideo(binaries.ffprobe, absolute, options, deadline.signal);
    const digests = options.digests === true ? digestFile(absolute) : undefined;
    // Awaited below; a read error while the decode fails must not surface as an unhandled rejection.
    digests?.catch(() => undefined);
    const hashed = await decodeAndHash(binaries.ffmpeg, absolute, info, options, deadline.signal);
    return { ...hashed, info, ...(digests ? { digests: await digests } : {}), decoder: binaries.source };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

async function checkFile(path: string, maxBytes: number): Promise<void> {
  let size: number;
  try {
    const stats = await stat(path);
    if (!stats.isFile()) throw new MediaDecodeError('MEDIA_READ_FAILED', `${path} is not a regular file.`);
    size = stats.size;
  } catch (error) {
    if (error instanceof MediaDecodeError) throw error;
    throw new MediaDecodeError('MEDIA_READ_FAILED', `Cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (size === 0) throw new MediaDecodeError('MEDIA_EMPTY', `${path} is empty (0 bytes).`);
  if (size > maxBytes) {
    throw new MediaDecodeError(
      'MEDIA_TOO_LARGE',
      `${path} has ${size} bytes, over the limit of ${maxBytes}.`,
    );
  }
}

/** Arguments that keep FFmpeg to local files and video containers. */
function inputArguments(path: string): string[] {
  // `file:` stops a name like `concat:a|b` or `http://…` from choosing another protocol.
  return [
    '-protocol_whitelist',
    'file',
    '-format_whitelist',
    VIDEO_CONTAINERS.join(','),
    '-i',
    `file:${path}`,
  ];
}

interface ProbeJson {
  streams?: {
    index?: number;
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    pix_fmt?: string;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    nb_frames?: string;
    duration?: string;
  }[];
  format?: { nb_streams?: number; format_name?: string; duration?: string };
}

/**
 * Reads the container and first video stream with ffprobe and checks every limit.
 * @throws {MediaDecodeError} as {@link hashVideoFile}
 */
export async function probeVideo(
  ffprobe: string,
  path: string,
  options: VideoHashOptions,
  signal: AbortSignal,
): Promise<VideoStreamInfo> {
  const maxStreams = options.maxStreams ?? DEFAULT_VIDEO_MAX_STREAMS;
  const args = [
    '-v',
    'error',
    '-hide_banner',
    // FFmpeg refuses files with more streams than this while parsing, before allocating them all.
    '-max_streams',
    String(maxStreams + 1),
    ...inputArguments(path),
    '-show_entries',
    'stream=index,codec_type,codec_name,width,height,pix_fmt,avg_frame_rate,r_frame_rate,nb_frames,duration:format=nb_streams,format_name,duration',
    '-of',
    'json',
  ];
  const run = await runToEnd(ffprobe, args, MAX_PROBE_OUTPUT_BYTES, signal);
  if (run.overflow) {
    throw new MediaDecodeError(
      'MEDIA_UNSUPPORTED_FORMAT',
      `The file declares too many streams (limit ${maxStreams}).`,
    );
  }
  if (run.code !== 0) throw probeFailure(run.stderr, maxStreams);
  let json: ProbeJson;
  try {
    json = JSON.parse(run.stdout.toString('utf8')) as ProbeJson;
  } catch {
    throw new MediaDecodeError('MEDIA_CORRUPT', 'The video probe returned unreadable output.');
  }
  const streams = json.streams ?? [];
  const streamCount = Math.max(streams.length, json.format?.nb_streams ?? 0);
  if (streamCount > maxStreams) {
    throw new MediaDecodeError(
      'MEDIA_UNSUPPORTED_FORMAT',
      `The file has ${streamCount} streams, over the limit of ${maxStreams}.`,
    );
  }
  // The reference hashes the first video stream in file order.
  const video = streams.find((s) => s.codec_type === 'video');
  if (video === undefined)
    throw new MediaDecodeError('MEDIA_UNSUPPORTED_FORMAT', 'The file has no video stream.');
  const width = video.width ?? 0;
  const height = video.height ?? 0;
  if (!(width > 0 && height > 0)) {
    throw new MediaDecodeError(
      'MEDIA_CORRUPT',
      `The video stream declares no usable size (${width}×${height}).`,
    );
  }
  const maxPixels = options.maxPixels ?? DEFAULT_VIDEO_MAX_PIXELS;
  if (width * height > maxPixels) {
    throw new MediaDecodeError(
      'MEDIA_TOO_MANY_PIXELS',
      `The video is ${width}×${height} (${width * height} pixels a frame), over the limit of ${maxPixels}.`,
    );
  }
  const pixelFormat = video.pix_fmt;
  if (pixelFormat === undefined || !/^[a-z0-9_]+$/.test(pixelFormat)) {
    throw new MediaDecodeError(
      'MEDIA_UNSUPPORTED_FORMAT',
      `The video codec ${video.codec_name ?? 'unknown'} cannot be decoded here.`,
    );
  }
  let frameRate = video.avg_frame_rate ?? '0/0';
  let framesPerSecond = rationalValue(frameRate);
  if (framesPerSecond === 0) {
    frameRate = video.r_frame_rate ?? '0/0';
    framesPerSecond = rationalValue(frameRate);
  }
  const maxFrameRate = options.maxFrameRate ?? DEFAULT_VIDEO_MAX_FRAME_RATE;
  if (!(framesPerSecond > 0))
    throw new MediaDecodeError('MEDIA_CORRUPT', 'The video stream declares no frame rate.');
  if (framesPerSecond > maxFrameRate) {
    throw new MediaDecodeError(
      'MEDIA_CORRUPT',
      `The video declares ${framesPerSecond.toFixed(3)} frames per second, over the limit of ${maxFrameRate}.`,
    );
  }
  const durationSeconds = finiteOrNull(video.duration) ?? finiteOrNull(json.format?.duration);
  const maxDuration = options.maxDurationSeconds ?? DEFAULT_VIDEO_MAX_DURATION_SECONDS;
  if (durationSeconds !== null && durationSeconds > maxDuration) {
    throw new MediaDecodeError(
      'MEDIA_TOO_LARGE',
      `The video lasts ${durationSeconds.toFixed(1)} s, over the limit of ${maxDuration} s.`,
    );
  }
  const declaredFrames = finiteOrNull(video.nb_frames);
  const maxFrames = options.maxFrames ?? DEFAULT_VIDEO_MAX_FRAMES;
  const expectedFrames =
    declaredFrames ?? (durationSeconds !== null ? durationSeconds * framesPerSecond : null);
  if (expectedFrames !== null && expectedFrames > maxFrames) {
    throw new MediaDecodeError(
      'MEDIA_TOO_LARGE',
      `The video has about ${Math.round(expectedFrames)} frames, over the limit of ${maxFrames}.`,
    );
  }
  return {
    container: json.format?.format_name ?? 'unknown',
    codec: video.codec_name ?? 'unknown',
    pixelFormat,
    width,
    height,
    frameRate,
    framesPerSecond,
    durationSeconds,
    declaredFrames,
    streams: streamCount,
  };
}

function probeFailure(stderr: string, maxStreams: number): MediaDecodeError {
  const detail = firstLine(stderr);
  if (/not on whitelist|Invalid data found|Unknown input format|could not find codec/i.test(stderr)) {
    return new MediaDecodeError('MEDIA_UNSUPPORTED_FORMAT', `Not a supported video container: ${detail}`);
  }
  if (/streams/i.test(stderr) && /max|too many|exceed/i.test(stderr)) {
    return new MediaDecodeError(
      'MEDIA_UNSUPPORTED_FORMAT',
      `The file declares too many streams (limit ${maxStreams}).`,
    );
  }
  return new MediaDecodeError('MEDIA_CORRUPT', `The video cannot be read: ${detail}`);
}

async function decodeAndHash(
  ffmpeg: string,
  path: string,
  info: VideoStreamInfo,
  options: VideoHashOptions,
  signal: AbortSignal,
): Promise<Omit<VideoHashes, 'info' | 'digests' | 'decoder'>> {
  const secondsPerHash = options.secondsPerHash ?? VPDQ_DEFAULT_SECONDS_PER_HASH;
  const frameStep = vpdqFrameStep(secondsPerHash, info.framesPerSecond);
  const square = options.squareSize ?? 0;
  if (!Number.isInteger(square) || square < 0 || square > 4096) {
    throw new MediaDecodeError('MEDIA_INTERNAL', `squareSize must be an integer 0–4096, got ${square}.`);
  }
  const width = square > 0 ? square : info.width;
  const height = square > 0 ? square : info.height;
  const sheetFrames =
    options.contactSheet === true
      ? CONTACT_SHEET_FRAMES
      : options.contactSheet === false
        ? 0
        : (options.contactSheet ?? 0);
  if (!Number.isInteger(sheetFrames) || sheetFrames < 0 || sheetFrames > 64) {
    throw new MediaDecodeError(
      'MEDIA_INTERNAL',
      `contactSheet must be a whole number 0–64, got ${sheetFrames}.`,
    );
  }
  if (sheetFrames > 0 && square > 0) {
    throw new MediaDecodeError(
      'MEDIA_INTERNAL',
      'A contact sheet is made at native size only, not with squareSize.',
    );
  }
  let sampler = sheetFrames > 0 ? new EvenFrameSampler(sheetFrames) : undefined;
  let sheetError: MediaErrorCode | undefined;
  const maxFrames = options.maxFrames ?? DEFAULT_VIDEO_MAX_FRAMES;
  const method = options.downscaleMethod ?? 'area';
  // Every decoded frame goes through trim (a hard cap on decoded frames, whatever the header
  // said) and select (the reference's n % step, n counting decoded frames from 0).
  const filters = [`trim=end_frame=${maxFrames}`];
  if (frameStep > 1) filters.push(`select=not(mod(n\\,${frameStep}))`);
  const decodeArgs = [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    '-threads',
    String(options.decoderThreads ?? 1),
    ...inputArguments(path),
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    // Every decoded frame once, no frame-rate conversion (no duplicates, no drops).
    '-vsync',
    '0',
  ];
  const processes: ChildProcess[] = [];
  let output: NodeJS.ReadableStream;
  const conversion = options.rgbConversion ?? 'c';
  if (square > 0 || conversion === 'simd') {
    // One process. Scaled frames take swscale's SIMD path: Meta's 128×128 samples match it.
    filters.push(`scale=${width}:${height}:flags=${method}`);
    const decoder = spawnFfmpeg(ffmpeg, [
      ...decodeArgs,
      '-vf',
      filters.join(','),
      '-pix_fmt',
      'rgb24',
      '-f',
      'rawvideo',
      'pipe:1',
    ]);
    processes.push(decoder);
    output = decoder.stdout!;
  } else {
    // Native size: the decoder (SIMD) hands raw frames in their own pixel format to a converter
    // run with `-cpuflags 0`, so the YUV→RGB24 conversion takes swscale's C path: its x86 SIMD
    // path rounds differently and changes ~94 % of the hashes (docs/adr/0010-video-decoder.md).
    const decoder = spawnFfmpeg(ffmpeg, [
      ...decodeArgs,
      '-vf',
      filters.join(','),
      '-pix_fmt',
      info.pixelFormat,
      '-f',
      'rawvideo',
      'pipe:1',
    ]);
    const converter = spawnFfmpeg(
      ffmpeg,
      [
        '-nostdin',
        '-hide_banner',
        '-loglevel',
        'error',
        '-cpuflags',
        '0',
        '-f',
        'rawvideo',
        '-pix_fmt',
        info.pixelFormat,
        '-s',
        `${info.width}x${info.height}`,
        '-i',
        'pipe:0',
        '-vf',
        `scale=${width}:${height}:flags=${method}`,
        '-pix_fmt',
        'rgb24',
        '-vsync',
        '0',
        '-f',
        'rawvideo',
        'pipe:1',
      ],
      true,
    );
    // A converter that exits early must not kill this process with EPIPE on the decoder's side.
    converter.stdin!.on('error', () => undefined);
    decoder.stdout!.pipe(converter.stdin!);
    processes.push(decoder, converter);
    output = converter.stdout!;
  }
  const killAll = (): void => {
    for (const child of processes)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  signal.addEventListener('abort', killAll, { once: true });
  const exits = processes.map((child) => exitOf(child));
  try {
    const frames: VpdqFrame[] = [];
    const frameBytes = width * height * 3;
    const frame = Buffer.allocUnsafe(frameBytes);
    let filled = 0;
    let index = 0;
    for await (const chunk of output as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(frameBytes - filled, chunk.length - offset);
        chunk.copy(frame, filled, offset, offset + take);
        filled += take;
        offset += take;
        if (filled === frameBytes) {
          const frameNumber = index * frameStep;
          const hashed = vpdqHashFrame(
            { data: frame, width, height, channels: 3 },
            frameNumber,
            info.framesPerSecond,
            { engine: options.engine ?? 'auto' },
          );
          frames.push(hashed);
          // The sheet's frames are shrunk copies taken before the buffer is reused (awaiting
          // here holds the decoder back through the pipe, as hashing does).
          if (sampler?.wants(index)) {
            try {
              sampler.add(await shrinkFrame(frame, width, height, index, hashed.timestampSeconds));
            } catch (error) {
              sheetError = isMediaDecodeError(error) ? error.code : 'MEDIA_INTERNAL';
              sampler = undefined;
            }
          }
          index++;
          filled = 0;
        }
      }
    }
    const results = await Promise.all(exits);
    if (signal.aborted) throw signal.reason as Error;
    const failed = results.find((r) => r.code !== 0);
    const stderr = results.map((r) => r.stderr).join('');
    if (failed !== undefined) {
      throw new MediaDecodeError(
        'MEDIA_CORRUPT',
        `The video cannot be decoded: ${firstLine(stderr) || `exit ${failed.code}`}`,
      );
    }
    if (stderr.trim() !== '' && (options.failOnDecodeErrors ?? true)) {
      throw new MediaDecodeError('MEDIA_CORRUPT', `The video has damaged data: ${firstLine(stderr)}`);
    }
    if (filled !== 0) throw new MediaDecodeError('MEDIA_CORRUPT', 'The decoder stopped inside a frame.');
    if (frames.length === 0)
      throw new MediaDecodeError('MEDIA_CORRUPT', 'The video stream has no decodable frame.');
    const sheet =
      sheetError !== undefined
        ? { contactSheetError: sheetError }
        : sampler === undefined
          ? undefined
          : await contactSheetOf(sampler);
    return {
      ...sheet,
      frames,
      secondsPerHash,
      frameStep,
      hashedWidth: width,
      hashedHeight: height,
      rgbConversion: conversion,
    };
  } catch (error) {
    killAll();
    await Promise.allSettled(exits);
    if (signal.aborted) throw signal.reason as Error;
    throw error;
  } finally {
    signal.removeEventListener('abort', killAll);
  }
}

/** The sheet of the sampled frames, or why there is none (never a reason to lose the hash). */
async function contactSheetOf(
  sampler: EvenFrameSampler,
): Promise<{ contactSheet: VideoContactSheet } | { contactSheetError: MediaErrorCode }> {
  try {
    return { contactSheet: await renderContactSheet(sampler.pick()) };
  } catch (error) {
    return { contactSheetError: isMediaDecodeError(error) ? error.code : 'MEDIA_INTERNAL' };
  }
}

function spawnFfmpeg(binary: string, args: string[], withStdin = false): ChildProcess {
  return spawn(binary, args, { stdio: [withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], windowsHide: true });
}

interface Exit {
  readonly code: number | null;
  readonly stderr: string;
}

/** Resolves when the child has exited, with its code and the start of its stderr. */
function exitOf(child: ChildProcess): Promise<Exit> {
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < MAX_STDERR_BYTES) stderr += chunk.toString('utf8');
  });
  return new Promise((resolve) => {
    child.on('error', (error) => resolve({ code: -1, stderr: `${error.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? -1 : 0), stderr }));
  });
}

interface RunResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly overflow: boolean;
}

async function runToEnd(
  binary: string,
  args: string[],
  maxStdout: number,
  signal: AbortSignal,
): Promise<RunResult> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  const kill = (): void => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  signal.addEventListener('abort', kill, { once: true });
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  child.stdout.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxStdout) {
      overflow = true;
      kill();
    } else chunks.push(chunk);
  });
  try {
    const exit = await exitOf(child);
    if (signal.aborted) throw signal.reason as Error;
    return { code: exit.code, stdout: Buffer.concat(chunks), stderr: exit.stderr, overflow };
  } finally {
    signal.removeEventListener('abort', kill);
  }
}

/** MD5, SHA-1 and SHA-256 of a file, streamed. */
async function digestFile(path: string): Promise<FileDigests> {
  const md5 = createHash('md5');
  const sha1 = createHash('sha1');
  const sha256 = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    md5.update(chunk);
    sha1.update(chunk);
    sha256.update(chunk);
  }
  return { md5: md5.digest('hex'), sha1: sha1.digest('hex'), sha256: sha256.digest('hex') };
}

function rationalValue(text: string): number {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (match === null) return 0;
  const numerator = Number(match[1]);
  const denominator = Number(match[2]);
  return denominator > 0 ? numerator / denominator : 0;
}

function finiteOrNull(text: string | undefined): number | null {
  if (text === undefined || text === 'N/A') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.trim().slice(0, 300);
}
