// The declared-size reader that gates the pixel limit before libvips sees the bytes: it agrees
// with libvips' own header parse on real files and on every WebP/GIF layout, and the size gate
// no longer depends on libvips' process-wide error text when many decodes fail at once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { decodeImage, MediaDecodeError, sniffImageFormat } from '../src/index.js';
import { readDeclaredSize } from '../src/image-header-size.js';
import { PDQ_DATA, readVectors } from './support/fixtures.js';
import { buildPngHeaderOnly, patchJpegSize } from './support/image-builders.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaDecodeError);
  return (error as MediaDecodeError).code;
}

describe('readDeclaredSize', () => {
  test('equals libvips’ header size for every original file of the reference data', async () => {
    const files = readVectors().map((row) => row.path);
    expect(files.length).toBe(49);
    for (const path of files) {
      const bytes = readFileSync(join(PDQ_DATA, path));
      const format = sniffImageFormat(bytes)!;
      const { width, height, channels, depth } = await sharp(bytes).metadata();
      const size = readDeclaredSize(bytes, format);
      expect({ path, width: size?.width, height: size?.height }).toEqual({ path, width, height });
      // The decoded-size budget (issue 15) never counts less than libvips will hold.
      if (size?.channels !== undefined) expect(size.channels, path).toBeGreaterThanOrEqual(channels);
      if (size?.bytesPerSample !== undefined)
        expect(size.bytesPerSample, path).toBe(depth === 'ushort' ? 2 : 1);
    }
  });

  test('reads every WebP layout (lossy, lossless, extended) and GIF', async () => {
    const base = sharp({ create: { width: 301, height: 157, channels: 3, background: '#7a3' } });
    const layouts: [string, Buffer][] = [
      ['webp lossy (VP8)', await base.clone().webp({ quality: 80 }).toBuffer()],
      ['webp lossless (VP8L)', await base.clone().webp({ lossless: true }).toBuffer()],
      ['webp with alpha (VP8X)', await base.clone().ensureAlpha(0.5).webp().toBuffer()],
      ['webp with EXIF (VP8X)', await base.clone().webp().withMetadata({ orientation: 6 }).toBuffer()],
      ['gif', await base.clone().gif().toBuffer()],
    ];
    for (const [name, bytes] of layouts) {
      const format = sniffImageFormat(bytes)!;
      expect({ name, size: readDeclaredSize(bytes, format) }).toEqual({
        name,
        size: { width: 301, height: 157 },
      });
    }
  });

  test('a JPEG frame header after fill bytes and large APPn segments is found; a scan before any frame is not a size', () => {
    const jpeg = readFileSync(join(PDQ_DATA, 'bridge-mods/aaa-orig.jpg'));
    const app15 = Buffer.alloc(4 + 60_000);
    app15.writeUInt16BE(0xffef, 0);
    app15.writeUInt16BE(60_002, 2);
    const padded = Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xff]), app15, jpeg.subarray(2)]);
    expect(readDeclaredSize(padded, 'jpeg')).toEqual(readDeclaredSize(jpeg, 'jpeg'));
    const scanFirst = Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 1, 2, 3, 4, 5, 6]);
    expect(readDeclaredSize(scanFirst, 'jpeg')).toBeUndefined();
    expect(readDeclaredSize(jpeg.subarray(0, 3), 'jpeg')).toBeUndefined();
    expect(readDeclaredSize(Buffer.from('RIFF\0\0\0\0WEBP'), 'webp')).toBeUndefined();
    expect(readDeclaredSize(jpeg, 'tiff')).toBeUndefined();
  });
});

describe('the pixel gate under concurrent failures', () => {
  test('oversized headers give MEDIA_TOO_MANY_PIXELS and truncated files MEDIA_CORRUPT, however many fail at once', async () => {
    // libvips shares one error buffer across the process: before the declared-size gate, a JPEG
    // over 65500 px a side was classified from that text, and failing at the same time as
    // truncated files it came back as MEDIA_CORRUPT ("Unknown error" or a neighbour's message).
    const jpeg = readFileSync(join(PDQ_DATA, 'bridge-mods/aaa-orig.jpg'));
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
    const inputs: [Buffer, string][] = [];
    for (let i = 0; i < 100; i++) {
      inputs.push([patchJpegSize(jpeg, 65535, 65535), 'MEDIA_TOO_MANY_PIXELS']);
      inputs.push([patchJpegSize(jpeg, 65501, 10), 'MEDIA_TOO_MANY_PIXELS']);
      inputs.push([buildPngHeaderOnly(65535, 65535), 'MEDIA_TOO_MANY_PIXELS']);
      inputs.push([truncated, 'MEDIA_CORRUPT']);
    }
    const codes = await Promise.all(inputs.map(([bytes]) => codeOf(decodeImage(bytes))));
    expect(codes).toEqual(inputs.map(([, code]) => code));
  });
});
