// Hostile and broken inputs in the calling process: each gives its typed error, memory stays
// bounded, and the process goes on decoding. (The same inputs through the pool: hashing-pool.test.ts.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { decodeImage, hashImageBytes, hashImageFile, MediaDecodeError } from '../src/index.js';
import { PDQ_DATA } from './support/fixtures.js';
import { hostileCases, type HostileCase } from './support/hostile-inputs.js';
import { buildPng, PNG_RGB } from './support/image-builders.js';

let cases: HostileCase[] = [];

async function errorOf(promise: Promise<unknown>): Promise<MediaDecodeError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaDecodeError);
  return error as MediaDecodeError;
}

beforeAll(async () => {
  cases = await hostileCases();
});

describe('hostile inputs, in process', () => {
  test('the bomb really is one: 14000×14000 RGB (588 MB of pixels) in under 1 MB', () => {
    const bomb = cases.find((c) => c.name.includes('bomb'))!;
    expect(bomb.bytes.length).toBeLessThan(1_000_000);
    expect(bomb.bytes.readUInt32BE(16)).toBe(14000);
  });

  test('each gives its typed error with a readable message; memory stays bounded; the process survives', async () => {
    const rssBefore = process.memoryUsage().rss;
    for (const hostile of cases) {
      const error = await errorOf(decodeImage(hostile.bytes));
      expect({ name: hostile.name, code: error.code }).toEqual({ name: hostile.name, code: hostile.code });
      expect(error.message.length).toBeGreaterThan(10);
      // Repeat: no state is left behind by a refused input.
      expect((await errorOf(decodeImage(hostile.bytes))).code).toBe(hostile.code);
    }
    const growth = process.memoryUsage().rss - rssBefore;
    console.log(`RSS growth over ${cases.length * 2} hostile decodes: ${(growth / 2 ** 20).toFixed(1)} MB`);
    expect(growth).toBeLessThan(500 * 1024 * 1024);
    // Still decoding normally afterwards.
    const ok = await hashImageFile(join(PDQ_DATA, 'bridge-mods/square-128x128.jpg'));
    expect(ok.pdq).toBe('d8f8f1eec0f4a84f0e37022a078f63f0b36e2ed596621e1d33e6239c4e9c9b22');
  });

  test('a text file named .jpg is refused by magic bytes, also through hashImageFile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'media-node-'));
    const file = join(dir, 'photo.jpg');
    writeFileSync(file, 'Not a photo at all.\n');
    expect((await errorOf(hashImageFile(file))).code).toBe('MEDIA_UNSUPPORTED_FORMAT');
  });

  test('byte and pixel limits are configurable and checked before decoding', async () => {
    const png = buildPng({
      width: 100,
      height: 100,
      bitDepth: 8,
      colorType: PNG_RGB,
      row: () => Buffer.alloc(300, 7),
    });
    expect((await errorOf(decodeImage(png, { maxBytes: png.length - 1 }))).code).toBe('MEDIA_TOO_LARGE');
    expect((await errorOf(decodeImage(png, { maxPixels: 9_999 }))).code).toBe('MEDIA_TOO_MANY_PIXELS');
    expect((await decodeImage(png, { maxBytes: png.length, maxPixels: 10_000 })).width).toBe(100);
  });

  test('truncated PNG and damaged data are errors, not grey-filled images', async () => {
    const png = buildPng({
      width: 64,
      height: 64,
      bitDepth: 8,
      colorType: PNG_RGB,
      row: (y) => Buffer.from(Array.from({ length: 192 }, (_, i) => (i * y) & 255)),
    });
    expect((await errorOf(decodeImage(png.subarray(0, Math.floor(png.length * 0.6))))).code).toBe(
      'MEDIA_CORRUPT',
    );
    const header = png.subarray(0, 40); // signature, IHDR and a sliver of IDAT
    expect((await errorOf(decodeImage(header))).code).toBe('MEDIA_CORRUPT');
  });

  test('hashImageBytes reports the same typed errors', async () => {
    for (const hostile of cases) {
      expect((await errorOf(hashImageBytes(hostile.bytes))).code).toBe(hostile.code);
    }
  });

  test('bad options are programming errors, not media errors', async () => {
    await expect(decodeImage(Buffer.from([0xff, 0xd8, 0xff]), { maxPixels: 0 })).rejects.toThrow(RangeError);
    // @ts-expect-error: a string is not bytes
    await expect(decodeImage('not bytes')).rejects.toThrow(TypeError);
  });
});
