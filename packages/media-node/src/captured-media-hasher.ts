import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bankVariantsOf, type CapturedMedia, type CapturedMediaHasher } from '@hashline/domain';
import { QUERY_VARIANT_NAMES } from '@hashline/pdq';
import { digestBytes } from './file-digests.js';
import type { HashingPool, VideoHashingPool } from './hashing-pool.js';
import { isMediaDecodeError, type MediaErrorCode } from './media-decode-error.js';
import { sniffVideoContainer } from './video-format-sniffer.js';

/** Options of {@link createCapturedMediaHasher}. */
export interface CapturedMediaHasherOptions {
  /**
   * Called when captured bytes gave no image (a video, a damaged or hostile file, a crashed or
   * timed-out worker), with the error code only: codes are safe to log and count, while the
   * bytes and the URL they came from are not.
   */
  readonly onUndecodable?: (code: MediaErrorCode) => void;
  /**
   * Also look up the rotated and mirrored copies (the 7 dihedral PDQ variants) and the picture
   * without borders, letterboxing or a screenshot's bars (the `trim`, `frame` and `screen` robust
   * variants). Default
   * `true`; `false` looks up the PDQ hash of the image as captured only.
   */
  readonly variants?: boolean;
  /**
   * Folder for the temporary file a captured video is hashed from (default: the system's temp
   * folder); each video gets its own 0600 file in its own folder, deleted once hashed.
   */
  readonly tempDir?: string;
}

/**
 * Implements the domain's {@link CapturedMediaHasher} with a hashing pool (use
 * `isolation: 'process'`, so a codec crash ends one child process, not the capture worker).
 *
 * Every capture gets MD5 and SHA-256 of the original bytes, computed here. A video (bytes that
 * start like a video container, with a pool that hashes videos) gets its vPDQ frames, its frame
 * size, and a contact sheet of a few frames as thumbnail (blurred, greyscale) and preview, all
 * from one decode of a temporary 0600 file deleted afterwards. Decodable images also
 * get PDQ, quality, size, and the re-encoded thumbnail and preview, all from one decode in a pool
 * worker. Bytes the pool cannot turn into an image keep their exact hashes with the rest null, so
 * a video, a damaged file or a hostile one never stops a capture: every pool error counts as
 * "not an image" (`MEDIA_UNSUPPORTED_FORMAT`, `MEDIA_CORRUPT`, `MEDIA_EMPTY`,
 * `MEDIA_TOO_LARGE`, `MEDIA_TOO_MANY_PIXELS`, `MEDIA_TIMEOUT`, `MEDIA_WORKER_CRASHED`, and
 * `MEDIA_INTERNAL`, reported through `onUndecodable` so a decoder bug still shows in logs) except
 * `MEDIA_POOL_CLOSED`, which means the service is shutting down and the capture must be retried.
 * Errors that are not a `MediaDecodeError` (a non-`Uint8Array` argument) are rethrown too.
 * `width` and `height` are those of the stored pixels (before EXIF orientation), like PDQ.
 * The caller's bytes are copied to the worker, never detached: it still has to store them.
 */
export function createCapturedMediaHasher(
  pool: HashingPool & Partial<VideoHashingPool>,
  options: CapturedMediaHasherOptions = {},
): CapturedMediaHasher {
  /**
   * vPDQ of captured video bytes (one frame a second) and the contact sheet of a few of those
   * frames, from one decode of a temporary file by the pool. A sheet that could not be made
   * leaves the video with its hashes and no image, reported through `onUndecodable`.
   */
  const hashVideo = async (bytes: Uint8Array, exactOnly: CapturedMedia): Promise<CapturedMedia> => {
    const folder = await mkdtemp(join(options.tempDir ?? tmpdir(), 'hashline-capture-video-'));
    try {
      const path = join(folder, 'capture');
      await writeFile(path, bytes, { mode: 0o600, flag: 'wx' });
      const video = await pool.hashVideoFile!(path, { secondsPerHash: 1, contactSheet: true });
      if (video.contactSheetError !== undefined) options.onUndecodable?.(video.contactSheetError);
      const sheet = video.contactSheet;
      return {
        ...exactOnly,
        vpdq: video.frames,
        width: video.info.width,
        height: video.info.height,
        ...(sheet === undefined
          ? {}
          : {
              thumbnail: sheet.thumbnail,
              preview: sheet.preview,
              contactSheet: {
                durationSeconds: video.info.durationSeconds,
                frames: sheet.frames,
                columns: sheet.columns,
                rows: sheet.rows,
                timestamps: sheet.timestamps,
              },
            }),
      };
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  };
  return {
    async hashCaptured(bytes: Uint8Array): Promise<CapturedMedia> {
      const { md5, sha256 } = digestBytes(bytes);
      const exactOnly: CapturedMedia = {
        md5,
        sha256,
        pdq: null,
        pdqQuality: null,
        width: null,
        height: null,
        thumbnail: null,
        preview: null,
      };
      try {
        // A video container goes to the video hasher (when the pool has one): its frames, no image.
        if (typeof pool.hashVideoFile === 'function' && sniffVideoContainer(bytes) !== undefined) {
          return await hashVideo(bytes, exactOnly);
        }
        const variants = options.variants ?? true;
        const hashes = await pool.hashBytes(bytes, {
          derivatives: true,
          crypto: false,
          // Both sides' robust variants in one pass: the query's (`trim`, `frame`, `screen`) to look
          // the media up, the bank's (`trim`, crops) to keep with it.
          ...(variants ? { dihedral: true, robust: 'all' as const } : {}),
        });
        const pdqVariants = variants
          ? [
              ...Object.entries(hashes.dihedral ?? {})
                .filter(([name]) => name !== 'orig')
                .map(([name, value]) => ({ name, value })),
              ...(hashes.variants ?? [])
                .filter((v) => (QUERY_VARIANT_NAMES as readonly string[]).includes(v.name))
                .map((v) => ({ name: v.name, value: v.pdq })),
            ]
          : [];
        const pdqBankVariants = bankVariantsOf(hashes.variants);
        return {
          md5,
          sha256,
          pdq: hashes.pdq,
          pdqQuality: hashes.quality,
          ...(pdqVariants.length > 0 ? { pdqVariants } : {}),
          ...(pdqBankVariants.length > 0 ? { pdqBankVariants } : {}),
          width: hashes.width,
          height: hashes.height,
          thumbnail: hashes.derivatives?.thumbnail ?? null,
          preview: hashes.derivatives?.preview ?? null,
        };
      } catch (error) {
        if (!isMediaDecodeError(error) || error.code === 'MEDIA_POOL_CLOSED') throw error;
        options.onUndecodable?.(error.code);
        return exactOnly;
      }
    },
  };
}
