import { accessSync, chmodSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { MediaDecodeError } from './media-decode-error.js';

/** The two FFmpeg programs the video hasher runs, and where they came from. */
export interface FfmpegBinaries {
  readonly ffmpeg: string;
  readonly ffprobe: string;
  /** `option`: given by the caller; `bundled`: the npm packages; `system`: found on PATH. */
  readonly source: 'option' | 'bundled' | 'system';
}

/** Explicit paths, e.g. from the server's settings; either may be left out. */
export interface FfmpegPathOptions {
  readonly ffmpegPath?: string;
  readonly ffprobePath?: string;
}

const require = createRequire(import.meta.url);
let cached: FfmpegBinaries | null | undefined;

/**
 * Finds ffmpeg and ffprobe (docs/adr/0010-video-decoder.md): explicit paths first, then the static
 * builds that ship inside the `@ffmpeg-installer/ffmpeg` and `@ffprobe-installer/ffprobe` npm
 * packages (so a fresh `npm install` is enough), then `ffmpeg`/`ffprobe` on PATH.
 * @throws {MediaDecodeError} `MEDIA_UNSUPPORTED_FORMAT` when no decoder can be found
 */
export function resolveFfmpegBinaries(options: FfmpegPathOptions = {}): FfmpegBinaries {
  if (options.ffmpegPath !== undefined || options.ffprobePath !== undefined) {
    const fallback = defaultBinaries();
    const ffmpeg = options.ffmpegPath ?? fallback?.ffmpeg;
    const ffprobe = options.ffprobePath ?? fallback?.ffprobe;
    if (ffmpeg === undefined || ffprobe === undefined) throw noDecoder();
    return { ffmpeg, ffprobe, source: 'option' };
  }
  const binaries = defaultBinaries();
  if (binaries === null) throw noDecoder();
  return binaries;
}

function defaultBinaries(): FfmpegBinaries | null {
  if (cached !== undefined) return cached;
  cached = bundledBinaries() ?? systemBinaries();
  return cached;
}

function bundledBinaries(): FfmpegBinaries | null {
  const ffmpeg = installerBinary('@ffmpeg-installer/ffmpeg');
  const ffprobe = installerBinary('@ffprobe-installer/ffprobe');
  return ffmpeg !== null && ffprobe !== null ? { ffmpeg, ffprobe, source: 'bundled' } : null;
}

/** The binary path an installer package reports, made executable if npm skipped its postinstall. */
function installerBinary(packageName: string): string | null {
  let path: string;
  try {
    // CommonJS packages that throw (a string) on platforms without a binary package.
    path = (require(packageName) as { path: string }).path;
  } catch {
    return null;
  }
  if (!isFile(path)) return null;
  if (!isExecutable(path)) {
    try {
      // The installer's postinstall only runs `chmod u+x`; npm may skip install scripts.
      chmodSync(path, statSync(path).mode | 0o111);
    } catch {
      return null;
    }
  }
  return isExecutable(path) ? path : null;
}

function systemBinaries(): FfmpegBinaries | null {
  const ffmpeg = onPath('ffmpeg');
  const ffprobe = onPath('ffprobe');
  return ffmpeg !== null && ffprobe !== null ? { ffmpeg, ffprobe, source: 'system' } : null;
}

function onPath(name: string): string | null {
  for (const directory of (process.env['PATH'] ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, name);
    if (isFile(candidate) && isExecutable(candidate)) return candidate;
  }
  return null;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function noDecoder(): MediaDecodeError {
  return new MediaDecodeError(
    'MEDIA_UNSUPPORTED_FORMAT',
    'No video decoder: the bundled FFmpeg packages are missing for this platform and ffmpeg/ffprobe are not on PATH.',
  );
}
