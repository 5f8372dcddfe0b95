import { open } from 'node:fs/promises';
import { MediaDecodeError } from './media-decode-error.js';
import { DEFAULT_MAX_BYTES } from './sharp-image-decoder.js';

/**
 * Reads a whole file into memory, refusing it before reading when it is over `maxBytes` (and
 * while reading, if it grows). The returned bytes own their buffer, so they can be transferred.
 * @throws {MediaDecodeError} `MEDIA_READ_FAILED`, `MEDIA_EMPTY` or `MEDIA_TOO_LARGE`
 */
export async function readImageFile(path: string, maxBytes: number = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new MediaDecodeError('MEDIA_READ_FAILED', `Cannot open ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new MediaDecodeError('MEDIA_READ_FAILED', `${path} is not a regular file.`);
    if (stats.size === 0) throw new MediaDecodeError('MEDIA_EMPTY', `${path} is empty (0 bytes).`);
    if (stats.size > maxBytes) {
      throw new MediaDecodeError(
        'MEDIA_TOO_LARGE',
        `${path} has ${stats.size} bytes, over the limit of ${maxBytes}.`,
      );
    }
    // One byte of headroom tells a file that grew past the limit after stat().
    const buffer = new Uint8Array(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) {
        if (length > maxBytes) {
          throw new MediaDecodeError('MEDIA_TOO_LARGE', `${path} grew past the limit of ${maxBytes} bytes.`);
        }
        break;
      }
    }
    if (length === 0) throw new MediaDecodeError('MEDIA_EMPTY', `${path} is empty (0 bytes).`);
    return buffer.subarray(0, length);
  } catch (error) {
    if (error instanceof MediaDecodeError) throw error;
    throw new MediaDecodeError('MEDIA_READ_FAILED', `Cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await handle.close();
  }
}
