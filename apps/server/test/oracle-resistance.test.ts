import { describe, expect, test } from 'vitest';
import type { FastifyReply } from 'fastify';
import { ApiKeyRateLimit } from '../src/auth/api-key-rate-limit.js';
import { LocalKeyRateLimiter } from '../src/auth/shared-rate-limiter.js';
import { loadConfig } from '../src/config.js';
import { createTestApp, problemBody, randomPdq, testConfig, type TestApp } from './support/test-app.js';

// Issue 15, finding 2: a `match:verdict` key recovered a banked hash in two requests (256
// cumulative bit flips find the threshold's edge, 256 single flips from there read every bit).

/** `hex` with bit `i` (0 = most significant of the first digit) flipped. */
function flipBit(hex: string, i: number): string {
  const digits = hex.split('').map((d) => parseInt(d, 16));
  digits[i >> 2]! ^= 8 >> (i & 3);
  return digits.map((d) => d.toString(16)).join('');
}

async function bankWith(t: TestApp, value: string): Promise<void> {
  const admin = await t.key(['admin']);
  await t.call(admin, { method: 'POST', url: '/v1/banks', payload: { name: 'known', kind: 'known_csam' } });
  const added = await t.call(admin, {
    method: 'POST',
    url: '/v1/banks/known/entries',
    payload: { entries: [{ signalType: 'pdq', value, quality: 100 }] },
  });
  expect(added.statusCode).toBe(201);
}

const match = (t: TestApp, token: string, values: readonly string[]) =>
  t.call(token, {
    method: 'POST',
    url: '/v1/match',
    payload: { hashes: values.map((value) => ({ signalType: 'pdq', value })) },
  });

