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

  it('concurrent workers claim each due delivery exactly once', async () => {
    const now = new Date();
    await store.enqueueDeliveries(
      Array.from({ length: 120 }, (_, n) => ({
        bankId: 1,
        url: 'https://hooks.example.org/in',
        body: `{"n":${n}}`,
        idempotencyKey: `claim-${n}`,
      })),
    );
    const claimed: number[] = [];
    const worker = async () => {
      for (;;) {
        const batch = await store.claimDueDeliveries(new Date(now.getTime() + 60_000), 7, 600_000);
        if (batch.length === 0) return;
        claimed.push(...batch.map((d) => d.id));
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(claimed).toHaveLength(120);
    expect(new Set(claimed).size).toBe(120);
  });
});
