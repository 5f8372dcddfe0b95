import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { open, readFile, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BankService, MatchEngine, type HashlineStore } from '@hashline/domain';
import { openStore } from '@hashline/storage';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../src/config.js';
import { readSnapshotFile, writeSnapshotFile } from '../src/index-snapshot/snapshot-file-codec.js';
import { startServer, type RunningServer } from '../src/server.js';
import { randomPdq } from './support/test-app.js';
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  requirePostgres,
} from '../../../packages/storage/test/support/postgres.js';

// The index snapshot (issue 12): a process writes its index to a file after each build and starts
// from it, catching up from the change log; anything wrong with the file means a load from the
// store, with the same entries.

interface Database {
  readonly url: string;
  sql(text: string): Promise<void>;
  drop(): Promise<void>;
}

const ENGINES: { name: string; create(): Promise<Database> }[] = [
  {
    name: 'sqlite',
    async create() {
      const file = join(mkdtempSync(join(tmpdir(), 'hl-snap-db-')), 'hashline.db');
      return {
        url: `sqlite:${file}`,
        async sql(text) {
          const db = new BetterSqlite3(file);
          try {
            db.exec(text);
          } finally {
            db.close();
          }
        },
        drop: async () => undefined,
      };
    },
  },
  {
    name: 'postgres',
    async create() {
      await requirePostgres();
      const schema = freshSchemaName();
      const admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
      await admin.connect();
      await admin.query(`create schema "${schema}"`);
      await admin.end();
      const url = new URL(POSTGRES_TEST_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return {
        url: url.toString(),
        async sql(text) {
          const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
          await client.connect();
          try {
            await client.query(`set search_path to "${schema}"`);
            await client.query(text);
          } finally {
            await client.end();
          }
        },
        drop: () => dropSchema(schema),
      };
    },
  },
];

describe.each(ENGINES)('the index snapshot on $name', (kind) => {
  let db: Database;
  let dataDir: string;
  let snapshotPath: string;
  let store: HashlineStore;
  let banks: BankService;
  const running: RunningServer[] = [];

  beforeEach(async () => {
    db = await kind.create();
    dataDir = mkdtempSync(join(tmpdir(), 'hl-snap-data-'));
    snapshotPath = join(dataDir, 'match-index.snapshot');
    store = await openStore(db.url);
    banks = new BankService(store);
  });
  afterEach(async () => {
    for (const server of running.splice(0)) await server.close();
    await store.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<RunningServer> {
    const config = loadConfig(
      {
        HASHLINE_DATA_DIR: dataDir,
        HASHLINE_DATABASE_URL: db.url,
        HASHLINE_LOG_LEVEL: process.env.SNAP_DEBUG ? 'info' : 'silent',
        HASHLINE_CHANGE_NOTIFY: 'false',
      },
      { port: 0 },
    );
    const server = await startServer({
      config,
      bootstrapAdmin: false,
      webhooks: false,
      captureWorker: false,
      takedownScheduler: false,
    });
    running.push(server);
    await server.indexLoaded;
    return server;
  }

  /** Waits until the server has written a snapshot that reflects `seq` or later. */
  async function snapshotWritten(server: RunningServer, seq: number): Promise<void> {
    await expect
      .poll(() => server.engine.status().snapshotSeq ?? -1, { timeout: 30_000 })
      .toBeGreaterThanOrEqual(seq);
    expect(existsSync(snapshotPath)).toBe(true);
  }

  async function stop(server: RunningServer): Promise<void> {
    running.splice(running.indexOf(server), 1);
    await server.close();
  }

  /** Two banks, PDQ and exact entries, one disabled entry. */
  async function seed(): Promise<void> {
    await banks.createBank({ name: 'known', kind: 'known_csam' });
    await banks.createBank({ name: 'other', kind: 'known_csam' });
    await banks.addEntries(
      'known',
      [
        ...Array.from({ length: 300 }, () => ({ signalType: 'pdq', value: randomPdq() })),
        { signalType: 'md5', value: randomBytes(16).toString('hex') },
        { signalType: 'sha256', value: randomBytes(32).toString('hex') },
      ],
      't',
    );
    await banks.addEntries(
      'other',
      Array.from({ length: 50 }, () => ({ signalType: 'pdq', value: randomPdq() })),
      't',
    );
    const { entries } = await banks.listEntries('known', { limit: 1 });
    await banks.updateEntry(entries[0]!.id, { disabled: true });
  }

  /** Every entry of every bank (active or not) matched by `engine` as by a fresh load from the store. */
  async function expectSameAsStore(engine: MatchEngine): Promise<void> {
    await engine.catchUp();
    const reference = new MatchEngine(store);
    await reference.load();
    expect(engine.seq).toBe(reference.seq);
    let queried = 0;
    for (const bank of await store.listBanks()) {
      const { entries } = await banks.listEntries(bank.id, { limit: 10_000, includeDisabled: true });
      for (const entry of entries) {
        const query = { signalType: entry.signalType, value: entry.value };
        expect(engine.query(query)).toEqual(reference.query(query));
        queried++;
      }
    }
    expect(queried).toBeGreaterThan(0);
  }

  test('missing: loads from the store, becomes ready, writes a snapshot; the next start loads it and catches up', async () => {
    await seed();
    const first = await start();
    expect(first.engine.status()).toMatchObject({ source: 'store', snapshotProblem: 'no snapshot file' });
    await snapshotWritten(first, await store.latestSeq());
    await expectSameAsStore(first.engine);
    await stop(first);

    // Changes committed after the snapshot: adds, deletes, an entry disabled, banks off and on.
    const added = await banks.addEntries(
      'known',
      [
        { signalType: 'pdq', value: randomPdq() },
        { signalType: 'sha1', value: randomBytes(20).toString('hex') },
      ],
      't',
    );
    expect(added.created).toHaveLength(2);
    const { entries } = await banks.listEntries('known', { limit: 20 });
    await banks.deleteEntry(entries[1]!.id);
    await banks.updateEntry(entries[2]!.id, { disabled: true });
    await banks.updateBank('other', { enabled: false });
    await banks.createBank({ name: 'late', kind: 'known_csam' });
    await banks.addEntries('late', [{ signalType: 'pdq', value: randomPdq() }], 't');

    const second = await start();
    expect(second.engine.status()).toMatchObject({ source: 'snapshot', snapshotProblem: null });
    await expectSameAsStore(second.engine);
    const ready = await second.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ index: { source: 'snapshot' } });
    const metrics = await second.app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/hashline_index_load_seconds\{source="snapshot"\}/);

    // A bank disabled in the snapshot and enabled since: its entries are read back.
    await banks.updateEntry(entries[3]!.id, { disabled: false });
    await second.engine.catchUp();
    await second.engine.rebuild(); // writes a snapshot with the bank disabled
    await snapshotWritten(second, await store.latestSeq());
    await stop(second);
    await banks.updateBank('other', { enabled: true });
    const third = await start();
    expect(third.engine.status().source).toBe('snapshot');
    await expectSameAsStore(third.engine);
  });

  const corruptions: { name: string; problem: RegExp; corrupt(seq: number): Promise<void> }[] = [
    {
      name: 'truncated',
      problem: /^truncated/,
      async corrupt() {
        const bytes = await readFile(snapshotPath);
        await writeFile(snapshotPath, bytes.subarray(0, bytes.length - 1_000));
      },
    },
    {
      name: 'a wrong checksum',
      problem: /^checksum/,
      async corrupt() {
        const bytes = await readFile(snapshotPath);
        bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
        await writeFile(snapshotPath, bytes);
      },
    },
    {
      name: 'another index format version',
      problem: /index format .* v99/,
      async corrupt() {
        const file = (await readSnapshotFile(snapshotPath)) as { state: { pdqBase: { version: number } } };
        file.state.pdqBase.version = 99;
        await writeSnapshotFile(snapshotPath, file);
      },
    },
    {
      name: 'older than the change log (pruned)',
      problem: /older than the oldest change/,
      async corrupt(seq) {
        await banks.addEntries('known', [{ signalType: 'pdq', value: randomPdq() }], 't');
        await db.sql(`delete from bank_changes where seq <= ${seq}`);
      },
    },
    {
      name: 'newer than the store (restored from a backup)',
      problem: /newer than the store/,
      async corrupt(seq) {
        const file = (await readSnapshotFile(snapshotPath)) as { state: { seq: number } };
        file.state.seq = seq + 5;
        await writeSnapshotFile(snapshotPath, file);
      },
    },
    {
      name: 'from another history at the same seq',
      problem: /differs from the one it saw/,
      async corrupt() {
        const file = (await readSnapshotFile(snapshotPath)) as { state: { seqMark: string } };
        file.state.seqMark = `${file.state.seqMark}x`;
        await writeSnapshotFile(snapshotPath, file);
      },
    },
    {
      name: 'made for another database',
      problem: /another database/,
      async corrupt() {
        const file = (await readSnapshotFile(snapshotPath)) as { storeKey: string };
        file.storeKey = '0000000000000000';
        await writeSnapshotFile(snapshotPath, file);
      },
    },
  ];

  test.each(corruptions)('$name: detected, loads from the store, same entries, fresh snapshot', async (c) => {
    await seed();
    const first = await start();
    const seq = await store.latestSeq();
    await snapshotWritten(first, seq);
    await stop(first);
    // Something the snapshot does not have, so a wrong load would show.
    await banks.addEntries('other', [{ signalType: 'pdq', value: randomPdq() }], 't');
    await c.corrupt(seq);

    const second = await start();
    const status = second.engine.status();
    expect(status.source).toBe('store');
    expect(status.snapshotProblem).toMatch(c.problem);
    await expectSameAsStore(second.engine);
    await snapshotWritten(second, await store.latestSeq());
    expect(((await readSnapshotFile(snapshotPath)) as { state: { seq: number } }).state.seq).toBe(
      await store.latestSeq(),
    );
  });
});

