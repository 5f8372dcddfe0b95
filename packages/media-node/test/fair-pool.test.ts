import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, test } from 'vitest';
import { createHashingPool, type HashingPool } from '../src/index.js';

// Issue 15, finding 3: 12 concurrent 38 KB PNGs of 1×39,000,000 px (under the pixel limit) each
// held a worker until the timeout, one FIFO queue for everyone; another key's 256×256 JPEG waited
// 69 s; a 309 KB 16-bit RGBA PNG took 561 MB a worker (the pixel limit did not bound memory).

/** A PNG of `width`×`height` declaring `depth` bits and colour type `colour`, rows all zero. */
function png(width: number, height: number, depth: number, colour: number, rows = height): Buffer {
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colour as 0 | 2 | 4 | 6];
  const chunk = (type: string, data: Buffer): Buffer => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colour;
  const rowBytes = 1 + Math.ceil((width * channels * depth) / 8);
  const idat = deflateSync(Buffer.alloc(rowBytes * rows), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const pools: HashingPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});

describe('fair, bounded media work', () => {
  test("12 concurrent 1×39,000,000 px PNGs of one key: all but its share refused at once, and another key's small JPEG is answered while they still run", async () => {
    const pool = createHashingPool({ threads: 2, timeoutMs: 60_000 });
    pools.push(pool);
    const thin = png(1, 39_000_000, 8, 0);
    expect(thin.length).toBeLessThan(200_000);
    const attack = Array.from({ length: 12 }, () =>
      pool.hashBytes(new Uint8Array(thin), { owner: 'attacker' }).then(
        () => 'done' as const,
        (error: { code?: string }) => error.code ?? 'error',
      ),
    );
    const settled: string[] = [];
    attack.forEach((p) => void p.then((outcome) => settled.push(outcome)));
    const small = await sharp({
      create: { width: 256, height: 256, channels: 3, background: { r: 40, g: 120, b: 200 } },
    })
      .jpeg()
      .toBuffer();
    const answer = await pool.hashBytes(new Uint8Array(small), { owner: 'platform' });
    expect(answer.pdq).toMatch(/^[0-9a-f]{64}$/);
    // When the other key's image was answered, the attacker's running job had not finished: its
    // image waited for no attacker job. The others were refused at once, never queued.
    const busyNow = settled.filter((o) => o === 'MEDIA_BUSY').length;
    expect(busyNow).toBe(11);
    expect(settled.filter((o) => o !== 'MEDIA_BUSY')).toEqual([]);
    const outcomes = await Promise.all(attack);
    expect(outcomes.filter((o) => o === 'MEDIA_BUSY')).toHaveLength(11);
  }, 120_000);

  test('a 16-bit RGBA PNG under the pixel limit is refused by its decoded size, read from the header', async () => {
    const pool = createHashingPool({ threads: 1 });
    pools.push(pool);
    // 6,000 × 6,000 = 36 Mpx (under 40 Mpx) × 4 channels × 2 bytes = 288 MB decoded.
    const deep = png(6_000, 6_000, 16, 6, 1);
    await expect(pool.hashBytes(new Uint8Array(deep))).rejects.toMatchObject({
      code: 'MEDIA_TOO_MANY_PIXELS',
      message: expect.stringMatching(/288000000 bytes decoded, over the memory budget of 160000000/),
    });
    // The same size at 8 bits a sample and 3 channels (108 MB) is within the budget: it gets
    // to the decoder (which then finds the rows missing).
    const shallow = png(6_000, 6_000, 8, 2, 1);
    await expect(pool.hashBytes(new Uint8Array(shallow))).rejects.toMatchObject({ code: 'MEDIA_CORRUPT' });
  }, 120_000);

  test('a 39,000,000 × 1 RGBA PNG inside the decoded budget is refused by its width before decoding (it peaked at 1.6 GB)', async () => {
    const pool = createHashingPool({ threads: 1 });
    pools.push(pool);
    // 39 Mpx × 4 bytes = 156 MB decoded, under the 160 MB budget: only the width refuses it.
    const wide = png(39_000_000, 1, 8, 6);
    expect(wide.length).toBeLessThan(200_000);
    await expect(pool.hashBytes(new Uint8Array(wide))).rejects.toMatchObject({
      code: 'MEDIA_TOO_MANY_PIXELS',
      message: expect.stringMatching(/at most 65535 pixels wide/),
    });
    // The widest image decoded still is.
    const widest = png(65_535, 1, 8, 6);
    expect((await pool.hashBytes(new Uint8Array(widest))).pdq).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);

  test('a full queue answers MEDIA_BUSY at once instead of growing', async () => {
    const pool = createHashingPool({ threads: 1, maxQueued: 1, timeoutMs: 60_000 });
    pools.push(pool);
    const thin = png(1, 39_000_000, 8, 0);
    const first = pool.hashBytes(new Uint8Array(thin)).catch((e: { code?: string }) => e.code);
    const second = pool.hashBytes(new Uint8Array(thin)).catch((e: { code?: string }) => e.code);
    await expect(pool.hashBytes(new Uint8Array(thin))).rejects.toMatchObject({ code: 'MEDIA_BUSY' });
    expect(pool.stats().queued).toBeLessThanOrEqual(1);
    await pool.close();
    await Promise.all([first, second]);
  }, 120_000);
});
