import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDQ_DATA } from './fixtures.js';
import { buildPngBomb, buildPngHeaderOnly, patchJpegSize } from './image-builders.js';

/** A hostile or broken input and the error code it must produce. */
export interface HostileCase {
  readonly name: string;
  readonly bytes: Buffer;
  readonly code: string;
}

/**
 * The hostile inputs, generated on the fly (nothing big is committed): truncated JPEG, empty
 * file, pixel-flood headers for PNG and JPEG, a 14000×14000 PNG decompression bomb, text.
 */
export async function hostileCases(): Promise<HostileCase[]> {
  const jpeg = readFileSync(join(PDQ_DATA, 'bridge-mods/aaa-orig.jpg'));
  return [
    {
      name: 'truncated JPEG (60% of the file)',
      bytes: jpeg.subarray(0, Math.floor(jpeg.length * 0.6)),
      code: 'MEDIA_CORRUPT',
    },
    { name: 'zero-byte file', bytes: Buffer.alloc(0), code: 'MEDIA_EMPTY' },
    {
      name: 'PNG whose IHDR declares 65535×65535',
      bytes: buildPngHeaderOnly(65535, 65535),
      code: 'MEDIA_TOO_MANY_PIXELS',
    },
    {
      name: 'JPEG whose SOF declares 65535×65535',
      bytes: patchJpegSize(jpeg, 65535, 65535),
      code: 'MEDIA_TOO_MANY_PIXELS',
    },
    {
      name: 'JPEG whose SOF declares 30000×30000',
      bytes: patchJpegSize(jpeg, 30000, 30000),
      code: 'MEDIA_TOO_MANY_PIXELS',
    },
    {
      name: '14000×14000 PNG decompression bomb',
      bytes: await buildPngBomb(14000),
      code: 'MEDIA_TOO_MANY_PIXELS',
    },
    {
      name: 'text file named .jpg',
      bytes: Buffer.from('This is not an image.\n'.repeat(20)),
      code: 'MEDIA_UNSUPPORTED_FORMAT',
    },
  ];
}
