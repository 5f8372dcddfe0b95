import { randomBytes } from 'node:crypto';
import type { Clock, ProbingHistory } from '@hashline/domain';
import { openPostgresProbingHistory, openPostgresStore } from '@hashline/storage';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { createTestApp, problemBody, randomPdq, testConfig, type TestApp } from './support/test-app.js';

// Issue 15, finding 2, second rule: a verdict-only key whose queries keep landing near one banked
// hash's match threshold is probing it, however slowly it asks and whatever it sends in between.

const POSTGRES_URL = process.env.HASHLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** `hex` with bit `i` (0 = most significant of the first digit) flipped. */
function flipBit(hex: string, i: number): string {
  const digits = hex.split('').map((d) => parseInt(d, 16));
  digits[i >> 2]! ^= 8 >> (i & 3);
  return digits.map((d) => d.toString(16)).join('');
}

/** `hex` with each of `bits` flipped. */
function flipAll(hex: string, bits: Iterable<number>): string {
  let out = hex;
  for (const i of bits) out = flipBit(out, i);
  return out;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A clock tests move by hand. */
function manualClock(start = Date.parse('2026-12-07T08:00:00Z')): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => new Date(now), advance: (ms) => void (now += ms) };
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

async function alertsOf(
  t: TestApp,
): Promise<{ keyId: string; rule: string; suspended: boolean; nearQueries: number }[]> {
  const admin = await t.key(['admin']);
  const response = await t.call(admin, { method: 'GET', url: '/v1/security/alerts' });
  expect(response.statusCode).toBe(200);
  return response.json().alerts;
}

/** Settings where only the threshold-edge rule can fire (the cluster rule needs a million near queries). */
function edgeOnly(overrides: Partial<ReturnType<typeof testConfig>['verdict']> = {}) {
  const base = testConfig();
  return {
    ...base,
    apiKeyCacheMs: 0,
    verdict: {
      ...base.verdict,
      hashesPerHour: 100_000,
      hashesPerDay: 1_000_000,
      probingNearQueries: 1_000_000,
      ...overrides,
    },
  };
}

