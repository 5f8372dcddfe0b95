// Issue 12 part 3 over HTTP on both engines: matched requests' records commit in groups (a commit
// held open makes the others queue behind it, no timing involved), every answer's record id names
// a committed record with its webhook notification, closing the app commits what is queued first,
// and the retention job deletes match records older than the setting at start.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HashlineStore, MatchRecord, MatchRecordItem } from '@hashline/domain';
import { createManualClock } from '@hashline/domain/testing';
import { openPostgresStore, openStore } from '@hashline/storage';
import pg from 'pg';
import { afterEach, describe, expect, test } from 'vitest';
import { startServer } from '../src/server.js';
import { createTestApp, testConfig } from './support/test-app.js';

const POSTGRES_URL = process.env.HASHLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DAY = 86_400_000;

interface Opened {
  readonly store: HashlineStore;
  drop(): Promise<void>;
}

const ENGINES: { name: string; open(clock?: ReturnType<typeof createManualClock>): Promise<Opened> }[] = [
  {
    name: 'sqlite',
    async open(clock) {
      const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'hashline-groups-')), 'hashline.db')}`;
      return { store: await openStore(url, clock ? { clock } : {}), drop: async () => {} };
    },
  },
  {
    name: 'postgres',
    async open(clock) {
      const schema = `hl_groups_${randomBytes(6).toString('hex')}`;
      const store = await openPostgresStore({
        connectionString: POSTGRES_URL,
        schema,
        maxConnections: 4,
        ...(clock ? { clock } : {}),
      });
      return {
        store,
        drop: async () => {
          const client = new pg.Client({ connectionString: POSTGRES_URL });
          await client.connect();
          await client.query(`drop schema if exists "${schema}" cascade`);
          await client.end();
        },
      };
    },
  },
];

/** `store` with a `recordMatches` that can be held open; every call's size is recorded. */
function holding(store: HashlineStore) {
  const sizes: number[] = [];
  let gate: Promise<void> | null = null;
  let open: () => void = () => undefined;
  let started: () => void = () => undefined;
  const recordMatches = async (items: readonly MatchRecordItem[]): Promise<MatchRecord[]> => {
    sizes.push(items.length);
    started();
    if (gate) await gate;
    return store.recordMatches(items);
  };
  const wrapped = new Proxy(store, {
    get(target, property) {
      if (property === 'recordMatches') return recordMatches;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return {
    store: wrapped,
    sizes,
    hold(): Promise<void> {
      gate = new Promise((resolve) => (open = resolve));
      return new Promise((resolve) => (started = resolve));
    },
    release(): void {
      gate = null;
      open();
    },
  };
}

describe.each(ENGINES)('match records on $name', (engine) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  test('concurrent matched requests commit in groups; closing commits what is queued; every record id is committed', async () => {
    const opened = await engine.open();
    cleanups.push(
      () => opened.drop(),
      () => opened.store.close(),
    );
    const { store } = opened;
    const bank = await store.createBank({
      name: 'known',
      kind: 'known_csam',
      webhookUrl: 'https://hooks.example.org/known',
      webhookSecret: 'a-webhook-secret-of-sufficient-length',
    });
    const values = Array.from({ length: 21 }, (_, i) => (i + 1).toString(16).padStart(32, '0'));
    await store.addEntries(
      bank.id,
      values.map((value) => ({ signalType: 'md5' as const, value })),
      'test',
    );
    const held = holding(store);
    const t = await createTestApp({ store: held.store });
    const token = await t.key(['match']);
    const match = (i: number) =>
      t.call(token, {
        method: 'POST',
        url: '/v1/match',
        payload: { hashes: [{ signalType: 'md5', value: values[i], contentRef: `upload-${i}` }] },
      });

    const started = held.hold();
    const first = match(0);
    await started;
    const rest = values.slice(1).map((_, i) => match(i + 1));
    await expect.poll(() => t.app.hashlineMatchRecorder.pending).toBe(20);
    // Shut down while 20 records wait behind the held commit: closing must commit them first.
    const closing = t.close();
    await expect.poll(() => t.app.hashlineMatchRecorder.closed).toBe(true);
    expect(t.app.hashlineMatchRecorder.pending).toBe(20);
    held.release();
    await closing;
    // Closed: every queued record is committed, before the answers are even read.
    expect(await store.listMatchRecords({ limit: 100 })).toHaveLength(21);
    const responses = await Promise.all([first, ...rest]);

    expect(held.sizes).toEqual([1, 20]);
    const deliveries = await store.listDeliveries({ limit: 100 });
    expect(deliveries).toHaveLength(21);
    for (const [i, response] of responses.entries()) {
      expect(response.statusCode).toBe(200);
      const answer = response.json<{ results: { recordId: number; recorded: boolean }[] }>().results[0]!;
      expect(answer.recorded).toBe(true);
      expect(await store.getMatchRecord(answer.recordId)).toMatchObject({
        signalType: 'md5',
        value: values[i],
        contentRef: `upload-${i}`,
      });
      expect(deliveries.filter((d) => JSON.parse(d.body).recordId === answer.recordId)).toHaveLength(1);
    }
    expect(deliveries.map((d) => d.seq).sort((a, b) => a - b)).toEqual(deliveries.map((_, k) => k + 1));
  });

  test('the retention job deletes match records older than HASHLINE_MATCH_RECORD_RETENTION_DAYS at start', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const opened = await engine.open(clock);
    cleanups.push(
      () => opened.drop(),
      () => opened.store.close(),
    );
    const { store } = opened;
    const record = (ageDays: number) => ({
      record: {
        createdAt: new Date(clock.now().getTime() - ageDays * DAY),
        caller: 'key_a',
        source: 'hash' as const,
        signalType: 'md5' as const,
        value: ageDays.toString(16).padStart(32, '0'),
        matches: [{ entryId: 1, bankId: 1, distance: 0 }],
        contentRef: null,
      },
    });
    const [old, recent] = await store.recordMatches([record(31), record(29)]);
    const config = testConfig({
      port: 0,
      matchRecords: { groupSize: 256, retentionDays: 30 },
    });
    const server = await startServer({
      config,
      store,
      clock,
      bootstrapAdmin: false,
      indexWorkers: false,
      webhooks: false,
      captureWorker: false,
      takedownScheduler: false,
    });
    cleanups.push(() => server.close());
    // The counter ticks after the whole pass (records, then finished deliveries): wait on it, not
    // on the record's row, which is gone one statement earlier.
    await expect
      .poll(async () => (await server.app.inject({ method: 'GET', url: '/metrics' })).body)
      .toMatch(/^hashline_match_records_deleted_total 1$/m);
    expect(await store.getMatchRecord(old!.id)).toBeUndefined();
    expect(await store.getMatchRecord(recent!.id)).toEqual(recent);
  });
});
