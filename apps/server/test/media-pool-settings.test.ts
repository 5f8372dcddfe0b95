import { deflateSync } from 'node:zlib';
import { createHashingPool, type HashingPool } from '@hashline/media-node';
import { afterAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../src/config.js';
import { hashingPoolOptions } from '../src/media/hashing-pool-options.js';

// Issue 15: the media pool's bounds are settings. Each test builds the pool the server would
// build from the environment and checks that the setting changes what the pool does.

/** A PNG of `width`×`height` declaring `depth` bits and colour type `colour`, with only `rows` rows of data. */
function png(width: number, height: number, depth: number, colour: 0 | 2 | 6, rows = height): Buffer {
  const channels = { 0: 1, 2: 3, 6: 4 }[colour];
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
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(rowBytes * rows), { level: 9 })),
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

/** The server's pool for these settings (worker threads: quicker to start in a test). */
function poolFor(env: Record<string, string>): HashingPool {
  const config = loadConfig({
    HASHLINE_HASHING_ISOLATION: 'thread',
    HASHLINE_HASHING_TIMEOUT_MS: '60000',
    ...env,
  });
  const pool = createHashingPool(hashingPoolOptions(config));
  pools.push(pool);
  return pool;
}

/** A job that holds a worker for a long time: a 1×39,000,000 px greyscale PNG. */
const THIN = png(1, 39_000_000, 8, 0);
const outcome = (job: Promise<unknown>): Promise<string> =>
  job.then(
    () => 'done',
    (error: { code?: string }) => error.code ?? 'error',
  );

describe('media pool settings', () => {
  test('are read, bounded, and mapped onto the pool', () => {
    const config = loadConfig({
      HASHLINE_HASHING_THREADS: '4',
      HASHLINE_MEDIA_QUEUE_LIMIT: '8',
      HASHLINE_MEDIA_PER_KEY_PERCENT: '25',
      HASHLINE_MEDIA_DECODED_BUDGET_BYTES: '50000000',
    });
    expect(config.media).toEqual({ queueLimit: 8, perKeyPercent: 25, decodedBudgetBytes: 50_000_000 });
    expect(hashingPoolOptions(config)).toMatchObject({
      threads: 4,
      maxQueued: 8,
      maxPerOwner: 1,
      decode: { maxDecodedBytes: 50_000_000 },
    });
    // Defaults: 64 queued, half the workers, 4 bytes a pixel of the pixel limit.
    const defaults = loadConfig({ HASHLINE_HASHING_THREADS: '3', HASHLINE_MAX_PIXELS: '1000000' });
    expect(defaults.media).toEqual({ queueLimit: 64, perKeyPercent: 50, decodedBudgetBytes: 4_000_000 });
    expect(hashingPoolOptions(defaults)).toMatchObject({ maxQueued: 64, maxPerOwner: 2 });
    expect(() => loadConfig({ HASHLINE_MEDIA_QUEUE_LIMIT: '0' })).toThrow(/HASHLINE_MEDIA_QUEUE_LIMIT/);
    expect(() => loadConfig({ HASHLINE_MEDIA_PER_KEY_PERCENT: '101' })).toThrow(
      /HASHLINE_MEDIA_PER_KEY_PERCENT/,
    );
    expect(() => loadConfig({ HASHLINE_MEDIA_DECODED_BUDGET_BYTES: 'lots' })).toThrow(
      /HASHLINE_MEDIA_DECODED_BUDGET_BYTES/,
    );
  });

  test('HASHLINE_MEDIA_QUEUE_LIMIT: with a limit of 1 the third concurrent job is refused at once', async () => {
    const pool = poolFor({ HASHLINE_HASHING_THREADS: '1', HASHLINE_MEDIA_QUEUE_LIMIT: '1' });
    const first = outcome(pool.hashBytes(new Uint8Array(THIN)));
    const second = outcome(pool.hashBytes(new Uint8Array(THIN)));
    expect(await outcome(pool.hashBytes(new Uint8Array(THIN)))).toBe('MEDIA_BUSY');
    await pool.close();
    await Promise.all([first, second]);
  }, 120_000);

  test('HASHLINE_MEDIA_PER_KEY_PERCENT: 25% of 4 workers is one job per key; 100% lets one key fill them', async () => {
    const narrow = poolFor({ HASHLINE_HASHING_THREADS: '4', HASHLINE_MEDIA_PER_KEY_PERCENT: '25' });
    const held = outcome(narrow.hashBytes(new Uint8Array(THIN), { owner: 'a' }));
    expect(await outcome(narrow.hashBytes(new Uint8Array(THIN), { owner: 'a' }))).toBe('MEDIA_BUSY');
    const other = outcome(narrow.hashBytes(new Uint8Array(THIN), { owner: 'b' }));
    await narrow.close();
    expect(await other).not.toBe('MEDIA_BUSY');
    await held;

    const wide = poolFor({ HASHLINE_HASHING_THREADS: '4', HASHLINE_MEDIA_PER_KEY_PERCENT: '100' });
    const jobs = Array.from({ length: 4 }, () =>
      outcome(wide.hashBytes(new Uint8Array(THIN), { owner: 'a' })),
    );
    expect(await outcome(wide.hashBytes(new Uint8Array(THIN), { owner: 'a' }))).toBe('MEDIA_BUSY');
    await wide.close();
    expect((await Promise.all(jobs)).filter((o) => o === 'MEDIA_BUSY')).toEqual([]);
  }, 120_000);

  test('HASHLINE_MEDIA_DECODED_BUDGET_BYTES: a 1,000×1,000 RGBA PNG (4 MB decoded) is refused under a 1 MB budget and decoded under the default', async () => {
    const image = png(1_000, 1_000, 8, 6);
    const tight = poolFor({ HASHLINE_HASHING_THREADS: '1', HASHLINE_MEDIA_DECODED_BUDGET_BYTES: '1000000' });
    await expect(tight.hashBytes(new Uint8Array(image))).rejects.toMatchObject({
      code: 'MEDIA_TOO_MANY_PIXELS',
      message: expect.stringMatching(/4000000 bytes decoded, over the memory budget of 1000000/),
    });
    const roomy = poolFor({ HASHLINE_HASHING_THREADS: '1' });
    expect((await roomy.hashBytes(new Uint8Array(image))).pdq).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);
});
