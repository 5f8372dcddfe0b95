import type { HashRecord } from './hash-record.js';

/** What to compute for each file besides the PDQ hash. */
export interface FileHashOptions {
  readonly dihedral: boolean;
  readonly crypto: boolean;
  /** Also robust variants: `'query'` the trim only, `'bank'` also the crops a banked image keeps. */
  readonly robust?: 'query' | 'bank';
}

/** A file's hashes without its path: what a {@link FileHasher} returns. */
export type FileHashResult = Omit<HashRecord, 'path'>;

/**
 * Hashes files by path. The CLI's only view of decoding and hashing, so the command can be tested
 * with a fake and the heavy decoder (sharp, worker threads) loads only when something is hashed.
 * Rejections carry a string `code` (`MEDIA_CORRUPT`, `ENOENT`, …) reported in the skip summary.
 */
export interface FileHasher {
  hashFile(absolutePath: string, options: FileHashOptions): Promise<FileHashResult>;
  close(): Promise<void>;
}

/** Creates a {@link FileHasher} using `threads` worker threads. */
export type FileHasherFactory = (options: { threads: number }) => Promise<FileHasher>;

/**
 * The production hasher: @hashline/media-node's worker-thread pool (decode with limits, then PDQ).
 * Imported lazily so `hashline --help` does not load sharp.
 */
export const createMediaFileHasher: FileHasherFactory = async ({ threads }) => {
  const media = await import('@hashline/media-node');
  const pool = media.createHashingPool({ threads });
  return {
    async hashFile(absolutePath, options) {
      const result = await pool.hashFile(absolutePath, {
        dihedral: options.dihedral,
        crypto: options.crypto,
        ...(options.robust ? { robust: options.robust } : {}),
      });
      return {
        pdq: result.pdq,
        quality: result.quality,
        width: result.width,
        height: result.height,
        ...(result.dihedral ? { dihedral: result.dihedral } : {}),
        ...(result.variants ? { variants: result.variants } : {}),
        ...(result.md5 ? { md5: result.md5 } : {}),
        ...(result.sha1 ? { sha1: result.sha1 } : {}),
        ...(result.sha256 ? { sha256: result.sha256 } : {}),
      };
    },
    close: () => pool.close(),
  };
};
