import type { HashlineStore } from '@hashline/domain';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  listenForChanges,
  openPostgresRateBuckets,
  openPostgresStore,
  type ChangeListener,
  type ChangeListenerStatus,
  type PostgresRateBuckets,
} from '../src/index.js';
import { hexValue } from './contract/hashline-store.contract.js';
import { dropSchema, freshSchemaName, POSTGRES_TEST_URL, requirePostgres } from './support/postgres.js';

// What several processes on one database share (issue 11): token buckets that concurrent takers
// cannot over-spend, and change-log notifications that arrive only after the commit.

/** Polls `condition` until it holds (generous bound: a busy machine only makes it slower). */
async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('PostgreSQL shared by replicas', () => {
  const schema = freshSchemaName();
  const url = new URL(POSTGRES_TEST_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const connectionString = url.toString();
  let store: HashlineStore;
  let opening: Promise<HashlineStore>;
  const buckets: PostgresRateBuckets[] = [];
  const listeners: ChangeListener[] = [];

  beforeAll(() => {
    opening = requirePostgres().then(() =>
      openPostgresStore({ connectionString: POSTGRES_TEST_URL, schema, maxConnections: 4 }),
    );
    opening.catch(() => {}); // reported by each test's beforeEach, as a failure
  });

  beforeEach(async () => {
    store = await opening;
  });

  afterAll(async () => {
    await Promise.all([...buckets, ...listeners].map((b) => b.close()));
    await store?.close();
    if (store) await dropSchema(schema);
  });

  it('three pools taking from one bucket at once never get more than it holds', async () => {
    // Three pools stand for three processes. The rate is so low that the refill over the test is
    // below one token however slow the machine: exactly the capacity may be granted.
    for (let i = 0; i < 3; i++)
      buckets.push(openPostgresRateBuckets({ connectionString, timeoutMs: 30_000 }));
    const rate = 1e-7;
    const capacity = 40;
    const takes = Array.from({ length: 360 }, (_, i) => buckets[i % 3]!.take('key-a', 1, rate, capacity, 1));
    const results = await Promise.all(takes);
    expect(results.filter((r) => r.granted)).toHaveLength(capacity);
    // Another key has its own bucket.
    expect((await buckets[0]!.take('key-b', 1, rate, capacity, 1)).granted).toBe(true);
  });

  it('charges the cost, refuses what the bucket cannot cover, and lets a take larger than the bucket run into debt', async () => {
    const [b] = buckets;
    const rate = 1e-7;
    expect(await b!.take('key-c', 7, rate, 10, 7)).toMatchObject({ granted: true });
    const refused = await b!.take('key-c', 4, rate, 10, 4);
    expect(refused.granted).toBe(false);
    expect(refused.tokens).toBeCloseTo(3, 3);
    expect(await b!.take('key-c', 3, rate, 10, 3)).toMatchObject({ granted: true });
    // A fresh bucket of 10 grants a take of 25 once (it could never be granted otherwise) …
    const debt = await b!.take('key-d', 25, rate, 10, 10);
    expect(debt.granted).toBe(true);
    expect(debt.tokens).toBeCloseTo(-15, 3);
    // … and then refuses until the debt is refilled.
    expect((await b!.take('key-d', 1, rate, 10, 1)).granted).toBe(false);
  });

  it('refills from the database clock at the rate, and never above the capacity', async () => {
    const [b] = buckets;
    // 100 tokens a second into a bucket of 1,000, emptied first. The database's elapsed time
    // between the two takes lies between what the client measured inside and around them.
    const aroundStart = performance.now();
    expect((await b!.take('key-e', 1000, 100, 1000, 1000)).granted).toBe(true);
    const insideStart = performance.now();
    await until(() => performance.now() - insideStart >= 100, 'some time to pass');
    const insideEnd = performance.now();
    const next = await b!.take('key-e', 1, 100, 1000, 1);
    const aroundEnd = performance.now();
    expect(next.granted).toBe(true);
    expect(next.tokens).toBeGreaterThanOrEqual((100 * (insideEnd - insideStart)) / 1000 - 1 - 1e-6);
    expect(next.tokens).toBeLessThanOrEqual((100 * (aroundEnd - aroundStart)) / 1000 - 1 + 1e-6);
    // A bucket idle far longer than it takes to fill holds its capacity, not more.
    expect((await b!.take('key-f', 2, 1e6, 3, 2)).granted).toBe(true);
    await until(() => performance.now() - aroundEnd >= 20, 'the bucket to refill');
    expect((await b!.take('key-f', 1, 1e6, 3, 1)).tokens).toBeCloseTo(2, 6);
  });

  it('wakes a listener after each committed bank change (not a rolled-back one), and again after its connection is killed', async () => {
    const seqAtWake: number[] = [];
    const statuses: ChangeListenerStatus[] = [];
    const listener = listenForChanges({
      connectionString,
      onChange: () => {
        // The change a notification is about is committed, so already readable.
        void store.latestSeq().then((seq) => seqAtWake.push(seq));
      },
      onStatus: (status) => statuses.push(status),
      minBackoffMs: 20,
      maxBackoffMs: 200,
      pingIntervalMs: 600_000,
    });
    listeners.push(listener);
    // The first wake is the catch-up after LISTEN.
    await until(() => listener.listening && seqAtWake.length === 1, 'the listener to listen');
    const bank = await store.createBank({ name: 'notified', kind: 'test' });
    await until(() => seqAtWake.length === 2, 'the notification of the new bank');
    expect(seqAtWake[1]).toBeGreaterThanOrEqual(await store.latestSeq());

    // A mutation that fails rolls back, and its notification with it.
    await expect(
      store.addEntries(bank.id + 1000, [{ signalType: 'md5', value: hexValue('md5', 1) }], 't'),
    ).rejects.toThrow();
    await store.addEntries(bank.id, [{ signalType: 'md5', value: hexValue('md5', 1) }], 't');
    const committedSeq = await store.latestSeq();
    // Notifications arrive in commit order: once the add's has, a rolled-back one would have too.
    await until(() => seqAtWake.some((seq) => seq >= committedSeq), 'the notification of the add');
    expect(seqAtWake).toHaveLength(3);

    // Kill the listener's connection (found by its LISTEN of this schema's channel): it reconnects
    // with backoff, catches up once, and the next commit wakes it again.
    const channel = statuses.find((s) => s.listening)!;
    expect(channel.listening && channel.channel).toMatch(/^hashline_changes_\d+$/);
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ terminated: boolean }>(
        `select pg_terminate_backend(pid) as terminated from pg_stat_activity
          where query = $1 and pid <> pg_backend_pid()`,
        [`listen "${channel.listening ? channel.channel : ''}"`],
      );
      expect(rows.map((r) => r.terminated)).toEqual([true]);
    } finally {
      await admin.end();
    }
    await until(
      () => statuses.filter((s) => s.listening).length === 2 && listener.listening,
      'the listener to return',
    );
    expect(statuses.some((s) => !s.listening)).toBe(true);
    await store.addEntries(bank.id, [{ signalType: 'md5', value: hexValue('md5', 2) }], 't');
    const again = await store.latestSeq();
    await until(() => seqAtWake.some((seq) => seq >= again), 'a notification after the reconnect');
  });

  it('a listener on another schema is not woken by this one', async () => {
    const other = freshSchemaName();
    const otherStore = await openPostgresStore({ connectionString: POSTGRES_TEST_URL, schema: other });
    const otherUrl = new URL(POSTGRES_TEST_URL);
    otherUrl.searchParams.set('options', `-c search_path=${other}`);
    let wakes = 0;
    let otherChannel = '';
    const listener = listenForChanges({
      connectionString: otherUrl.toString(),
      onChange: () => wakes++,
      onStatus: (status) => {
        if (status.listening) otherChannel = status.channel;
      },
    });
    listeners.push(listener);
    try {
      await until(() => listener.listening && wakes === 1, 'the other listener to listen');
      // A commit here, then one there: once the second one has woken the other listener, the
      // first one (committed before it) would have too, had it been sent to its channel.
      const bank = await store.createBank({ name: 'not-for-other', kind: 'test' });
      await store.addEntries(bank.id, [{ signalType: 'md5', value: hexValue('md5', 3) }], 't');
      await otherStore.createBank({ name: 'for-other', kind: 'test' });
      await until(() => wakes >= 2, 'the other schema’s own notification');
      expect(wakes).toBe(2);
      // The channels differ: each is named after its own schema's change-log table.
      const client = new pg.Client({ connectionString });
      await client.connect();
      const { rows } = await client
        .query<{ channel: string }>(
          `select 'hashline_changes_' || 'bank_changes'::regclass::oid::bigint as channel`,
        )
        .finally(() => client.end());
      expect(otherChannel).toMatch(/^hashline_changes_\d+$/);
      expect(rows[0]!.channel).not.toBe(otherChannel);
    } finally {
      await otherStore.close();
      await dropSchema(other);
    }
  });
});
