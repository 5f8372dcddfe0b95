// The decoder's choices, each against hand-built files with known sample values (SPEC §2.1).
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { decodeImage, hashImageBytes, MediaDecodeError, sniffImageFormat } from '../src/index.js';
import { applySharpPolicy, mapSharpError } from '../src/sharp-image-decoder.js';
import {
  be16,
  buildPng,
  buildTiff,
  PNG_GREY,
  PNG_GREY_ALPHA,
  PNG_PALETTE,
  PNG_RGB,
  PNG_RGBA,
} from './support/image-builders.js';

/** Raw RGB pixels with a deterministic, non-grey pattern. */
function pattern(width: number, height: number): Buffer {
  const out = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    out[i * 3] = (i * 7) & 255;
    out[i * 3 + 1] = (i * 13 + 50) & 255;
    out[i * 3 + 2] = (i * 29 + 100) & 255;
  }
  return out;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaDecodeError);
  expect((error as MediaDecodeError).code).toBe(code);
}

describe('alpha is dropped, not composited', () => {
  test('fully transparent red RGBA pixels decode as opaque red RGB', async () => {
    const png = buildPng({
      width: 8,
      height: 8,
      bitDepth: 8,
      colorType: PNG_RGBA,
      row: (y) =>
        Buffer.from(
          Array.from({ length: 8 }, (_, x) => (x < 4 ? [255, 0, 0, 0] : [0, 0, 255, y * 30])).flat(),
        ),
    });
    const image = await decodeImage(png);
    expect(image.channels).toBe(3);
    expect([...image.data.subarray(0, 3)]).toEqual([255, 0, 0]);
    expect([...image.data.subarray(4 * 3, 5 * 3)]).toEqual([0, 0, 255]);
  });

  test('palette with a transparent entry: expanded, and the colour under transparency kept', async () => {
    const png = buildPng({
      width: 4,
      height: 2,
      bitDepth: 8,
      colorType: PNG_PALETTE,
      palette: Buffer.from([255, 0, 0, 0, 128, 0]),
      transparency: Buffer.from([0]), // entry 0 (red) fully transparent
      row: () => Buffer.from([0, 1, 0, 1]),
    });
    const image = await decodeImage(png);
    expect(image.channels).toBe(3);
    expect([...image.data.subarray(0, 6)]).toEqual([255, 0, 0, 0, 128, 0]);
  });

  test('grey + alpha decodes as one grey channel', async () => {
    const png = buildPng({
      width: 3,
      height: 1,
      bitDepth: 8,
      colorType: PNG_GREY_ALPHA,
      row: () => Buffer.from([10, 0, 128, 255, 250, 7]),
    });
    const image = await decodeImage(png);
    expect(image.channels).toBe(1);
    expect([...image.data]).toEqual([10, 128, 250]);
  });
});

describe('16-bit samples are reduced as round(v / 257)', () => {
  // 25829 = 257·100 + 129: round gives 101, the high byte 100, the low byte 229 (the reference bug).
  const values = [25829, 65535, 0, 1927, 1928, 32896, 32767, 257];
  const expected = values.map((v) => Math.round(v / 257));

  test('RGB 16-bit PNG', async () => {
    const png = buildPng({
      width: 8,
      height: 3,
      bitDepth: 16,
      colorType: PNG_RGB,
      row: () => be16(values.flatMap((v, i) => [v, values[(i + 1) % 8]!, values[(i + 2) % 8]!])),
    });
    const image = await decodeImage(png);
    expect(image.channels).toBe(3);
    expect([...image.data.subarray(0, 24)]).toEqual(
      expected.flatMap((v, i) => [v, expected[(i + 1) % 8]!, expected[(i + 2) % 8]!]),
    );
    expect(image.data[0]).toBe(101);
  });

  test('grey 16-bit PNG (and grey + alpha 16-bit)', async () => {
    const grey = buildPng({
      width: 8,
      height: 2,
      bitDepth: 16,
      colorType: PNG_GREY,
      row: () => be16(values),
    });
    const image = await decodeImage(grey);
    expect(image.channels).toBe(1);
    expect([...image.data.subarray(0, 8)]).toEqual(expected);
    const greyAlpha = buildPng({
      width: 8,
      height: 2,
      bitDepth: 16,
      colorType: PNG_GREY_ALPHA,
      row: () => be16(values.flatMap((v) => [v, 0])),
    });
    const withAlpha = await decodeImage(greyAlpha);
    expect(withAlpha.channels).toBe(1);
    expect([...withAlpha.data.subarray(0, 8)]).toEqual(expected);
  });

  test('a 16-bit image hashes like its properly reduced 8-bit twin', async () => {
    const width = 64;
    const height = 48;
    const wide = (x: number, y: number): number => ((x * 997 + y * 131) * 37) % 65536;
    const png16 = buildPng({
      width,
      height,
      bitDepth: 16,
      colorType: PNG_RGB,
      row: (y) => be16(Array.from({ length: width * 3 }, (_, i) => wide(i, y))),
    });
    const png8 = buildPng({
      width,
      height,
      bitDepth: 8,
      colorType: PNG_RGB,
      row: (y) => Buffer.from(Array.from({ length: width * 3 }, (_, i) => Math.round(wide(i, y) / 257))),
    });
    const [h16, h8] = await Promise.all([hashImageBytes(png16), hashImageBytes(png8)]);
    expect(h16.pdq).toBe(h8.pdq);
  });
});

