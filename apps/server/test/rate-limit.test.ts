import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { openPostgresRateBuckets } from '@hashline/storage';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RateLimiter } from '../src/auth/rate-limiter.js';
import { SharedRateLimiter, type SharedBuckets } from '../src/auth/shared-rate-limiter.js';
import { createTestApp, problemBody, testConfig, type TestApp } from './support/test-app.js';

describe('RateLimiter', () => {
  test('a bucket holds rate × burst tokens and refills at rate per second', () => {
    let now = 0;
    const limiter = new RateLimiter(5, () => now);
    const taken = Array.from({ length: 60 }, () => limiter.take('k', 10).allowed);
    expect(taken.filter(Boolean)).toHaveLength(50);
    const refused = limiter.take('k', 10);
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    now += 250; // 2.5 tokens
    expect([1, 2, 3].map(() => limiter.take('k', 10).allowed)).toEqual([true, true, false]);
    expect(limiter.take('other', 10).allowed).toBe(true);
  });

  test('Retry-After is the time to the next token', () => {
    let now = 0;
    const limiter = new RateLimiter(1, () => now);
    expect(limiter.take('k', 0.25).allowed).toBe(true); // capacity max(1, 0.25) = 1
    expect(limiter.take('k', 0.25).retryAfterSeconds).toBe(4);
    now += 3000;
    expect(limiter.take('k', 0.25).retryAfterSeconds).toBe(1);
  });

  test('a cost above the whole bucket is granted from a full bucket and leaves it in debt', () => {
    let now = 0;
    const limiter = new RateLimiter(5, () => now); // rate 2: a bucket of 10
    expect(limiter.take('k', 2, 4)).toMatchObject({ allowed: true, remaining: 6 });
    expect(limiter.take('k', 2, 7)).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    now += 2000; // back to 10
    expect(limiter.take('k', 2, 25)).toMatchObject({ allowed: true, remaining: 0 });
    // 15 tokens in debt, then one more is needed: 8 s at 2 a second.
    expect(limiter.take('k', 2, 1)).toMatchObject({ allowed: false, retryAfterSeconds: 8 });
    now += 8000;
    expect(limiter.take('k', 2, 1).allowed).toBe(true);
  });

  test('a bucket in debt is not swept before it is full again', () => {
    let now = 0;
    const limiter = new RateLimiter(1, () => now); // rate 1: a bucket of 1
    limiter.take('k', 1, 100); // 99 in debt
    now += 61_000;
    limiter.take('other', 1); // sweeps
    expect(limiter.take('k', 1).allowed).toBe(false);
  });

  test('idle buckets are swept', () => {
    let now = 0;
    const limiter = new RateLimiter(1, () => now);
    for (let i = 0; i < 100; i++) limiter.take(`k${i}`, 1);
    now += 120_000;
    limiter.take('fresh', 1);
    expect(limiter.size).toBe(1);
  });
});

describe('per-key rate limits over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Default 20/s with a 5 s burst (100 requests), as in SECURITY.md G10.
    t = await createTestApp({
      config: testConfig({ rateLimit: { perSecond: 20, burstSeconds: 5, shared: true } }),
    });
  });
  afterAll(() => t.close());

  test('a burst far above the limit is mostly refused with 429 and Retry-After', async () => {
    const token = await t.key(['match:verdict']);
    const statuses: number[] = [];
    let limited;
    const started = performance.now();
    for (let i = 0; i < 2000; i++) {
      const response = await t.call(token, { method: 'GET', url: '/v1/me' });
      statuses.push(response.statusCode);
      if (response.statusCode === 429) limited ??= response;
    }
    const seconds = (performance.now() - started) / 1000;
    const allowed = statuses.filter((s) => s === 200).length;
    const refused = statuses.filter((s) => s === 429).length;
    expect(allowed + refused).toBe(2000);
    // Exactly a token bucket: the burst of 100, plus 20 per second of the run (however slow the machine).
    expect(allowed).toBeGreaterThanOrEqual(100);
    expect(allowed).toBeLessThanOrEqual(100 + Math.ceil(20 * seconds) + 1);
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(problemBody(limited!).code).toBe('RATE_LIMITED');
    // Another key has its own bucket.
    const other = await t.key(['match']);
    expect((await t.call(other, { method: 'GET', url: '/v1/me' })).statusCode).toBe(200);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`hashline_rate_limited_total ${refused}`);
  });

  test("a key's own rate overrides the default", async () => {
    const token = await t.key(['match'], 1); // bucket of 5
    const statuses = [];
    for (let i = 0; i < 10; i++)
      statuses.push((await t.call(token, { method: 'GET', url: '/v1/me' })).statusCode);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(6);
    expect(statuses.slice(-3)).toEqual([429, 429, 429]);
  });
});

