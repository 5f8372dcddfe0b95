// Issue 11, parts 4 and 5: three real server processes on one PostgreSQL database.
// - One rate limit across replicas: one key, offered far more than its limit spread over the three
//   processes, is granted at most what one token bucket could grant over the measured time.
// - Freshness: with the fallback poll set to 60 s, a change committed through one process becomes
//   matchable on the two others through NOTIFY (counted in their metrics); the latency from the
//   write's acknowledgement to "matchable" is printed, not asserted (see bench/freshness.bench.mjs).
// Nothing here depends on timing: bounds are computed from the elapsed time measured by the test.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, metricValue, startReplicas, type ReplicaSet } from './support/replica-processes.js';

const PROCESSES = 3;
const CHANGES = 200;

let replicas: ReplicaSet | undefined;

beforeAll(async () => {
  replicas = await startReplicas(PROCESSES, {
    // The default rate is for the admin key; the keys under test set their own.
    HASHLINE_RATE_LIMIT_PER_SECOND: '1000000',
    HASHLINE_RATE_LIMIT_BURST_SECONDS: '5',
    // Polling (the fallback) so slow that only notifications can explain prompt freshness.
    HASHLINE_POLL_MS: '60000',
  });
}, 600_000);

afterAll(async () => {
  await replicas?.close();
}, 120_000);

async function createKey(scopes: string[], rateLimitPerSecond: number): Promise<string> {
  const { servers, adminToken } = replicas!;
  const created = await call(servers[0]!.url, adminToken, 'POST', '/v1/api-keys', {
    name: `replicas-${randomBytes(3).toString('hex')}`,
    scopes,
    rateLimitPerSecond,
  });
  expect(created.status).toBe(201);
  return (created.body as { token: string }).token;
}

/**
 * One sequential client per process, all at once, each sending `request` until the three together
 * have offered at least `enough(elapsedSeconds)` requests. Returns what each answer was and the
 * elapsed time from before the first request to after the last answer.
 */
async function offer(
  request: (base: string) => Promise<{ status: number; headers: Headers }>,
  enough: (offered: number, elapsedSeconds: number) => boolean,
): Promise<{ statuses: number[][]; retryAfter: string[]; seconds: number }> {
  const started = performance.now();
  const statuses: number[][] = replicas!.servers.map(() => []);
  const retryAfter: string[] = [];
  let offered = 0;
  await Promise.all(
    replicas!.servers.map(async (server, i) => {
      while (!enough(offered, (performance.now() - started) / 1000)) {
        offered++;
        const answer = await request(server.url);
        statuses[i]!.push(answer.status);
        if (answer.status === 429) retryAfter.push(answer.headers.get('retry-after') ?? '');
      }
    }),
  );
  return { statuses, retryAfter, seconds: (performance.now() - started) / 1000 };
}

