import type { BankChange, HashlineStore } from '@hashline/domain';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../src/index.js';
import { CHANGE_LOG_LOCK_CLASS } from '../src/postgres/postgres-store-dialect.js';
import { hexValue } from './contract/hashline-store.contract.js';
import { dropSchema, freshSchemaName, POSTGRES_TEST_URL, requirePostgres } from './support/postgres.js';

// What only a server with many connections can show: the change log stays gap-free for a
// follower while writers race, and concurrent outbox workers never claim the same delivery.
describe('PostgreSQL store under concurrency', () => {
  const schema = freshSchemaName();
  let store: HashlineStore;

  let opening: Promise<HashlineStore>;

  beforeAll(() => {
    opening = requirePostgres().then(() =>
      openPostgresStore({ connectionString: POSTGRES_TEST_URL, schema, maxConnections: 10 }),
    );
    opening.catch(() => {}); // reported by each test's beforeEach, as a failure
  });

  beforeEach(async () => {
    store = await opening;
  });

  afterAll(async () => {
    await store?.close();
    if (store) await dropSchema(schema);
  });

  it('a follower tailing changesSince never skips a seq while writers commit concurrently', async () => {
    const banks = await Promise.all(
      Array.from({ length: 6 }, (_, i) => store.createBank({ name: `race-${i}`, kind: 'test' })),
    );
    const start = await store.latestSeq();
    let writing = true;
    const seen: BankChange[] = [];
    const follow = async () => {
      let cursor = start;
      for (;;) {
        const done = !writing; // read before the query, so the last pass sees every commit
        const page = await store.changesSince(cursor, 1000);
        seen.push(...page);
        if (page.length > 0) cursor = page.at(-1)!.seq;
        if (done && page.length === 0) return;
      }
    };
    const write = async (bankId: number, w: number) => {
      for (let i = 0; i < 12; i++) {
        const { created } = await store.addEntries(
          bankId,
          [{ signalType: 'md5', value: hexValue('md5', w * 1000 + i) }],
          'race',
        );
        if (i % 3 === 0) await store.updateEntry(created[0]!.id, { disabled: true });
      }
    };
    const follower = follow();
    await Promise.all(banks.map((bank, w) => write(bank.id, w)));
    writing = false;
    await follower;

    const log = await store.changesSince(start, 10_000);
    expect(log).toHaveLength(6 * (12 + 4));
    // Exactly the log, in order: nothing skipped, nothing twice.
    expect(seen.map((c) => c.seq)).toEqual(log.map((c) => c.seq));
  });

  it('a writer waits while another transaction holds the change-log lock, so seqs commit in order', async () => {
    const bank = await store.createBank({ name: 'held', kind: 'test' });
    const before = await store.latestSeq();
    const holder = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await holder.connect();
    try {
      await holder.query(`set search_path to "${schema}"`);
      await holder.query('begin');
      // The same key the store takes: per bank_changes table, so other schemas do not collide.
      await holder.query(
        `select pg_advisory_xact_lock(${CHANGE_LOG_LOCK_CLASS}::bigint << 32 | 'bank_changes'::regclass::oid::bigint)`,
      );
      let settled = false;
      const adding = store
        .addEntries(bank.id, [{ signalType: 'sha1', value: hexValue('sha1', 1) }], 't')
        .finally(() => {
          settled = true;
        });
      // Wait (by condition, not by time) until the writer is queued behind the lock.
      for (let tries = 0; ; tries++) {
        const { rows } = await holder.query(
          `select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`,
        );
        if (rows[0].n > 0) break;
        if (tries > 500) throw new Error('the writer never waited for the change-log lock');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(settled).toBe(false);
      expect(await store.latestSeq()).toBe(before);
      await holder.query('commit');
      const result = await adding;
      expect(result.seq).toBe(before + 1);
      expect(await store.latestSeq()).toBe(before + 1);
    } finally {
      await holder.end();
    }
  });

  it('concurrent workers claim each due delivery exactly once (unordered)', async () => {
    const now = new Date();
    await store.enqueueDeliveries(
      Array.from({ length: 120 }, (_, n) => ({
        bankId: 1,
        url: 'https://hooks.example.org/in',
        payload: { type: 'test', id: `claim-${n}` },
        idempotencyKey: `claim-${n}`,
      })),
    );
    const claimed: number[] = [];
    const worker = async () => {
      for (;;) {
        const batch = await store.claimDueDeliveries(new Date(now.getTime() + 60_000), 7, 600_000, {
          ordered: false,
        });
        if (batch.length === 0) return;
        claimed.push(...batch.map((d) => d.id));
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(claimed).toHaveLength(120);
    expect(new Set(claimed).size).toBe(120);
  });

  it('concurrent enqueues number each bank without gaps, in commit order', async () => {
    const bankId = 50;
    // 10 writers × 10 enqueues of 3 at once, racing on one bank's counter.
    await Promise.all(
      Array.from({ length: 10 }, async (_, w) => {
        for (let i = 0; i < 10; i++) {
          await store.enqueueDeliveries(
            [0, 1, 2].map((k) => ({
              bankId,
              url: 'https://hooks.example.org/seq',
              payload: { type: 'test', id: `seq-${w}-${i}-${k}` },
              idempotencyKey: `seq-${w}-${i}-${k}`,
            })),
          );
        }
      }),
    );
    const rows = (await store.listDeliveries({ bankId, limit: 1000 })).reverse();
    // In id (insert) order the seqs run 1…300: the counter's lock orders the transactions.
    expect(rows.map((d) => d.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    // Each enqueue's three are consecutive and in the order given.
    for (let i = 0; i < 300; i += 3) {
      const ids = rows.slice(i, i + 3).map((d) => d.idempotencyKey);
      expect(ids.map((id) => id.slice(-1))).toEqual(['0', '1', '2']);
    }
  });

  it('concurrent ordered workers: one delivery in flight per endpoint, each endpoint in order', async () => {
    const bankId = 60;
    const urls = ['https://a.example.org/in', 'https://b.example.org/in', 'https://c.example.org/in'];
    await store.enqueueDeliveries(
      Array.from({ length: 60 }, (_, n) => ({
        bankId: bankId + (n % 3),
        url: urls[n % 3]!,
        payload: { type: 'test', id: `ord-${n}` },
        idempotencyKey: `ord-${n}`,
      })),
    );
    const inFlight = new Set<string>();
    const sent = new Map<string, number[]>(urls.map((url) => [url, []]));
    let overlaps = 0;
    const worker = async () => {
      for (let idle = 0; idle < 50;) {
        const batch = await store.claimDueDeliveries(new Date(Date.now() + 3_600_000), 5, 3_600_000);
        if (batch.length === 0) {
          idle++;
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        idle = 0;
        await Promise.all(
          batch.map(async (d) => {
            // The schema is shared: earlier tests' deliveries are cleared out of the way.
            if (!sent.has(d.url)) return store.markDelivered(d.id, new Date());
            if (inFlight.has(d.url)) overlaps++;
            inFlight.add(d.url);
            sent.get(d.url)!.push(d.seq);
            await new Promise((resolve) => setImmediate(resolve));
            inFlight.delete(d.url);
            await store.markDelivered(d.id, new Date());
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    expect(overlaps).toBe(0);
    for (const url of urls) expect(sent.get(url)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('a redelivery waits for a claim in progress on its endpoint, so it never lands beside it', async () => {
    const url = 'https://race.example.org/in';
    const now = new Date(Date.now() + 7_200_000);
    await store.enqueueDeliveries(
      [1, 2].map((n) => ({
        bankId: 80,
        url,
        payload: { type: 'test', id: `race-${n}` },
        idempotencyKey: `race-${n}`,
      })),
    );
    const mine = async () => (await store.listDeliveries({ bankId: 80, limit: 10 })).reverse();
    const [d1, d2] = await mine();
    await store.claimDueDeliveries(now, 100, 1_000); // clears earlier tests' heads out of the way too
    const inFlight = (await store.listDeliveries({ limit: 1000 })).filter(
      (d) => d.url !== url && (d.status === 'pending' || d.status === 'retrying'),
    );
    for (const d of inFlight) await store.markDelivered(d.id, now);
    await store.markDelivered(d1!.id, now);
    expect((await mine()).map((d) => d.status)).toEqual(['delivered', 'pending']);

    // Another process is claiming d2: its transaction holds d2's row lock, lease not committed yet.
    const claimer = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    const observer = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await claimer.connect();
    await observer.connect();
    try {
      await claimer.query(`set search_path to "${schema}"`);
      await claimer.query('begin');
      await claimer.query('select id from webhook_deliveries where id = $1 for update', [d2!.id]);

      let settled = false;
      const redelivering = store.redeliver(d1!.id, now).finally(() => {
        settled = true;
      });
      for (let tries = 0; ; tries++) {
        // Not on the claimer's connection: inside its transaction the activity view is a snapshot.
        const { rows } = await observer.query(
          `select count(*)::int as n from pg_stat_activity
           where wait_event_type = 'Lock' and datname = current_database() and query ilike '%webhook_deliveries%for update%'`,
        );
        if (rows[0].n > 0 || settled) break;
        if (tries > 3_000) throw new Error('the redelivery neither waited nor finished');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // It waits: a claim now sees d1 still delivered and d2 locked, so it takes nothing.
      expect(settled).toBe(false);
      expect(await store.claimDueDeliveries(now, 10, 60_000)).toEqual([]);

      const lease = new Date(now.getTime() + 60_000);
      await claimer.query(
        'update webhook_deliveries set leased_until = $2, next_attempt_at = $2, attempts = attempts + 1 where id = $1',
        [d2!.id, lease],
      );
      await claimer.query('commit');
      expect(await redelivering).toMatchObject({ id: d1!.id, status: 'pending' });
    } finally {
      await claimer.end();
      await observer.end();
    }
    // d1 is queued again but waits: d2 is in flight on the same endpoint.
    expect(await store.claimDueDeliveries(now, 10, 60_000)).toEqual([]);
    await store.markDelivered(d2!.id, now);
    expect((await store.claimDueDeliveries(now, 10, 60_000)).map((d) => d.id)).toEqual([d1!.id]);
  });
});
