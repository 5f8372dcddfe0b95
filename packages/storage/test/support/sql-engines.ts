import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { openPostgresStore, openSqliteStore, type HashlineStoreWithHotline } from '../../src/index.js';
import { dropSchema, freshSchemaName, POSTGRES_TEST_URL, runSql } from './postgres.js';

/** One SQL engine under test: open (or reopen) a store, and run raw SQL beside it. */
export interface SqlEngine {
  open(): Promise<HashlineStoreWithHotline>;
  /** Runs SQL on a separate connection to the same database (as an intruder with database access would). */
  exec(sql: string): Promise<void>;
  dispose(): Promise<void>;
}

/** A SQLite file in a fresh temporary folder. */
export function sqliteEngine(): SqlEngine {
  const dir = mkdtempSync(join(tmpdir(), 'hashline-sql-'));
  const file = join(dir, 'store.db');
  return {
    open: () => openSqliteStore({ file }),
    exec: async (text) => {
      const db = new BetterSqlite3(file);
      try {
        db.exec(text);
      } finally {
        db.close();
      }
    },
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh schema in the test PostgreSQL database, dropped by `dispose`. */
export function postgresEngine(): SqlEngine {
  const schema = freshSchemaName();
  return {
    open: () => openPostgresStore({ connectionString: POSTGRES_TEST_URL, schema }),
    exec: (text) => runSql(schema, text),
    dispose: () => dropSchema(schema),
  };
}