describe('SharedRateLimiter', () => {
  /** Shared buckets as a database would keep them, able to fail on demand. */
  function fakeBuckets(): SharedBuckets & { failing: boolean; calls: number } {
    const levels = new Map<string, number>();
    return {
      failing: false,
      calls: 0,
      async take(key, cost, _rate, capacity, need) {
        this.calls++;
        if (this.failing) throw new Error('connection terminated');
        const tokens = levels.get(key) ?? capacity;
        const granted = tokens >= need;
        levels.set(key, granted ? tokens - cost : tokens);
        return { granted, tokens: granted ? tokens - cost : tokens };
      },
      async close() {},
    };
  }

  test('decides from the shared buckets, with Retry-After from what is missing', async () => {
    const buckets = fakeBuckets();
    const limiter = new SharedRateLimiter({ buckets, burstSeconds: 5, now: () => 0 });
    expect(await limiter.take('k', 2, 9)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter.take('k', 2, 4)).toMatchObject({ allowed: false, retryAfterSeconds: 2 });
    expect(buckets.calls).toBe(2);
  });

  test('fails open to in-process buckets while the database is away, then goes back to it', async () => {
    let now = 0;
    const buckets = fakeBuckets();
    const failures: unknown[] = [];
    const limiter = new SharedRateLimiter({
      buckets,
      burstSeconds: 5,
      fallbackMs: 5_000,
      onFallback: (error) => failures.push(error),
      now: () => now,
    });
    buckets.failing = true;
    // Still a limit: the in-process bucket of 10 (rate 2 × 5 s).
    let allowed = 0;
    for (let i = 0; i < 15; i++) if ((await limiter.take('k', 2, 1)).allowed) allowed++;
    expect(allowed).toBe(10);
    expect(limiter.fallingBack).toBe(true);
    // One failed attempt opened the fallback window; requests inside it never wait on the database.
    expect(buckets.calls).toBe(1);
    expect(failures).toHaveLength(1);
    buckets.failing = false;
    now += 5_000;
    expect(await limiter.take('k', 2, 1)).toMatchObject({ allowed: true });
    expect(limiter.fallingBack).toBe(false);
    expect(buckets.calls).toBe(2);
  });
});

describe('SharedRateLimiter on PostgreSQL buckets that cannot answer', () => {
  test('a database that accepts connections but never answers: fails open after the timeout', async () => {
    // A TCP server that accepts and then says nothing, as a hung database or a paused network does.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const failures: unknown[] = [];
    const limiter = new SharedRateLimiter({
      buckets: openPostgresRateBuckets({
        connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
        timeoutMs: 200,
      }),
      burstSeconds: 5,
      onFallback: (error) => failures.push(error),
    });
    try {
      const first = await limiter.take('k', 1, 1);
      expect(first.allowed).toBe(true);
      expect(failures).toHaveLength(1);
      expect(limiter.fallingBack).toBe(true);
      // In process meanwhile: the bucket of 5 still holds.
      let allowed = 1;
      for (let i = 0; i < 9; i++) if ((await limiter.take('k', 1, 1)).allowed) allowed++;
      expect(allowed).toBe(5);
      expect(failures).toHaveLength(1);
    } finally {
      await limiter.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('hashes are counted on POST /v1/match', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      config: testConfig({ rateLimit: { perSecond: 20, burstSeconds: 5, shared: true } }),
    });
  });
  afterAll(() => t.close());

  const hashes = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ signalType: 'md5', value: i.toString(16).padStart(32, '0') }));

  test('a batch takes one token per hash; what the bucket cannot cover is refused with 429', async () => {
    // A rate so low that nothing refills during the test: a bucket of 5 × 1 = 5 tokens.
    const token = await t.key(['match'], 1);
    const first = await t.call(token, { method: 'POST', url: '/v1/match', payload: { hashes: hashes(3) } });
    expect(first.statusCode).toBe(200);
    const refused = await t.call(token, { method: 'POST', url: '/v1/match', payload: { hashes: hashes(3) } });
    expect(refused.statusCode).toBe(429);
    expect(problemBody(refused).code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  test('a batch larger than the whole bucket passes from a full bucket, then the key waits', async () => {
    const token = await t.key(['match'], 1); // a bucket of 5
    const big = await t.call(token, { method: 'POST', url: '/v1/match', payload: { hashes: hashes(40) } });
    expect(big.statusCode).toBe(200);
    const next = await t.call(token, { method: 'GET', url: '/v1/me' });
    expect(next.statusCode).toBe(429);
    // 35 tokens in debt at 1 a second.
    expect(Number(next.headers['retry-after'])).toBeGreaterThanOrEqual(30);
  });
});