describe('threshold-edge probing detection', () => {
  test('the two-request attack is caught by the edge rule alone: suspended after 16 edge answers', async () => {
    const t = await createTestApp({ config: edgeOnly() });
    try {
      const banked = randomPdq();
      await bankWith(t, banked);
      const verdict = await t.key(['match:verdict']);
      // A matching copy 4 bits away; then the red team's cumulative flips, in batches of 10.
      let current = flipAll(banked, [3, 77, 150, 201]);
      const cumulative: string[] = [];
      for (let i = 0; i < 256; i++) cumulative.push((current = flipBit(current, i)));
      let answered = 0;
      let refused: Awaited<ReturnType<typeof match>> | undefined;
      for (let offset = 0; offset < cumulative.length && !refused; offset += 10) {
        const response = await match(t, verdict, cumulative.slice(offset, offset + 10));
        if (response.statusCode === 200) answered += 10;
        else refused = response;
      }
      expect(refused?.statusCode).toBe(403);
      expect(problemBody(refused!).code).toBe('API_KEY_SUSPENDED');
      // Distances 5, 6, 7, 6, 7, … (k + 3 for the k-th from 0): the edge (23 to 39 bits) starts at
      // the 21st query; batches 1–3 hold 10 edge queries, batch 4 seven more (distances 33–39), so
      // batch 4 is refused: 30 answers, which tell where the edge is and nothing of the bits.
      expect(answered).toBe(30);
      const alerts = await alertsOf(t);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ rule: 'threshold_edge', suspended: true, nearQueries: 17 });
      expect((await match(t, verdict, [randomPdq()])).statusCode).toBe(401);
      const metrics = await t.call(null, { method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/hashline_probing_alerts_total\{suspended="true"\} 1/);
    } finally {
      await t.close();
    }
  });

  test('reading the bits from the edge, one question at a time: suspended at the 16th single flip', async () => {
    const t = await createTestApp({ config: edgeOnly() });
    try {
      const banked = randomPdq();
      await bankWith(t, banked);
      const verdict = await t.key(['match:verdict']);
      // The attacker found the edge: 31 bits off still matches (threshold 31), 32 does not.
      const edge = flipAll(banked, range(0, 31));
      expect((await match(t, verdict, [edge])).json().results[0].matched).toBe(true);
      let answers = 0;
      for (let bit = 0; bit < 256; bit++) {
        const response = await match(t, verdict, [flipBit(edge, bit)]);
        if (response.statusCode !== 200) break;
        answers++;
      }
      // The edge query itself and 14 flips were answered; the 16th edge query was refused.
      expect(answers).toBe(14);
      expect((await alertsOf(t))[0]).toMatchObject({ rule: 'threshold_edge', suspended: true });
    } finally {
      await t.close();
    }
  });

  test('a slow walk along the edge, one question every 20 minutes hidden among unrelated hashes, is caught', async () => {
    const clock = manualClock();
    const t = await createTestApp({
      // The cluster rule's own default: the walk stays below it (at most 3 near queries an hour).
      config: edgeOnly({ probingNearQueries: testConfig().verdict.probingNearQueries }),
      clock,
    });
    try {
      const banked = randomPdq();
      await bankWith(t, banked);
      const verdict = await t.key(['match:verdict']);
      const edge = flipAll(banked, range(0, 31));
      let requests = 0;
      let refusedAt: number | undefined;
      for (let bit = 0; bit < 64 && refusedAt === undefined; bit++) {
        // Each request: nine unrelated hashes and one flip of the edge point (matched or not).
        const values = [...Array.from({ length: 9 }, () => randomPdq()), flipBit(edge, 31 + bit * 3)];
        const response = await match(t, verdict, values);
        requests++;
        if (response.statusCode !== 200) refusedAt = requests;
        clock.advance(20 * 60_000);
      }
      // 16 edge questions over 5 hours, 144 unrelated hashes between them: the 16th is refused.
      expect(refusedAt).toBe(16);
      const alerts = await alertsOf(t);
      expect(alerts.map((a) => a.rule)).toEqual(['threshold_edge']);
    } finally {
      await t.close();
    }
  });

  test('edge questions spread wider than the window are not added up', async () => {
    const clock = manualClock();
    const t = await createTestApp({ config: edgeOnly({ probingEdgeWindowHours: 24 }), clock });
    try {
      const banked = randomPdq();
      await bankWith(t, banked);
      const verdict = await t.key(['match:verdict']);
      const edge = flipAll(banked, range(0, 31));
      // 40 edge questions, one every two hours: never 16 within 24 hours.
      for (let bit = 0; bit < 40; bit++) {
        expect((await match(t, verdict, [flipBit(edge, 40 + bit)])).statusCode).toBe(200);
        clock.advance(2 * 3_600_000);
      }
      expect(await alertsOf(t)).toEqual([]);
    } finally {
      await t.close();
    }
  });

  test('ordinary traffic raises no alert: 4,000 unrelated hashes and 1,500 identical re-uploads of three known images', async () => {
    // The defaults of both rules, with quotas that let the volume through.
    const t = await createTestApp({
      config: edgeOnly({ probingNearQueries: testConfig().verdict.probingNearQueries }),
    });
    try {
      const banked = randomPdq();
      await bankWith(t, banked);
      const verdict = await t.key(['match:verdict']);
      // Re-uploads of known images: the banked one itself, a copy 10 bits away and one 28 bits
      // away (on the edge: the same hash every time tells nothing new).
      const known = [banked, flipAll(banked, range(100, 110)), flipAll(banked, range(0, 28))];
      let unrelated = 0;
      let reuploads = 0;
      for (let request = 0; request < 550; request++) {
        // Of every 11 requests, 8 carry 10 unrelated hashes and 3 carry 10 re-uploads.
        const again = request % 11 >= 8;
        const values = Array.from({ length: 10 }, (_, i) => (again ? known[i % 3]! : randomPdq()));
        const response = await match(t, verdict, values);
        expect(response.statusCode).toBe(200);
        if (again) reuploads += values.length;
        else unrelated += values.length;
      }
      expect([unrelated, reuploads]).toEqual([4_000, 1_500]);
      expect(await alertsOf(t)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('a shared history that does not answer', () => {
  test('the request is answered without probing detection (fail open) and counted', async () => {
    const away: ProbingHistory = {
      observe: () => Promise.reject(new Error('connection refused')),
      claimAlert: () => Promise.reject(new Error('connection refused')),
      forget: async () => {},
      close: async () => {},
    };
    const t = await createTestApp({ config: edgeOnly(), probingHistory: away });
    try {
      const banked = randomPdq();
      await bankWith(t, banked);
      const verdict = await t.key(['match:verdict']);
      const response = await match(t, verdict, [banked]);
      expect(response.statusCode).toBe(200);
      expect(response.json().results).toEqual([{ matched: true }]);
      const metrics = await t.call(null, { method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/hashline_probing_history_unavailable_total 1/);
    } finally {
      await t.close();
    }
  });
});

describe('one probing history for every process on PostgreSQL', () => {
  test('an attack split across two servers on one database is seen whole; with per-process histories it is not', async () => {
    const schema = `hl_probe_${randomBytes(6).toString('hex')}`;
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const open = () => openPostgresStore({ connectionString: POSTGRES_URL, schema, maxConnections: 4 });
    const stores = [await open(), await open()];
    const histories = [
      openPostgresProbingHistory({ connectionString: url.toString() }),
      openPostgresProbingHistory({ connectionString: url.toString() }),
    ];
    const apps: TestApp[] = [];
    try {
      const config = edgeOnly();
      apps.push(await createTestApp({ store: stores[0]!, config, probingHistory: histories[0]! }));
      const banked = randomPdq();
      await bankWith(apps[0]!, banked);
      // The second server starts after the bank exists and loads it from the database.
      apps.push(await createTestApp({ store: stores[1]!, config, probingHistory: histories[1]! }));
      const verdict = await apps[0]!.key(['match:verdict']);
      const edge = flipAll(banked, range(0, 31));
      // 15 edge questions, alternating between the servers: 8 on one, 7 on the other.
      for (let bit = 0; bit < 15; bit++) {
        const response = await match(apps[bit % 2]!, verdict, [flipBit(edge, 32 + bit)]);
        expect(response.statusCode).toBe(200);
      }
      // The 16th, on either server, is the key's 16th on the edge: refused, one alert in all.
      const sixteenth = await match(apps[1]!, verdict, [flipBit(edge, 100)]);
      expect(sixteenth.statusCode).toBe(403);
      expect(problemBody(sixteenth).code).toBe('API_KEY_SUSPENDED');
      expect((await match(apps[0]!, verdict, [randomPdq()])).statusCode).toBe(401);
      const alerts = await alertsOf(apps[0]!);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ rule: 'threshold_edge', nearQueries: 16 });

      // Negative control: the same split with each server keeping its own history in memory.
      const memoryApps = [
        await createTestApp({ store: stores[0]!, config }),
        await createTestApp({ store: stores[1]!, config }),
      ];
      try {
        const other = await memoryApps[0]!.key(['match:verdict']);
        for (let bit = 0; bit < 16; bit++) {
          const response = await match(memoryApps[bit % 2]!, other, [flipBit(edge, 32 + bit)]);
          expect(response.statusCode).toBe(200);
        }
      } finally {
        for (const app of memoryApps) await app.close();
      }
    } finally {
      for (const app of apps) await app.close();
      for (const history of histories) await history.close();
      for (const store of stores) await store.close();
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
  }, 120_000);
});
