import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BankChange, HashlineStore } from '@hashline/domain';
import { createManualClock } from '@hashline/domain/testing';
import Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore, openSqliteStore } from '../src/index.js';
import { openPostgresDatabase } from '../src/postgres/postgres-database.js';
import { openSqliteDatabase } from '../src/sqlite/sqlite-database.js';
import { migrateTo } from './support/migration-on-existing-data.js';
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  requirePostgres,
  runSql,
} from './support/postgres.js';
import { testEntry } from './support/test-entries.js';

// Ranged change-log rows (migration 0022, ADR 0028): one row standing for the creation of many
// entries reads, page by page, exactly as the rows it stands for; the entries' later deletion,
// the seqs it reserves and the migration back all keep the log as it was.

const clock = createManualClock(new Date(Date.UTC(2026, 0, 1)));

/** The whole log, read in pages of `limit` (the paging followers do). */
async function readLog(store: HashlineStore, limit: number): Promise<BankChange[]> {
  const out: BankChange[] = [];
  for (let seq = 0; ;) {
    const page = await store.changesSince(seq, limit);
    out.push(...page);
    if (page.length < limit) return out;
    seq = page[page.length - 1]!.seq;
  }
}

interface Engine {
  readonly name: string;
  readonly store: () => HashlineStore;
  /** Runs SQL on the store's database (another connection). */
  sql(text: string): Promise<void>;
  /** Reads rows with SQL on another connection. */
  rows(text: string): Promise<Record<string, unknown>[]>;
  /** Closes the store, migrates its database down to `target`, and returns its change log's rows. */
  migrateDown(target: string): Promise<LogRow[]>;
  /** Opens the store again (running the migrations down undid). */
  reopen(): Promise<void>;
}

interface LogRow {
  seq: number;
  op: string;
  entry_id: number | null;
  value: string | null;
  active: boolean | null;
}

const LOG_ROWS = 'select seq, op, entry_id, value, active from bank_changes order by seq';

const engines: (Engine & { setUp(): Promise<void>; tearDown(): Promise<void> })[] = [
  (() => {
    let dir = '';
    let store: HashlineStore;
    return {
      name: 'sqlite',
      store: () => store,
      async setUp() {
        dir = mkdtempSync(join(tmpdir(), 'hashline-change-ranges-'));
        store = await openSqliteStore({ file: join(dir, 'store.db'), clock });
      },
      async tearDown() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
      async sql(text: string) {
        const db = new Database(join(dir, 'store.db'));
        try {
          db.exec(text);
        } finally {
          db.close();
        }
      },
      async rows(text: string) {
        const db = new Database(join(dir, 'store.db'), { readonly: true });
        try {
          return db.prepare(text).all() as Record<string, unknown>[];
        } finally {
          db.close();
        }
      },
      async migrateDown(target: string) {
        await store.close();
        const database = openSqliteDatabase({ file: join(dir, 'store.db') });
        try {
          await migrateTo(database.db as Kysely<unknown>, 'sqlite', target);
        } finally {
          await database.db.destroy();
        }
        return (await this.rows(LOG_ROWS)).map(
          (r) => ({ ...r, active: r.active === null ? null : r.active === 1 }) as unknown as LogRow,
        );
      },
      async reopen() {
        store = await openSqliteStore({ file: join(dir, 'store.db'), clock });
      },
    };
  })(),
  (() => {
    const schema = freshSchemaName();
    let store: HashlineStore;
    return {
      name: 'postgres',
      store: () => store,
      async setUp() {
        await requirePostgres();
        store = await openPostgresStore({ connectionString: POSTGRES_TEST_URL, schema, clock });
      },
      async tearDown() {
        await store?.close();
        await dropSchema(schema);
      },
      sql: (text: string) => runSql(schema, text),
      async rows(text: string) {
        const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
        await client.connect();
        try {
          await client.query(`set search_path to "${schema}"`);
          return (await client.query(text)).rows as Record<string, unknown>[];
        } finally {
          await client.end();
        }
      },
      async migrateDown(target: string) {
        await store.close();
        const database = await openPostgresDatabase({ connectionString: POSTGRES_TEST_URL, schema });
        try {
          await migrateTo(database.db as Kysely<unknown>, 'postgres', target, schema);
        } finally {
          await database.db.destroy();
        }
        return (await this.rows(LOG_ROWS)).map((r) => ({ ...r, seq: Number(r.seq) }) as unknown as LogRow);
      },
      async reopen() {
        store = await openPostgresStore({ connectionString: POSTGRES_TEST_URL, schema, clock });
      },
    };
  })(),
];

