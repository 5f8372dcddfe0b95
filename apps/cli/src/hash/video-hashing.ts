import { once } from 'node:events';
import { extname, resolve } from 'node:path';
import { formatVpdqLine } from '@hashline/pdq';
import type { CommandContext, ExitCodeValue } from '../commands/command.js';
import { ExitCode } from '../commands/command.js';
import { UsageError } from '../usage-error.js';

/** Extensions `hashline hash` treats as videos (vPDQ) rather than images (PDQ). */
export const VIDEO_EXTENSIONS: readonly string[] = [
  'mp4',
  'm4v',
  'mov',
  'mkv',
  'webm',
  'avi',
  'wmv',
  'flv',
  'ts',
  'mpg',
  'mpeg',
  '3gp',
];

/** True when the path names a video by its extension. */
export function isVideoPath(path: string): boolean {
  return VIDEO_EXTENSIONS.includes(extname(path).slice(1).toLowerCase());
}

/** Choices of a video run of `hashline hash`. */
export interface VideoRunOptions {
  readonly format: 'plain' | 'json' | 'ndjson';
  readonly crypto: boolean;
  readonly secondsPerHash: number;
  readonly squareSize: number;
  readonly threads: number;
}

/**
 * Hashes videos one after the other (each decode uses `threads` decoder threads) and prints the
 * vPDQ hash. plain: the reference's `frame,quality,hash,timestamp` lines; with several videos or
 * --crypto, each video starts with a `# <path>` line (with `md5=… sha1=… sha256=…`).
 */
export async function runVideoHashing(
  paths: readonly string[],
  options: VideoRunOptions,
  context: CommandContext,
): Promise<ExitCodeValue> {
  const media = await import('@hashline/media-node');
  const out = async (text: string): Promise<void> => {
    if (!context.stdout.write(text)) await once(context.stdout, 'drain');
  };
  const skipped: string[] = [];
  const documents: unknown[] = [];
  let hashed = 0;
  for (const path of paths) {
    try {
      const result = await media.hashVideoFile(resolve(context.cwd, path), {
        secondsPerHash: options.secondsPerHash,
        squareSize: options.squareSize,
        decoderThreads: options.threads,
        digests: options.crypto,
      });
      hashed++;
      if (options.format === 'plain') {
        let text = '';
        if (paths.length > 1 || options.crypto) {
          const digests = result.digests
            ? ` md5=${result.digests.md5} sha1=${result.digests.sha1} sha256=${result.digests.sha256}`
            : '';
          text += `# ${path}${digests}\n`;
        }
        for (const frame of result.frames) text += formatVpdqLine(frame) + '\n';
        await out(text);
      } else {
        const document = {
          path,
          frameRate: result.info.frameRate,
          secondsPerHash: result.secondsPerHash,
          width: result.hashedWidth,
          height: result.hashedHeight,
          ...(result.digests ?? {}),
          frames: result.frames.map((f) => ({
            frame: f.frameNumber,
            quality: f.quality,
            hash: f.pdqHex,
            timestamp: Number(f.timestampSeconds.toFixed(3)),
          })),
        };
        if (options.format === 'ndjson') await out(JSON.stringify(document) + '\n');
        else documents.push(document);
      }
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      skipped.push(`  ${path}: ${typeof code === 'string' ? code : 'ERROR'}: ${(error as Error).message}`);
    }
  }
  if (options.format === 'json') await out(JSON.stringify(documents, null, 2) + '\n');
  if (skipped.length > 0) {
    context.stderr.write(
      `hashline hash: skipped ${skipped.length} of ${paths.length} video${paths.length === 1 ? '' : 's'}:\n${skipped.join('\n')}\n`,
    );
  }
  if (hashed === 0) return ExitCode.Failure;
  return skipped.length > 0 ? ExitCode.Partial : ExitCode.Ok;
}

/** `-r` value: seconds per hash, ≥ 0. */
export function parseSecondsPerHash(value: string | undefined, command = 'hash'): number {
  if (value === undefined) return 1;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new UsageError(
      `-r/--seconds-per-hash must be a number ≥ 0 (0 = every frame), got "${value}"`,
      command,
    );
  }
  return seconds;
}

/** `--size` value: 0 (native) or a square side. */
export function parseSquareSize(value: string | undefined): number {
  if (value === undefined) return 0;
  const size = Number(value);
  if (!/^\d+$/.test(value) || size > 4096) {
    throw new UsageError(`--size must be a whole number from 0 (native) to 4096, got "${value}"`, 'hash');
  }
  return size;
}
