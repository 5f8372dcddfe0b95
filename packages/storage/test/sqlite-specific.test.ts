import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrationsFor, openStore } from '../src/index.js';
import { relaxedCommit } from '../src/relaxed-commit.js';
import type { Database } from '../src/schema.js';
import { openSqliteDatabase } from '../src/sqlite/sqlite-database.js';

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