for (const engine of engines) {
  describe(`ranged change-log rows: ${engine.name}`, () => {
    beforeAll(() => engine.setUp());
    afterAll(() => engine.tearDown());

    it('a ranged row reads exactly as the rows it replaces, at every page size, deletions included', async () => {
      const store = engine.store();
      const bank = await store.createBank({ name: 'ranged', kind: 'test' });
      await store.addEntries(bank.id, [testEntry(1)], 'test');
      const added = await store.addEntries(
        bank.id,
        Array.from({ length: 40 }, (_, i) => testEntry(100 + i, { disabled: i % 7 === 3 })),
        'test',
      );
      await store.addEntries(bank.id, [testEntry(2)], 'test');
      const before = await readLog(store, 10_000);
      const created = before.filter(
        (c): c is Extract<BankChange, { op: 'entry_upsert' }> =>
          c.op === 'entry_upsert' && added.created.some((e) => e.id === c.entryId),
      );
      expect(created).toHaveLength(40);
      const first = created[0]!;
      const last = created[39]!;
      // The 40 creations are consecutive seqs and ids: one ranged row can stand for them.
      expect(last.seq - first.seq).toBe(39);
      expect(last.entryId - first.entryId).toBe(39);
      const bool = engine.name === 'postgres' ? 'true' : '1';
      await engine.sql(
        `delete from bank_changes where seq between ${first.seq} and ${last.seq};
         insert into bank_changes (seq, op, bank_id, entry_id, signal_type, value, active, at, entry_count)
           values (${first.seq}, 'entry_upsert', ${bank.id}, ${first.entryId}, null, null, ${bool},
             '${first.at.toISOString()}', 40);`,
      );
      for (const limit of [1, 3, 7, 40, 41, 10_000]) expect(await readLog(store, limit)).toEqual(before);
      for (const after of [0, first.seq - 1, first.seq, first.seq + 17, last.seq - 1, last.seq]) {
        expect(await store.changesSince(after, 5)).toEqual(before.filter((c) => c.seq > after).slice(0, 5));
      }
      expect(await store.latestSeq()).toBe(before.at(-1)!.seq);

      // Entries deleted since: their creations stay in the log (read from their delete rows,
      // not active), their deletes follow.
      const gone = [created[0]!, created[20]!, created[39]!];
      for (const change of gone) await store.deleteEntry(change.entryId);
      const after = await readLog(store, 6);
      expect(after.slice(0, before.length)).toEqual(
        before.map((c) => (gone.some((g) => g.seq === c.seq) ? { ...c, active: false } : c)),
      );
      expect(after.slice(before.length).map((c) => [c.op, 'entryId' in c ? c.entryId : 0])).toEqual(
        gone.map((c) => ['entry_delete', c.entryId]),
      );
    });

    it('a staged import logs its parts as ranged rows, reserves their seqs, and migrating back writes the rows they stood for', async () => {
      let store = engine.store();
      const bank = await store.createBank({ name: 'staged', kind: 'test' });
      await store.addEntries(bank.id, [testEntry(1)], 'test');
      const stage = await store.openImportStage!(bank.id, 'cli');
      try {
        // Repeats fold; every seventh is disabled (logged as not active).
        await stage.add(
          Array.from({ length: 600 }, (_, i) => testEntry(1000 + (i % 500), { disabled: i % 7 === 0 })),
        );
        while (await stage.applyNext());
      } finally {
        await stage.close();
      }
      const afterImport = await store.latestSeq();
      await store.addEntries(bank.id, [testEntry(2)], 'test');
      const log = (await readLog(store, 10_000)).filter((c) => c.bankId === bank.id);
      const entries = await store.listEntries(bank.id, { limit: 1_000, includeDisabled: true });
      expect(entries).toHaveLength(502);

      // One upsert per entry, at increasing seqs; the entry added after the import takes the
      // next seq after the reserved ones.
      const upserts = log.filter((c) => c.op === 'entry_upsert');
      expect(upserts.map((c) => c.entryId).sort((a, b) => a - b)).toEqual(
        entries.map((e) => e.id).sort((a, b) => a - b),
      );
      expect(log.map((c) => c.seq)).toEqual([...new Set(log.map((c) => c.seq))].sort((a, b) => a - b));
      expect(log.at(-1)!.seq).toBe(afterImport + 1);
      for (const change of upserts) {
        const stored = entries.find((e) => e.id === change.entryId)!;
        expect(change).toMatchObject({ signalType: 'pdq', value: stored.value, active: !stored.disabled });
      }
      for (const limit of [1, 9, 250]) {
        expect((await readLog(store, limit)).filter((c) => c.bankId === bank.id)).toEqual(log);
      }

      // Far fewer rows than entries: one per part (SQLite applies the 500 as one part,
      // PostgreSQL in up to 64 ranges of hash value).
      const logged = await engine.rows(
        `select entry_count from bank_changes where bank_id = ${bank.id} and op = 'entry_upsert'`,
      );
      expect(logged.length).toBeLessThanOrEqual(engine.name === 'sqlite' ? 3 : 66);
      expect(logged.reduce((n, r) => n + Number(r.entry_count ?? 1), 0)).toBe(502);

      // Down to migration 0021: each range becomes the rows it stood for, at the same seqs.
      const full = await readLog(store, 10_000);
      const rows = await engine.migrateDown('0021_hash_value_collation');
      expect(rows.map((r) => [r.seq, r.op, r.entry_id, r.value, r.active])).toEqual(
        full.map((c) => [
          c.seq,
          c.op,
          'entryId' in c ? c.entryId : null,
          'value' in c ? c.value : null,
          'active' in c ? c.active : null,
        ]),
      );
      await engine.reopen();
      store = engine.store();
      expect(await readLog(store, 100)).toEqual(full);
    });
  });
}