describe('EXIF orientation', () => {
  // 40×20, left half dark, right half bright, stored with orientation 6 ("rotate 90° clockwise to view").
  async function orientedJpeg(): Promise<Buffer> {
    const raw = Buffer.alloc(40 * 20 * 3);
    for (let y = 0; y < 20; y++)
      for (let x = 0; x < 40; x++) raw.fill(x < 20 ? 20 : 235, (y * 40 + x) * 3, (y * 40 + x) * 3 + 3);
    return sharp(raw, { raw: { width: 40, height: 20, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
  }

  test('is ignored by default: the stored pixels are returned', async () => {
    const jpeg = await orientedJpeg();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const image = await decodeImage(jpeg);
    expect([image.width, image.height]).toEqual([40, 20]);
    expect(image.data[(10 * 40 + 5) * image.channels]).toBeLessThan(60); // left is dark
    expect(image.data[(10 * 40 + 35) * image.channels]).toBeGreaterThan(200); // right is bright
  });

  test('is honoured with autoOrient: rotated 90° clockwise, the left edge becomes the top', async () => {
    const image = await decodeImage(await orientedJpeg(), { autoOrient: true });
    expect([image.width, image.height]).toEqual([20, 40]);
    expect(image.data[(5 * 20 + 10) * image.channels]).toBeLessThan(60); // top is dark
    expect(image.data[(35 * 20 + 10) * image.channels]).toBeGreaterThan(200); // bottom is bright
  });
});

describe('grey detection (ImageMagick rule)', () => {
  const greyRow = (): Buffer => Buffer.from([0, 0, 0, 90, 90, 90, 200, 200, 200, 255, 255, 255]);

  test('an RGB PNG whose every pixel has R = G = B comes out as one channel', async () => {
    const image = await decodeImage(
      buildPng({ width: 4, height: 4, bitDepth: 8, colorType: PNG_RGB, row: greyRow }),
    );
    expect(image.channels).toBe(1);
    expect([...image.data.subarray(0, 4)]).toEqual([0, 90, 200, 255]);
  });

  test('a single coloured pixel keeps three channels', async () => {
    const image = await decodeImage(
      buildPng({
        width: 4,
        height: 4,
        bitDepth: 8,
        colorType: PNG_RGB,
        row: (y) => (y === 3 ? Buffer.from([0, 0, 0, 90, 90, 90, 200, 201, 200, 255, 255, 255]) : greyRow()),
      }),
    );
    expect(image.channels).toBe(3);
  });

  test('a grey PNG decodes to one channel holding its samples', async () => {
    const row = (y: number): Buffer =>
      Buffer.from(Array.from({ length: 32 }, (_, x) => (x * 8 + y * 5) & 255));
    const grey = await decodeImage(
      buildPng({ width: 32, height: 32, bitDepth: 8, colorType: PNG_GREY, row }),
    );
    expect(grey.channels).toBe(1);
    expect([...grey.data.subarray(0, 32)]).toEqual([...row(0)]);
  });
});

describe('formats', () => {
  test('CMYK uses ImageMagick’s formula R = round((255 − C)(255 − K) / 255), with K ≠ 0', async () => {
    const cmyk = [
      0, 0, 0, 0, 255, 0, 0, 0, 0, 128, 64, 100, 30, 60, 90, 200, 255, 255, 255, 255, 17, 0, 233, 1,
    ];
    const image = await decodeImage(buildTiff(3, 2, 5, Uint8Array.from(cmyk)));
    const expected: number[] = [];
    for (let p = 0; p < cmyk.length; p += 4) {
      for (let c = 0; c < 3; c++)
        expected.push(Math.round(((255 - cmyk[p + c]!) * (255 - cmyk[p + 3]!)) / 255));
    }
    expect(image.channels).toBe(3);
    expect([...image.data]).toEqual(expected);
  });

  test('TIFF (RGB, uncompressed) decodes to the exact samples', async () => {
    const raw = pattern(5, 4);
    const image = await decodeImage(buildTiff(5, 4, 2, raw));
    expect(image.format).toBe('tiff');
    expect(Buffer.from(image.data).equals(raw)).toBe(true);
  });

  test('lossless WebP decodes to the exact samples', async () => {
    const raw = pattern(16, 9);
    const webp = await sharp(raw, { raw: { width: 16, height: 9, channels: 3 } })
      .webp({ lossless: true })
      .toBuffer();
    const image = await decodeImage(webp);
    expect(image.format).toBe('webp');
    expect(Buffer.from(image.data).equals(raw)).toBe(true);
  });

  test('GIF: the first frame only', async () => {
    const frame = (r: number, g: number, b: number): Promise<Buffer> =>
      sharp({ create: { width: 12, height: 10, channels: 3, background: { r, g, b } } })
        .png()
        .toBuffer();
    const gif = await sharp([await frame(255, 0, 0), await frame(0, 0, 255)], { join: { animated: true } })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const image = await decodeImage(gif);
    expect([image.format, image.width, image.height, image.channels]).toEqual(['gif', 12, 10, 3]);
    expect([...image.data.subarray(0, 3)]).toEqual([255, 0, 0]);
  });

  test('AVIF decodes (HEIF with AV1); the sniffer tells AVIF from HEIC', async () => {
    const avif = await sharp(pattern(32, 24), { raw: { width: 32, height: 24, channels: 3 } })
      .avif()
      .toBuffer();
    const image = await decodeImage(avif);
    expect([image.format, image.width, image.height, image.channels]).toEqual(['avif', 32, 24, 3]);
    const heic = Buffer.concat([
      Buffer.from([0, 0, 0, 24]),
      Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'),
    ]);
    expect(sniffImageFormat(heic)).toBe('heif');
  });

  test('magic bytes decide, not the caller: SVG, PDF, PPM and text are refused before libvips', async () => {
    const inputs = [
      '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>',
      '%PDF-1.7\n',
      'P6\n2 2\n255\nabcdefghijkl',
      'just some text, named photo.jpg',
    ];
    for (const text of inputs) await expectCode(decodeImage(Buffer.from(text)), 'MEDIA_UNSUPPORTED_FORMAT');
  });

  test('libvips loaders outside the allow-list are blocked process-wide', async () => {
    applySharpPolicy();
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>');
    await expect(sharp(svg).metadata()).rejects.toThrow(/unsupported image format/);
    await expect(sharp(Buffer.from('P6\n2 2\n255\nabcdefghijkl')).metadata()).rejects.toThrow(
      /unsupported image format/,
    );
  });

  test('the formats option narrows the allow-list per call', async () => {
    const jpeg = await sharp(pattern(8, 8), { raw: { width: 8, height: 8, channels: 3 } })
      .jpeg()
      .toBuffer();
    await expectCode(decodeImage(jpeg, { formats: ['png'] }), 'MEDIA_UNSUPPORTED_FORMAT');
    expect((await decodeImage(jpeg, { formats: ['jpeg'] })).format).toBe('jpeg');
  });
});

describe('libvips failures map to stable codes', () => {
  test.each([
    ['timeout: 42% complete', 'MEDIA_TIMEOUT'],
    ['Input image exceeds pixel limit', 'MEDIA_TOO_MANY_PIXELS'],
    [
      'Input buffer has corrupt header: VipsJpeg: Maximum supported image dimension is 65500 pixels',
      'MEDIA_TOO_MANY_PIXELS',
    ],
    ['Input buffer contains unsupported image format', 'MEDIA_UNSUPPORTED_FORMAT'],
    ['heifload_buffer: Unsupported feature: Unsupported codec', 'MEDIA_UNSUPPORTED_FORMAT'],
    ['VipsJpeg: premature end of JPEG image', 'MEDIA_CORRUPT'],
  ])('%s → %s', (message, code) => {
    const format = message.startsWith('heif') ? 'heif' : 'jpeg';
    expect(mapSharpError(new Error(message), format).code).toBe(code);
  });

  test('messages are single lines without control characters', () => {
    const error = mapSharpError(new Error('line one\nline\u0000two'), 'png');
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain('\u0000');
    expect(error.message).toContain('line one line two');
  });
});
