// Benchmark of the webhook outbox claim (`npm run bench:webhooks`; builds @hashline/storage first
// and imports its dist/, as the server does at run time).
//
// The case ordered delivery makes expensive: one endpoint is down, with BENCH_BACKLOG (default
// 100,000) undelivered notifications waiting behind its head, while 200 healthy endpoints each have
// one due delivery. Every dispatcher poll runs the claim, so it must not grow with the backlog.
// Measured: the ordered claim (the default: heads of endpoints only) taking 10, and finding nothing
// once only the blocked endpoint is left. Baseline in the same run: the unordered claim (any due
// rows, by the due index) on the same data. SQLite in a temporary file; PostgreSQL at
// HASHLINE_TEST_POSTGRES_URL (default 127.0.0.1:5432/test) in a schema dropped afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openPostgresStore, openStore } from '@hashline/storage';
import pg from 'pg';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 100_000);
const ROUNDS = 15;
const POSTGRES_URL = process.env.HASHLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => x.toFixed(1).padStart(8);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

async function measure(store) {
  const now = new Date(Date.now() + 600_000);
  for (let i = 0; i < BACKLOG; i += 5000) {
    await store.enqueueDeliveries(
      Array.from({ length: Math.min(5000, BACKLOG - i) }, (_, k) => ({
        bankId: 1,
        url: 'https://down.example.org/in',
        payload: { type: 'bench', id: `down-${i + k}` },
        idempotencyKey: `down-${i + k}`,
      })),
    );
  }
  // The dead endpoint's head failed and waits an hour for its retry; the rest waits behind it.
  const [head] = await store.claimDueDeliveries(now, 1, 1000);
  await store.markAttemptFailed(head.id, 'HTTP 503', new Date(now.getTime() + 3_600_000));

  const rounds = { ordered: [], unordered: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of ['ordered', 'unordered']) {
      await store.enqueueDeliveries(
        Array.from({ length: 200 }, (_, k) => ({
          bankId: 2 + k,
          url: `https://ok${k}.example.org/in`,
          payload: { type: 'bench', id: `ok-${mode}-${r}-${k}` },
          idempotencyKey: `ok-${mode}-${r}-${k}`,
        })),
      );
      const t = performance.now();
      const claimed = await store.claimDueDeliveries(now, 10, 60_000, { ordered: mode === 'ordered' });
      rounds[mode].push(performance.now() - t);
      if (claimed.length !== 10) throw new Error(`${mode}: claimed ${claimed.length}, not 10`);
      if (mode === 'ordered' && claimed.some((d) => d.url.includes('down'))) {
        throw new Error('ordered: claimed behind a retrying head');
      }
      // Clear the healthy ones so every round starts alike.
      for (const d of claimed) await store.markDelivered(d.id, now);
      for (;;) {
        const rest = (await store.claimDueDeliveries(now, 500, 60_000)).filter(
          (d) => !d.url.includes('down'),
        );
        if (rest.length === 0) break;
        for (const d of rest) await store.markDelivered(d.id, now);
      }
    }
  }
  const idle = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    const none = await store.claimDueDeliveries(now, 10, 60_000);
    idle.push(performance.now() - t);
    if (none.length !== 0) throw new Error('ordered: claimed behind a retrying head');
  }
  return { ordered: median(rounds.ordered), unordered: median(rounds.unordered), idle: median(idle) };
}

console.log(
  `webhook outbox claim: ${BACKLOG.toLocaleString('en-US')} waiting behind one endpoint, 200 healthy endpoints`,
);
console.log(`load average before: ${load()}`);
console.log(
  'engine     | ordered, take 10 | ordered, nothing to take | baseline: unordered, take 10 (ms, medians of 15)',
);
const dir = mkdtempSync(join(tmpdir(), 'hashline-bench-hooks-'));
try {
  const sqlite = await openStore(`sqlite:${join(dir, 'bench.db')}`);
  const s = await measure(sqlite).finally(() => sqlite.close());
  console.log(`sqlite     | ${ms(s.ordered)}         | ${ms(s.idle)}                 | ${ms(s.unordered)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const schema = `hl_bench_hooks_${process.pid}`;
try {
  const postgres = await openPostgresStore({ connectionString: POSTGRES_URL, schema });
  const p = await measure(postgres).finally(() => postgres.close());
  console.log(`postgres   | ${ms(p.ordered)}         | ${ms(p.idle)}                 | ${ms(p.unordered)}`);
} finally {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
}
console.log(`load average after: ${load()}`);
