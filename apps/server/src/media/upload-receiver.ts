import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DomainError } from '@hashline/domain';
import { sniffVideoContainer, VIDEO_SNIFF_BYTES } from '@hashline/media-node';

/** Prefix of the per-upload folders in the video temp folder (the start-up sweep looks for it). */
export const VIDEO_UPLOAD_DIR_PREFIX = 'hashline-video-';

/** An upload as the routes use it: an image in memory, or a video in a temporary file. */
export type ReceivedUpload =
  | { readonly kind: 'image'; readonly bytes: Buffer }
  | {
      readonly kind: 'video';
      /** The 0600 file holding the upload, alone in its own folder. */
      readonly path: string;
      readonly size: number;
      /** Deletes the file and its folder; safe to call more than once. */
      discard(): Promise<void>;
    };

/** Limits and places of {@link receiveUpload}. */
export interface UploadLimits {
  /** Largest image (kept in memory). */
  readonly maxImageBytes: number;
  /** Largest video (streamed to a file). */
  readonly maxVideoBytes: number;
  /** Folder for the per-upload folders. */
  readonly tempDir: string;
}

/**
 * Reads an upload: a body with a `video/*` type, or whose first bytes are a video container, is
 * streamed to a temporary file (never held whole in memory) under the video limit; anything
 * else is collected in memory under the image limit. The stream is read in chunks as they come,
 * so a body over its limit fails at the limit, not at its end.
 * @throws {DomainError} `MEDIA_EMPTY`, `MEDIA_TOO_LARGE`
 */
export async function receiveUpload(
  source: AsyncIterable<Buffer> & Partial<Pick<Readable, 'destroy'>>,
  declaredType: string | undefined,
  limits: UploadLimits,
): Promise<ReceivedUpload> {
  const declaredVideo = declaredType !== undefined && /^video\//i.test(declaredType.trim());
  const iterator = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headSize = 0;
  let ended = false;
  // Enough bytes to tell a video container from an image.
  while (headSize < VIDEO_SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    head.push(next.value);
    headSize += next.value.length;
  }
  if (headSize === 0) throw new DomainError('MEDIA_EMPTY', 'The upload is empty.');
  const first = Buffer.concat(head);
  const rest: AsyncIterable<Buffer> = {
    [Symbol.asyncIterator]: () => ({ next: () => (ended ? done() : iterator.next()) }),
  };
  if (declaredVideo || sniffVideoContainer(first) !== undefined) {
    return spoolVideo(first, rest, limits, () => source.destroy?.());
  }
  const chunks: Buffer[] = [first];
  let size = first.length;
  for await (const chunk of rest) {
    size += chunk.length;
    if (size > limits.maxImageBytes) {
      source.destroy?.();
      throw tooLarge('image', limits.maxImageBytes);
    }
    chunks.push(chunk);
  }
  if (size > limits.maxImageBytes) throw tooLarge('image', limits.maxImageBytes);
  return { kind: 'image', bytes: Buffer.concat(chunks) };
}

function done(): Promise<IteratorResult<Buffer>> {
  return Promise.resolve({ done: true, value: undefined });
}

function tooLarge(what: 'image' | 'video', limit: number): DomainError {
  return new DomainError('MEDIA_TOO_LARGE', `The ${what} upload is larger than ${limit} bytes.`);
}

async function spoolVideo(
  first: Buffer,
  rest: AsyncIterable<Buffer>,
  limits: UploadLimits,
  stopReading: () => void,
): Promise<ReceivedUpload> {
  const folder = await mkdtemp(join(limits.tempDir, VIDEO_UPLOAD_DIR_PREFIX));
  const path = join(folder, 'upload');
  const discard = (): Promise<void> => rm(folder, { recursive: true, force: true });
  try {
    if (first.length > limits.maxVideoBytes) throw tooLarge('video', limits.maxVideoBytes);
    const file = await open(path, 'wx', 0o600);
    let size = first.length;
    try {
      await file.write(first);
      for await (const chunk of rest) {
        size += chunk.length;
        if (size > limits.maxVideoBytes) {
          stopReading();
          throw tooLarge('video', limits.maxVideoBytes);
        }
        await file.write(chunk);
      }
    } finally {
      await file.close();
    }
    return { kind: 'video', path, size, discard };
  } catch (error) {
    await discard();
    throw error;
  }
}

/**
 * Deletes upload folders a stopped process left behind (it was killed while hashing): those in
 * `tempDir` older than `olderThanMs`, which no live job can still use (jobs end at the time limit).
 * @returns how many folders were deleted
 */
export async function sweepStaleUploads(
  tempDir: string,
  olderThanMs: number,
  now = Date.now(),
): Promise<number> {
  let names: string[];
  try {
    names = await readdir(tempDir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(VIDEO_UPLOAD_DIR_PREFIX)) continue;
    const folder = join(tempDir, name);
    try {
      const info = await stat(folder);
      if (info.isDirectory() && now - info.mtimeMs > olderThanMs) {
        await rm(folder, { recursive: true, force: true });
        removed++;
      }
    } catch {
      // Gone already, or another process's: nothing to do.
    }
  }
  return removed;
}
