import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RateLimiter } from '../src/auth/rate-limiter.js';
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
    t = await createTestApp({ config: testConfig({ rateLimit: { perSecond: 20, burstSeconds: 5, shared: true } }) });
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
