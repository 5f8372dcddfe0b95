import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';
import type { Database } from '../schema.js';
import type { StoreDatabase } from '../store-dialect.js';
import { UnavailabilityMappingDriver, type StoreGate } from '../store-unavailable.js';
import { sqliteBulkImporter } from './sqlite-bulk-import.js';
import { sqliteStoreDialect } from './sqlite-store-dialect.js';

/** How to open a SQLite database file. */
export interface SqliteDatabaseOptions {
  /** Path of the database file (its folder is created), or `:memory:`. */
  readonly file: string;
  /** How long a writer waits for another process's write lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /** While this returns false, new store calls fail at once with STORE_UNAVAILABLE (see {@link StoreGate}). */
  readonly gate?: StoreGate;
}

/**
 * Opens a SQLite database for the store:
 * - WAL journal: readers never block the writer, the writer never blocks readers.
 * - `synchronous = FULL`: each commit is fsynced before it returns, so an acknowledged bank
 *   change survives a power cut (NORMAL in WAL mode may lose the last commits).
 * - foreign keys enforced (SQLite leaves them off by default).
 * - a busy timeout, so several processes on one file wait for the write lock instead of failing.
 */
export function openSqliteDatabase(options: SqliteDatabaseOptions): StoreDatabase {
  const { file } = options;
  if (file !== ':memory:' && file !== '') mkdirSync(dirname(file), { recursive: true });
  const database = new BetterSqlite3(file);
  try {
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
    database.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
  } catch (error) {
    database.close();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new HashlineSqliteDialect({ database }, options.gate) });
  return { db, dialect: sqliteStoreDialect, bulk: sqliteBulkImporter(database) };
}

/**
 * Kysely's SQLite dialect with three changes:
 * - driver errors that mean the database is away become STORE_UNAVAILABLE (store-unavailable.ts);
 * - transactions begin IMMEDIATE: the write lock is taken at BEGIN, so a transaction that
 *   reads then writes cannot fail half-way with SQLITE_BUSY when another process writes, and
 *   log appends are serialised (see sqlite-store-dialect.ts);
 * - DDL runs in transactions (SQLite supports it; Kysely assumes not), so a failed migration
 *   leaves no half-made schema.
 */
class HashlineSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #gate: StoreGate | undefined;

  constructor(config: SqliteDialectConfig, gate?: StoreGate) {
    super(config);
    this.#config = config;
    this.#gate = gate;
  }

  override createDriver(): Driver {
    // SQLITE_BUSY (another process held the write lock past the busy timeout) and I/O errors
    // (disk full, file gone) become STORE_UNAVAILABLE; constraint violations stay as they are.
    return new UnavailabilityMappingDriver(new ImmediateSqliteDriver(this.#config), this.#gate);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
