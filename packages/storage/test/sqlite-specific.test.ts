import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrationsFor, openStore } from '../src/index.js';
import { relaxedCommit } from '../src/relaxed-commit.js';
import type { Database } from '../src/schema.js';
import { openSqliteDatabase } from '../src/sqlite/sqlite-database.js';
import { SqliteWalSync } from '../src/sqlite/sqlite-wal-sync.js';

describe('SQLite database settings and store URLs', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hashline-sqlite-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens in WAL mode with synchronous=FULL, foreign keys on and a busy timeout', async () => {
    const { db } = openSqliteDatabase({ file: join(dir, 'nested', 'folder', 'x.db'), busyTimeoutMs: 1234 });
    try {
      const pragma = async (name: string) =>
        Object.values((await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(db)).rows[0]!)[0];
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('synchronous')).toBe(2); // FULL
      expect(await pragma('foreign_keys')).toBe(1);
      expect(await pragma('busy_timeout')).toBe(1234);
    } finally {
      await db.destroy();
    }
  });

  it('creates the database and its WAL files readable by their owner only (issue 17)', async () => {
    const file = join(dir, 'data', 'hashline.db');
    const { db } = openSqliteDatabase({ file });
    try {
      await sql`create table t (x integer)`.execute(db);
      await sql`insert into t values (1)`.execute(db);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
      expect(statSync(`${file}-shm`).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
    } finally {
      await db.destroy();
    }
  });

  it('leaves the mode of an existing database file as its owner set it', async () => {
    const file = join(dir, 'existing.db');
    writeFileSync(file, '');
    chmodSync(file, 0o640);
    const { db } = openSqliteDatabase({ file });
    try {
      expect(statSync(file).mode & 0o777).toBe(0o640);
    } finally {
      await db.destroy();
    }
  });

  it('a relaxed transaction (outbox bookkeeping) commits with synchronous=NORMAL; every other write stays FULL', async () => {
    const { db } = openSqliteDatabase({ file: join(dir, 'relaxed.db') });
    try {
      const synchronous = async (on: Kysely<Database> | Transaction<Database>) =>
        Object.values((await sql.raw<Record<string, unknown>>('pragma synchronous').execute(on)).rows[0]!)[0];
      expect(await relaxedCommit(() => db.transaction().execute((trx) => synchronous(trx)))).toBe(1);
      expect(await synchronous(db)).toBe(2);
      expect(await db.transaction().execute((trx) => synchronous(trx))).toBe(2);
      // Also after a relaxed transaction that fails (rolled back).
      await expect(
        relaxedCommit(() =>
          db.transaction().execute(async () => {
            throw new Error('rolled back');
          }),
        ),
      ).rejects.toThrow('rolled back');
      expect(await synchronous(db)).toBe(2);
      // Queries outside a transaction inside relaxedCommit change nothing.
      expect(await relaxedCommit(() => synchronous(db))).toBe(2);
    } finally {
      await db.destroy();
    }
  });

  it('match records commit relaxed, then the WAL is flushed off the event loop before the store answers', async () => {
    const file = join(dir, 'records.db');
    const store = await openStore(`sqlite:${file}`);
    try {
      const bank = await store.createBank({ name: 'wal', kind: 'test' });
      const record = (i: number) => ({
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
        caller: 'k1',
        source: 'hash' as const,
        signalType: 'md5' as const,
        value: i.toString(16).padStart(32, '0'),
        matches: [{ bankId: bank.id, entryId: 1, distance: 0 }],
        contentRef: null,
      });
      const stored = await Promise.all(Array.from({ length: 20 }, (_, i) => store.recordMatch(record(i))));
      // Each answered record is committed and readable, with the writes after it back to FULL.
      for (const [i, r] of stored.entries())
        expect((await store.getMatchRecord(r.id))?.value).toBe(record(i).value);
      const { db } = openSqliteDatabase({ file });
      try {
        const rows = await sql<{ n: number }>`select count(*) as n from match_records`.execute(db);
        expect(rows.rows[0]!.n).toBe(20);
      } finally {
        await db.destroy();
      }
    } finally {
      await store.close();
    }
  });

  it('WAL flushes are shared by the calls waiting at once, and a flush that cannot run is STORE_UNAVAILABLE', async () => {
    const file = join(dir, 'wal.db');
    const { db } = openSqliteDatabase({ file });
    const walSync = new SqliteWalSync(file);
    try {
      await sql`create table t (x integer)`.execute(db);
      await sql`insert into t values (1)`.execute(db);
      await Promise.all(Array.from({ length: 50 }, () => walSync.sync()));
      // The first call's flush, then one more covering the 49 calls made while it ran.
      expect(walSync.flushes).toBe(2);
      await walSync.sync();
      expect(walSync.flushes).toBe(3);
    } finally {
      await walSync.close();
      await db.destroy();
    }
    // The database closed (its WAL checkpointed and removed): the flush fails and says so.
    const gone = openSqliteDatabase({ file: join(dir, 'missing', 'gone.db') });
    await gone.db.destroy();
    rmSync(join(dir, 'missing'), { recursive: true, force: true });
    await expect(gone.syncLog!()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('opens sqlite: URLs (relative, absolute, in memory) and refuses other schemes', async () => {
    const relativeFile = relative(process.cwd(), join(dir, 'rel.db'));
    for (const url of [`sqlite:${relativeFile}`, `sqlite://${join(dir, 'abs.db')}`, 'sqlite::memory:']) {
      const store = await openStore(url);
      try {
        expect(store.engine).toBe('sqlite');
        await store.createBank({ name: 'via-url', kind: 'test' });
        expect(await store.listBanks()).toHaveLength(1);
      } finally {
        await store.close();
      }
    }
    expect(existsSync(join(dir, 'rel.db'))).toBe(true);
    expect(existsSync(join(dir, 'abs.db'))).toBe(true);
    await expect(openStore('mysql://db/hashline')).rejects.toThrow(/Unsupported store URL scheme mysql:/);
    await expect(openStore('sqlite:')).rejects.toThrow(/needs a file path/);
  });

  it('lists migrations statically, in order, the same for both engines', () => {
    const sqlite = Object.keys(migrationsFor('sqlite'));
    expect(sqlite).toEqual([...sqlite].sort());
    expect(sqlite[0]).toBe('0001_initial');
    expect(Object.keys(migrationsFor('postgres'))).toEqual(sqlite);
  });
});
