import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHashingPool, type HashingPool } from '@hashline/media-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import { createTestApp, problemBody, testConfig, type TestApp } from './support/test-app.js';

const ORIGINAL = readFileSync(join(PDQ_FIXTURES, 'data/bridge-mods/aaa-orig.jpg'));

/** The image with a 15 % blue border on every side, as a JPEG. */
async function benignPadded(bytes: Uint8Array): Promise<Buffer> {
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  const x = Math.round(width * 0.15);
  const y = Math.round(height * 0.15);
  return sharp(bytes)
    .extend({ top: y, bottom: y, left: x, right: x, background: '#2a6fd6' })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/**
 * A phone screenshot of the image: a 540 × 960 light canvas with a status bar of icons, a header
 * with an avatar and a name, the picture fitted between margins, and a bottom bar; then JPEG 80.
 */
async function benignScreenshot(bytes: Uint8Array): Promise<Buffer> {
  const box = (left: number, top: number, width: number, height: number, colour: string) => ({
    input: { create: { width, height, channels: 3 as const, background: colour } },
    left,
    top,
  });
  const picture = await sharp(bytes).resize({ width: 504, height: 700, fit: 'inside' }).toBuffer();
  return sharp({ create: { width: 540, height: 960, channels: 3, background: '#f5f5f5' } })
    .composite([
      box(0, 0, 540, 36, '#e1e1e1'),
      box(18, 12, 40, 13, '#202020'),
      box(450, 12, 70, 13, '#202020'),
      box(0, 36, 540, 72, '#ffffff'),
      box(18, 48, 48, 48, '#c87840'),
      box(78, 57, 150, 14, '#202020'),
      box(0, 876, 540, 84, '#ffffff'),
      box(45, 903, 30, 30, '#202020'),
      box(255, 903, 30, 30, '#202020'),
      box(465, 903, 30, 30, '#202020'),
      { input: picture, left: 18, top: 120 },
    ])
    .jpeg({ quality: 80 })
    .toBuffer();
}

/** A multipart/form-data body with one file part. */
function multipart(bytes: Uint8Array, filename = 'upload.jpg', type = 'image/jpeg') {
  const boundary = '----hashline-test-boundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    payload: Buffer.concat([head, bytes, tail]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

const raw = (bytes: Uint8Array, type = 'application/octet-stream') => ({
  payload: Buffer.from(bytes),
  headers: { 'content-type': type },
});

let pool: HashingPool;
let t: TestApp;
let writer: string;
let matcher: string;
let verdict: string;
let blurred: Buffer;
let rotated: Buffer;
let padded: Buffer;
let screenshot: Buffer;
let originalHashes: { pdq: string; quality: number; md5: string; sha256: string };

beforeAll(async () => {
  pool = createHashingPool({ threads: 1, timeoutMs: 20_000, decode: { maxBytes: 2 * 1024 * 1024 } });
  t = await createTestApp({
    hashingPool: pool,
    config: testConfig({ maxUploadBytes: 2 * 1024 * 1024 }),
    captureLogs: true,
  });
  [writer, matcher, verdict] = await Promise.all([
    t.key(['banks:write']),
    t.key(['match']),
    t.key(['match:verdict']),
  ]);
  // Benign test image, re-encoded the way an upload pipeline would: blurred, shrunk, as PNG.
  blurred = await sharp(ORIGINAL).blur(1.5).resize({ width: 300 }).png().toBuffer();
  rotated = await sharp(ORIGINAL).rotate(90).jpeg({ quality: 85 }).toBuffer();
  padded = await benignPadded(ORIGINAL);
  screenshot = await benignScreenshot(ORIGINAL);
  const hashed = await t.call(writer, { method: 'POST', url: '/v1/hash', ...raw(ORIGINAL, 'image/jpeg') });
  expect(hashed.statusCode).toBe(200);
  originalHashes = hashed.json();
  await t.call(writer, { method: 'POST', url: '/v1/banks', payload: { name: 'bridge', kind: 'test' } });
  const added = await t.call(writer, {
    method: 'POST',
    url: '/v1/banks/bridge/entries',
    payload: { entries: [{ signalType: 'pdq', value: originalHashes.pdq, quality: originalHashes.quality }] },
  });
  expect(added.statusCode).toBe(201);
}, 60_000);
afterAll(async () => {
  await t.close();
  await pool.close();
});

describe('POST /v1/hash', () => {
  test('returns PDQ, quality and digests; stores nothing', async () => {
    expect(originalHashes).toMatchObject({ usable: true, format: 'jpeg', width: expect.any(Number) });
    expect(originalHashes.pdq).toMatch(/^[0-9a-f]{64}$/);
    expect(originalHashes.quality).toBeGreaterThanOrEqual(50);
    expect(originalHashes.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(originalHashes.sha256).toMatch(/^[0-9a-f]{64}$/);
    const seqBefore = await t.store.latestSeq();
    const multi = await t.call(matcher, {
      method: 'POST',
      url: '/v1/hash?dihedral=true&crypto=false',
      ...multipart(ORIGINAL),
    });
    expect(multi.statusCode).toBe(200);
    const body = multi.json();
    expect(body.pdq).toBe(originalHashes.pdq);
    expect(Object.keys(body.dihedral)).toHaveLength(8);
    expect(body).not.toHaveProperty('md5');
    expect(await t.store.latestSeq()).toBe(seqBefore);
    expect(await t.store.listMatchRecords({ limit: 10 })).toEqual([]);
  });
});

describe('POST /v1/match/media', () => {
  test('a blurred, shrunk PNG copy of a banked image matches (multipart)', async () => {
    const response = await t.call(matcher, {
      method: 'POST',
      url: '/v1/match/media?contentRef=u-1',
      ...multipart(blurred, 'x.png', 'image/png'),
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.matched).toBe(true);
    const pdq = body.results.find((r: { signalType: string }) => r.signalType === 'pdq');
    expect(pdq.matches[0].bank).toBe('bridge');
    expect(pdq.matches[0].distance).toBeLessThanOrEqual(31);
    expect(pdq.contentRef).toBe('u-1');
    expect(body.hashes.format).toBe('png');
    expect(body.skipped).toEqual([]);
    const records = await t.store.listMatchRecords({ limit: 10 });
    expect(records[0]).toMatchObject({ source: 'media', signalType: 'pdq', contentRef: 'u-1' });
  });

  test('a rotated copy matches by default (dihedral), naming the variant, and not with dihedral=false', async () => {
    const plain = (
      await t.call(matcher, {
        method: 'POST',
        url: '/v1/match/media?dihedral=false',
        ...raw(rotated, 'image/jpeg'),
      })
    ).json();
    expect(plain.matched).toBe(false);
    const dihedral = (
      await t.call(matcher, { method: 'POST', url: '/v1/match/media', ...raw(rotated, 'image/jpeg') })
    ).json();
    expect(dihedral.matched).toBe(true);
    const hit = dihedral.results.find((r: { signalType: string }) => r.signalType === 'pdq').matches[0];
    expect(hit.variant).toMatch(/^rot(90|270)$/);
  });

  test.each([
    ['padded by 15 % in blue', () => padded],
    ['captured as a phone screenshot', () => screenshot],
  ])('a copy %s matches through a robust variant by default, not with robust=false', async (_, bytes) => {
    const plain = (
      await t.call(matcher, {
        method: 'POST',
        url: '/v1/match/media?robust=false',
        ...raw(bytes(), 'image/jpeg'),
      })
    ).json();
    expect(plain.matched).toBe(false);
    const robust = (
      await t.call(matcher, { method: 'POST', url: '/v1/match/media', ...raw(bytes(), 'image/jpeg') })
    ).json();
    expect(robust.matched).toBe(true);
    const hit = robust.results.find((r: { signalType: string }) => r.signalType === 'pdq').matches[0];
    // The query's trim, or its frame / screen (edges put past the JPEG ringing) when nearer.
    expect(hit).toMatchObject({ bank: 'bridge' });
    expect(['trim', 'frame', 'screen']).toContain(hit.variant);
    expect(hit.distance).toBeLessThanOrEqual(31);
    const names = robust.hashes.variants.map((v: { name: string }) => v.name);
    expect(names[0]).toBe('trim');
    expect(names.every((n: string) => ['trim', 'frame', 'screen'].includes(n))).toBe(true);
  });

  test('/v1/hash?robust=true returns the bank-side variants (trim when bordered, and the crops)', async () => {
    const body = (
      await t.call(matcher, { method: 'POST', url: '/v1/hash?robust=true', ...raw(padded, 'image/jpeg') })
    ).json();
    const names = body.variants.map((v: { name: string }) => v.name);
    expect(names[0]).toBe('trim');
    expect(names).toContain('crop-c8');
    expect(names).toContain('crop-r9');
    for (const v of body.variants) expect(v.pdq).toMatch(/^[0-9a-f]{64}$/);
  });

  test('exact digests match too', async () => {
    await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/bridge/entries',
      payload: { entries: [{ signalType: 'md5', value: originalHashes.md5 }] },
    });
    const body = (
      await t.call(matcher, { method: 'POST', url: '/v1/match/media?banks=bridge', ...raw(ORIGINAL) })
    ).json();
    const md5 = body.results.find((r: { signalType: string }) => r.signalType === 'md5');
    expect(md5).toMatchObject({ matched: true, matches: [{ distance: 0 }] });
  });

  test('a verdict key learns matched and nothing more', async () => {
    const response = await t.call(verdict, { method: 'POST', url: '/v1/match/media', ...multipart(blurred) });
    expect(response.json()).toEqual({ results: [{ matched: true }] });
    const miss = await t.call(verdict, {
      method: 'POST',
      url: '/v1/match/media',
      ...raw(
        await sharp({
          create: {
            width: 64,
            height: 64,
            channels: 3,
            background: '#000',
            noise: { type: 'gaussian', mean: 128, sigma: 60 },
          },
        })
          .png()
          .toBuffer(),
      ),
    });
    expect(miss.json()).toEqual({ results: [{ matched: false }] });
  });

  test('a flat image is not matched by PDQ (quality below 50): skipped, digests still matched', async () => {
    const flat = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    const body = (
      await t.call(matcher, { method: 'POST', url: '/v1/match/media', ...raw(flat, 'image/png') })
    ).json();
    expect(body.skipped).toEqual([expect.objectContaining({ signalType: 'pdq', code: 'LOW_QUALITY_HASH' })]);
    expect(body.results.map((r: { signalType: string }) => r.signalType)).toEqual(['md5', 'sha1', 'sha256']);
    expect(body.hashes.usable).toBe(false);
  });

  test.each([
    ['truncated JPEG', () => ORIGINAL.subarray(0, 2000), 422, 'MEDIA_CORRUPT'],
    [
      'not an image',
      () => Buffer.from('%PDF-1.4 this is not an image at all'),
      415,
      'MEDIA_UNSUPPORTED_FORMAT',
    ],
    ['too large', () => Buffer.alloc(3 * 1024 * 1024, 1), 413, 'MEDIA_TOO_LARGE'],
  ])('%s → %i %s (raw and multipart)', async (_name, bytes, status, code) => {
    for (const body of [raw(bytes()), multipart(bytes())]) {
      const response = await t.call(matcher, { method: 'POST', url: '/v1/match/media', ...body });
      expect(response.statusCode, response.body).toBe(status);
      expect(problemBody(response).code).toBe(code);
    }
  });

  test('an empty upload or a JSON body is refused', async () => {
    const empty = await t.call(matcher, { method: 'POST', url: '/v1/match/media', ...raw(Buffer.alloc(0)) });
    expect(empty.statusCode).toBe(400);
    expect(problemBody(empty).code).toBe('MEDIA_EMPTY');
    const json = await t.call(matcher, {
      method: 'POST',
      url: '/v1/match/media',
      payload: { url: 'https://x' },
    });
    expect(json.statusCode).toBe(400);
    expect(problemBody(json).code).toBe('VALIDATION_FAILED');
  });

  test('logs carry no media bytes, hashes or tokens', () => {
    const log = t.logs.join('\n');
    expect(t.logs.length).toBeGreaterThan(5);
    expect(log).toContain('"route":"/v1/match/media"');
    for (const secret of [
      originalHashes.pdq,
      originalHashes.md5,
      originalHashes.sha256,
      matcher,
      writer,
      verdict,
    ]) {
      expect(log).not.toContain(secret);
    }
    expect(log).not.toContain(ORIGINAL.subarray(100, 140).toString('base64'));
  });
});