describe('oracle resistance of verdict-only keys', () => {
  test('the two-request attack is stopped: batches of 256 refused, and flipping bits in small batches suspends the key long before 256 answers', async () => {
    const t = await createTestApp();
    try {
      const banked = randomPdq();
      await bankWith(t, banked);
      const verdict = await t.key(['match:verdict']);
      // The attacker holds an image whose hash is 4 bits from the banked one (a matching copy).
      let start = banked;
      for (const i of [3, 77, 150, 201]) start = flipBit(start, i);
      const cumulative: string[] = [];
      let current = start;
      for (let i = 0; i < 256; i++) {
        current = flipBit(current, i);
        cumulative.push(current);
      }

      // Request 1 of the attack, as the red team sent it: refused whole, nothing answered.
      const first = await match(t, verdict, cumulative);
      expect(first.statusCode).toBe(413);
      expect(problemBody(first).code).toBe('BATCH_TOO_LARGE');

      // The same questions in batches of 10: the key is suspended once its queries cluster.
      let answered = 0;
      let suspendedAt: number | undefined;
      for (let offset = 0; offset < cumulative.length; offset += 10) {
        const response = await match(t, verdict, cumulative.slice(offset, offset + 10));
        if (response.statusCode !== 200) {
          expect([401, 403]).toContain(response.statusCode);
          suspendedAt ??= offset;
          if (response.statusCode === 403) expect(problemBody(response).code).toBe('API_KEY_SUSPENDED');
          continue;
        }
        answered += response.json().results.length;
      }
      expect(suspendedAt).toBeDefined();
      // Reading the hash needs the edge (~8 questions by bisection) and then 256 single flips:
      // the key got far fewer answers than one hash needs.
      expect(answered).toBeLessThanOrEqual(t.config.verdict.probingNearQueries);
      expect(answered).toBeLessThan(256);
      // Suspended means revoked: its next request is refused at authentication.
      const after = await match(t, verdict, [randomPdq()]);
      expect(after.statusCode).toBe(401);

      // The alert: a metric, the audit log and the admin's alert list.
      const admin = await t.key(['admin']);
      const alerts = await t.call(admin, { method: 'GET', url: '/v1/security/alerts' });
      expect(alerts.statusCode).toBe(200);
      const keyId = verdict.split('_')[1];
      const list = alerts.json().alerts as { keyId: string; suspended: boolean; nearQueries: number }[];
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ keyId, suspended: true });
      expect(list[0]!.nearQueries).toBeGreaterThanOrEqual(t.config.verdict.probingNearQueries);
      const metrics = await t.call(null, { method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/hashline_probing_alerts_total\{suspended="true"\} 1/);
    } finally {
      await t.close();
    }
  });

  test('a full-result key and unrelated verdict queries are not flagged; repeats of one hash are not near', async () => {
    const t = await createTestApp();
    try {
      const banked = randomPdq();
      await bankWith(t, banked);
      const verdict = await t.key(['match:verdict']);
      // 40 batches of unrelated hashes and the same matching hash again and again.
      for (let i = 0; i < 40; i++) {
        const response = await match(t, verdict, [randomPdq(), banked, randomPdq()]);
        expect(response.statusCode).toBe(200);
      }
      // A `match` key is not a verdict key: it sees distances anyway, and its batches stay large.
      const full = await t.key(['match']);
      const big = await match(
        t,
        full,
        Array.from({ length: 100 }, (_, i) => flipBit(banked, i)),
      );
      expect(big.statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  test('hashes are counted per key per hour (429 HASH_QUOTA_EXCEEDED with Retry-After), per key', async () => {
    const base = testConfig();
    const t = await createTestApp({
      config: { ...base, verdict: { ...base.verdict, hashesPerHour: 25 } },
    });
    try {
      const verdict = await t.key(['match:verdict']);
      const other = await t.key(['match:verdict']);
      let granted = 0;
      let refused: Awaited<ReturnType<typeof match>> | undefined;
      while (!refused) {
        const response = await match(t, verdict, [randomPdq(), randomPdq(), randomPdq()]);
        if (response.statusCode === 200) granted += 3;
        else refused = response;
      }
      expect(granted).toBeLessThanOrEqual(25);
      expect(granted).toBeGreaterThanOrEqual(24);
      expect(refused.statusCode).toBe(429);
      expect(problemBody(refused).code).toBe('HASH_QUOTA_EXCEEDED');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // Another key has its own quota.
      expect((await match(t, other, [randomPdq()])).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  test('the settings are read and bounded', () => {
    const config = loadConfig({
      HASHLINE_VERDICT_MAX_BATCH: '5',
      HASHLINE_VERDICT_HASHES_PER_HOUR: '100',
      HASHLINE_VERDICT_HASHES_PER_DAY: '1000',
      HASHLINE_PROBING_RADIUS: '40',
      HASHLINE_PROBING_NEAR_QUERIES: '10',
      HASHLINE_PROBING_SUSPEND: 'false',
      HASHLINE_PROBING_EDGE_BAND: '6',
      HASHLINE_PROBING_EDGE_QUERIES: '20',
      HASHLINE_PROBING_EDGE_WINDOW_HOURS: '48',
    });
    expect(config.verdict).toEqual({
      maxBatch: 5,
      hashesPerHour: 100,
      hashesPerDay: 1000,
      probingRadius: 40,
      probingNearQueries: 10,
      probingSuspend: false,
      probingEdgeBand: 6,
      probingEdgeQueries: 20,
      probingEdgeWindowHours: 48,
    });
    expect(() => loadConfig({ HASHLINE_VERDICT_MAX_BATCH: '0' })).toThrow(/HASHLINE_VERDICT_MAX_BATCH/);
    expect(() => loadConfig({ HASHLINE_PROBING_EDGE_QUERIES: '1' })).toThrow(/HASHLINE_PROBING_EDGE_QUERIES/);
  });
});

describe('a refused second step gives its arrival token back', () => {
  test('a batch refused for want of tokens leaves the bucket as it found it', async () => {
    // A clock that stands still: no refill between the steps.
    const limiter = new LocalKeyRateLimiter(5, () => 0);
    const limit = new ApiKeyRateLimit(limiter, 1);
    const key = { id: 'k', rateLimitPerSecond: 1 };
    const reply = { header: () => reply } as unknown as FastifyReply;
    // Drain to 2 tokens of 5.
    await limit.charge(key, reply, 3);
    // A batch of 10 hashes: the arrival token, then 9 more that the bucket does not hold.
    await limit.charge(key, reply, 1);
    await expect(limit.charge(key, reply, 9, 1)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    // Still 2 tokens: two single requests pass, the third does not (no time has passed).
    await limit.charge(key, reply, 1);
    await limit.charge(key, reply, 1);
    await expect(limit.charge(key, reply, 1)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });
});