describe('three server processes on one PostgreSQL database', () => {
  it('hold one API key to one rate limit, counted across the processes', async () => {
    const rate = 2; // tokens a second
    const capacity = rate * 5; // HASHLINE_RATE_LIMIT_BURST_SECONDS
    // A bucket grants at most its capacity plus what refills during the run; the tolerance of one
    // token covers rounding of the refill's floating-point seconds.
    const bound = (seconds: number): number => capacity + rate * seconds;
    const TOLERANCE = 1;

    // 1. Requests: one token each. Three times the bound is offered (and at least 300 requests).
    const token = await createKey(['match'], rate);
    const run = await offer(
      (base) => call(base, token, 'GET', '/v1/me'),
      // Over a window of at least 4 s, so refilling is part of what is checked.
      (offered, seconds) => seconds >= 4 && offered >= Math.max(300, 3 * bound(seconds)),
    );
    const all = run.statuses.flat();
    const accepted = all.filter((s) => s === 200).length;
    expect(all.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(all.length).toBeGreaterThanOrEqual(3 * bound(run.seconds) - PROCESSES);
    for (const perProcess of run.statuses) expect(perProcess.length).toBeGreaterThan(0);
    // Each process alone would have granted the whole bound: together ~3× it.
    expect(accepted).toBeLessThanOrEqual(Math.floor(bound(run.seconds)) + TOLERANCE);
    expect(accepted).toBeGreaterThanOrEqual(capacity);
    expect(run.retryAfter.every((value) => Number(value) >= 1)).toBe(true);
    console.log(
      `shared rate limit, requests: offered ${all.length} over ${run.seconds.toFixed(2)} s on ${PROCESSES} processes ` +
        `(${run.statuses.map((s) => s.length).join(' + ')}); accepted ${accepted}; ` +
        `one bucket could grant ${bound(run.seconds).toFixed(1)} (+${TOLERANCE} tolerance)`,
    );

    // 2. Hashes: a match request of 3 hashes takes 3 tokens.
    const hashToken = await createKey(['match'], rate);
    const hashes = Array.from({ length: 3 }, () => ({
      signalType: 'md5',
      value: randomBytes(16).toString('hex'),
    }));
    const batches = await offer(
      (base) => call(base, hashToken, 'POST', '/v1/match', { hashes }),
      (offered, seconds) => seconds >= 4 && offered * hashes.length >= Math.max(300, 3 * bound(seconds)),
    );
    const answered = batches.statuses.flat();
    expect(answered.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    const acceptedHashes = answered.filter((s) => s === 200).length * hashes.length;
    expect(acceptedHashes).toBeLessThanOrEqual(Math.floor(bound(batches.seconds)) + TOLERANCE);
    // A batch pays one token on arrival and the other two once its body is read; an arrival token
    // is spent even when the second step is then refused. With one request in flight per process,
    // the worst interleaving from a full bucket of 10 is: three arrivals (7 left), one batch (5),
    // its next arrival (4), a second batch (2), its next arrival (1); every later second step finds
    // under 2 tokens while arrivals take each refilled one. So two batches are the guaranteed
    // floor (CI saw exactly that once); three is the usual outcome.
    expect(acceptedHashes).toBeGreaterThanOrEqual(2 * hashes.length);
    console.log(
      `shared rate limit, hashes: offered ${answered.length * hashes.length} hashes in ${answered.length} requests over ` +
        `${batches.seconds.toFixed(2)} s; accepted ${acceptedHashes}; one bucket could grant ${bound(batches.seconds).toFixed(1)}`,
    );

    // The database answered every take: no process fell back to counting in memory.
    for (const server of replicas!.servers) {
      const page = await fetch(`${server.url}/metrics`).then((r) => r.text());
      expect(metricValue(page, 'hashline_rate_limit_fallbacks_total')).toBe(0);
    }
  }, 300_000);

  it('make a change committed through one process matchable on the others through NOTIFY', async () => {
    const { servers, adminToken } = replicas!;
    const bank = `fresh-${randomBytes(3).toString('hex')}`;
    expect(
      (await call(servers[0]!.url, adminToken, 'POST', '/v1/banks', { name: bank, kind: 'known_csam' }))
        .status,
    ).toBe(201);
    const verdict = await createKey(['match:verdict'], 1_000_000);
    const before = await Promise.all(
      servers.map(async (s) =>
        metricValue(
          await fetch(`${s.url}/metrics`).then((r) => r.text()),
          'hashline_change_notifications_total',
        ),
      ),
    );
    const latencies: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const writer = servers[i % PROCESSES]!;
      const value = randomBytes(16).toString('hex');
      const added = await call(writer.url, adminToken, 'POST', `/v1/banks/${bank}/entries`, {
        entries: [{ signalType: 'md5', value }],
      });
      expect(added.status).toBe(201);
      const acknowledged = performance.now();
      await Promise.all(
        servers
          .filter((s) => s !== writer)
          .map(async (follower) => {
            const deadline = Date.now() + 120_000;
            for (;;) {
              const answer = await call(follower.url, verdict, 'POST', '/v1/match', {
                hashes: [{ signalType: 'md5', value }],
              });
              expect(answer.status).toBe(200);
              if ((answer.body as { results: { matched: boolean }[] }).results[0]!.matched) break;
              if (Date.now() > deadline)
                throw new Error(`change ${i} never became matchable on ${follower.url}`);
            }
            latencies.push(performance.now() - acknowledged);
          }),
      );
    }
    // Every process was told of every change: the notifications, not the 60 s poll, woke them.
    const after = await Promise.all(
      servers.map(async (s) =>
        metricValue(
          await fetch(`${s.url}/metrics`).then((r) => r.text()),
          'hashline_change_notifications_total',
        ),
      ),
    );
    after.forEach((count, i) => expect(count - before[i]!).toBeGreaterThanOrEqual(CHANGES));
    for (const s of servers) {
      const page = await fetch(`${s.url}/metrics`).then((r) => r.text());
      expect(metricValue(page, 'hashline_change_listener_up')).toBe(1);
    }
    latencies.sort((a, b) => a - b);
    const at = (q: number): string =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
    console.log(
      `freshness over NOTIFY (${PROCESSES} processes, poll fallback 60 s): ${latencies.length} samples from the ` +
        `write's acknowledgement to matchable on another process: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, ` +
        `max ${latencies.at(-1)!.toFixed(1)} ms`,
    );
  }, 600_000);

  it('survive the loss of their LISTEN connections: they reconnect and are woken again', async () => {
    const { servers, adminToken, databaseUrl } = replicas!;
    const pageOf = (base: string): Promise<string> => fetch(`${base}/metrics`).then((r) => r.text());
    const lossesBefore = await Promise.all(
      servers.map(async (s) => metricValue(await pageOf(s.url), 'hashline_change_listener_losses_total')),
    );
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      // This schema's channel only: other schemas (other tests) on the server keep theirs.
      const { rows } = await admin.query<{ terminated: boolean }>(
        `select pg_terminate_backend(pid) as terminated from pg_stat_activity
          where application_name = 'hashline listen hashline_changes_' || 'bank_changes'::regclass::oid::bigint`,
      );
      expect(rows.filter((r) => r.terminated)).toHaveLength(PROCESSES);
    } finally {
      await admin.end();
    }
    // Each process notices, reconnects (backoff from 100 ms) and listens again; none exits.
    const deadline = Date.now() + 120_000;
    for (const [i, server] of servers.entries()) {
      for (;;) {
        const page = await pageOf(server.url);
        const lost = metricValue(page, 'hashline_change_listener_losses_total') > lossesBefore[i]!;
        if (lost && metricValue(page, 'hashline_change_listener_up') === 1) break;
        if (Date.now() > deadline) throw new Error(`${server.url} did not listen again:\n${server.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    }
    // With polling at 60 s, a change through one process still reaches the others at once.
    const bank = `after-loss-${randomBytes(3).toString('hex')}`;
    expect(
      (await call(servers[0]!.url, adminToken, 'POST', '/v1/banks', { name: bank, kind: 'test' })).status,
    ).toBe(201);
    const value = randomBytes(16).toString('hex');
    expect(
      (
        await call(servers[0]!.url, adminToken, 'POST', `/v1/banks/${bank}/entries`, {
          entries: [{ signalType: 'md5', value }],
        })
      ).status,
    ).toBe(201);
    for (const follower of servers.slice(1)) {
      for (;;) {
        const answer = await call(follower.url, adminToken, 'POST', '/v1/match', {
          hashes: [{ signalType: 'md5', value }],
        });
        if ((answer.body as { results: { matched: boolean }[] }).results[0]!.matched) break;
        if (Date.now() > deadline) throw new Error(`the change never reached ${follower.url}`);
      }
    }
  }, 300_000);
});