describe('the server while a large index loads (sqlite)', () => {
  test('/healthz answers while /readyz says the index is loading', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hl-snap-big-'));
    try {
      const file = join(dataDir, 'hashline.db');
      const store = await openStore(`sqlite:${file}`);
      const bank = await new BankService(store).createBank({ name: 'big', kind: 'known_csam' });
      await store.close();
      // 200,000 entries straight into the table: the import path is not what this tests.
      const sqlite = new BetterSqlite3(file);
      const insert = sqlite.prepare(
        `insert into bank_entries (bank_id, signal_type, value, classification, provenance, provenance_source,
           reviewer_count, added_by, disabled, created_at, updated_at)
         values (?, 'pdq', ?, '{}', '{"source":"test"}', 'test', 0, 'test', 0, ?, ?)`,
      );
      const now = new Date().toISOString();
      sqlite.transaction(() => {
        for (let i = 0; i < 200_000; i++) insert.run(bank.id, randomBytes(32).toString('hex'), now, now);
      })();
      sqlite.close();
      // The snapshot path is a FIFO: reading it waits until the test opens it for writing, which
      // holds the load in its first step for as long as the test needs (no timing involved).
      const fifo = join(dataDir, 'held.snapshot');
      execFileSync('mkfifo', [fifo]);
      const server = await startServer({
        config: loadConfig(
          {
            HASHLINE_DATA_DIR: dataDir,
            HASHLINE_DATABASE_URL: `sqlite:${file}`,
            HASHLINE_LOG_LEVEL: 'silent',
            HASHLINE_INDEX_SNAPSHOT: fifo,
          },
          { port: 0 },
        ),
        bootstrapAdmin: false,
        webhooks: false,
        captureWorker: false,
        takedownScheduler: false,
      });
      let released = false;
      try {
        const health: number[] = [];
        let healthWhileLoading = 0;
        for (;;) {
          const [h, r] = await Promise.all([fetch(`${server.url}/healthz`), fetch(`${server.url}/readyz`)]);
          health.push(h.status);
          if (r.status === 200) break;
          if (h.status === 200) healthWhileLoading++;
          if (!released && healthWhileLoading >= 3) {
            // Release the load: an empty "snapshot" is rejected, and the cold load begins.
            released = true;
            const writer = await open(fifo, 'w');
            await writer.close();
          }
        }
        expect(released).toBe(true);
        expect(health.every((status) => status === 200)).toBe(true);
        expect(server.engine.status()).toMatchObject({ source: 'store', pdqEntries: 200_000 });
        expect(server.engine.status().snapshotProblem).toMatch(/truncated/);
        await expect.poll(() => server.engine.status().snapshotSeq, { timeout: 30_000 }).not.toBeNull();
        await unlink(fifo).catch(() => undefined);
      } finally {
        if (!released) await (await open(fifo, 'w')).close(); // never leave a read waiting
        await server.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
