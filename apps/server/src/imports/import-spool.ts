import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { DomainError } from '@hashline/domain';

/** Where a job's file lives while the job is not over. */
export function spoolFile(spoolDir: string, jobId: string): string {
  return join(spoolDir, `${jobId}.upload`);
}

/** A file being received (`<id>.part`), renamed once its job row is committed. */
function partFile(spoolDir: string, jobId: string): string {
  return join(spoolDir, `${jobId}.part`);
}

/** What {@link receiveUpload} wrote. */
export interface SpooledUpload {
  /** The complete, fsynced file (still `.part` until {@link commitUpload}). */
  readonly path: string;
  readonly bytes: number;
  /** SHA-256 of the bytes, hex. */
  readonly sha256: string;
}

/**
 * Streams a request body to `<spoolDir>/<jobId>.part`, hashing it on the way, one chunk in memory
 * at a time, and syncs it to disk before resolving (the job row that names it comes next, and an
 * accepted job must survive a crash). Over `maxBytes` it stops reading, deletes the part file and
 * throws `IMPORT_TOO_LARGE`; an empty body throws `IMPORT_EMPTY`.
 */
export async function receiveUpload(
  body: AsyncIterable<Buffer>,
  spoolDir: string,
  jobId: string,
  maxBytes: number,
): Promise<SpooledUpload> {
  await mkdir(spoolDir, { recursive: true });
  const path = partFile(spoolDir, jobId);
  const hash = createHash('sha256');
  let bytes = 0;
  const file = await open(path, 'w', 0o600);
  try {
    // Iterated by hand: leaving a `for await` early would destroy the request, and with it the
    // connection the 413 answer still has to go out on.
    const chunks = body[Symbol.asyncIterator]();
    for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) {
      const chunk = next.value;
      bytes += chunk.length;
      if (bytes > maxBytes) {
        throw new DomainError('IMPORT_TOO_LARGE', `The import file is larger than ${maxBytes} bytes.`);
      }
      hash.update(chunk);
      await file.write(chunk);
    }
    if (bytes === 0)
      throw new DomainError('IMPORT_EMPTY', 'The request body is empty: send the file as the body.');
    await file.sync();
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
  await file.close();
  return { path, bytes, sha256: hash.digest('hex') };
}

/** Gives the received file its job's name, once the job row is committed. */
export async function commitUpload(upload: SpooledUpload, spoolDir: string, jobId: string): Promise<void> {
  await rename(upload.path, spoolFile(spoolDir, jobId));
}

/** Deletes a received file that no job needs (a resend that joined an existing job). */
export async function discardUpload(upload: SpooledUpload): Promise<void> {
  await rm(upload.path, { force: true });
}

/** Deletes a job's file (its job ended). */
export async function deleteSpoolFile(spoolDir: string, jobId: string): Promise<void> {
  await rm(spoolFile(spoolDir, jobId), { force: true });
}

/**
 * The spool directory's files that belong to no unfinished job: part files of uploads cut off by a
 * crash, and files of jobs that ended while their deletion failed. `keep` holds the ids of the
 * jobs that still need their file; only files last modified before `olderThanMs` (epoch ms) count.
 */
export async function strayFiles(
  spoolDir: string,
  keep: ReadonlySet<string>,
  olderThanMs: number,
): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(spoolDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const stray: string[] = [];
  for (const name of names) {
    const candidate =
      name.endsWith('.part') || (name.endsWith('.upload') && !keep.has(name.slice(0, -'.upload'.length)));
    if (!candidate) continue;
    const path = join(spoolDir, name);
    const modified = await stat(path).then(
      (s) => s.mtimeMs,
      () => Number.POSITIVE_INFINITY, // gone meanwhile
    );
    if (modified < olderThanMs) stray.push(path);
  }
  return stray;
}

/** Bytes of a spool file handed to the parser so far. */
export interface SpoolReadProgress {
  bytes: number;
}

/**
 * Reads a spooled file as UTF-8 text chunks for the domain's parsers, counting bytes. Before each
 * chunk it calls `checkStop`, which throws to stop the import between reads (a shutdown).
 */
export async function* readSpool(
  path: string,
  progress: SpoolReadProgress,
  checkStop: () => void,
  chunkBytes = 1 << 18,
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  const stream = createReadStream(path, { highWaterMark: chunkBytes });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      checkStop();
      progress.bytes += chunk.length;
      const text = decoder.write(chunk);
      if (text !== '') yield text;
    }
    const rest = decoder.end();
    if (rest !== '') yield rest;
  } finally {
    stream.destroy();
  }
}
