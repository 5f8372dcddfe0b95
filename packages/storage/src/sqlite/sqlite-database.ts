import { closeSync, mkdirSync, openSync } from 'node:fs';
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
import { isRelaxedCommit } from '../relaxed-commit.js';
import type { Database } from '../schema.js';
import type { StoreDatabase } from '../store-dialect.js';
import { UnavailabilityMappingDriver, storeUnavailableError, type StoreGate } from '../store-unavailable.js';
import { sqliteBulkImporter } from './sqlite-bulk-import.js';
import { SqliteWalSync } from './sqlite-wal-sync.js';
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
  if (file !== ':memory:' && file !== '') {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // The file holds banks (hashes of victims' images are sensitive), reports and the audit log:
    // readable by its owner only, like `secret.key`. Created here because SQLite would create it
    // with the umask's mode (0644); SQLite gives the -wal and -shm files the database file's mode.
    closeSync(openSync(file, 'a', 0o600));
  }
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
  const inMemory = file === ':memory:' || file === '';
  const walSync = inMemory ? null : new SqliteWalSync(file);
  const db = new Kysely<Database>({
    dialect: new HashlineSqliteDialect(
      { database: withStatementCache(database, () => void walSync?.close()) },
      options.gate,
    ),
  });
  const bulk = sqliteBulkImporter(database);
  if (!walSync) return { db, dialect: sqliteStoreDialect, bulk };
  return {
    db,
    dialect: sqliteStoreDialect,
    bulk,
    syncLog: () =>
      walSync.sync().catch((error: unknown) => {
        throw storeUnavailableError('storage', error);
      }),
  };
}

/** Prepared statements kept per connection (least recently used dropped first). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * The database as Kysely's driver sees it, with its prepared statements reused: Kysely prepares
 * every query anew, which took about 5 % of a matched request's time (profiled). A statement is
 * reused only when it is not in the middle of an iteration (`busy`); SQLite re-prepares a cached
 * statement by itself when the schema changes.
 */
function withStatementCache(
  database: BetterSqlite3.Database,
  onClose: () => void,
): SqliteDialectConfig['database'] {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      database.close();
      onClose();
    },
    prepare: (sql: string) => {
      const cached = cache.get(sql);
      if (cached && !cached.busy) {
        // Most recently used last.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      if (!cached) {
        cache.set(sql, statement);
        if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      return statement;
    },
  };
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

/**
 * Begins transactions IMMEDIATE; inside {@link relaxedCommit} (relaxed-commit.ts) the transaction
 * commits with `synchronous = NORMAL` (the pragma cannot change inside a transaction, so it is set
 * just before BEGIN and set back to FULL right after COMMIT or ROLLBACK, while the transaction
 * still holds the only connection: no other statement ever runs with it relaxed).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  #relaxed = false;

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    if (isRelaxedCommit()) {
      await connection.executeQuery(CompiledQuery.raw('pragma synchronous = normal'));
      this.#relaxed = true;
    }
    try {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    } catch (error) {
      await this.#durable(connection);
      throw error;
    }
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.commitTransaction(connection);
    } finally {
      await this.#durable(connection);
    }
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } finally {
      await this.#durable(connection);
    }
  }

  async #durable(connection: DatabaseConnection): Promise<void> {
    if (!this.#relaxed) return;
    await connection.executeQuery(CompiledQuery.raw('pragma synchronous = full'));
    this.#relaxed = false;
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
