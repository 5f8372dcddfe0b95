import { isDomainError, type Clock } from '@hashline/domain';
import type { Kysely } from 'kysely';
import type { HashlineStoreWithHotline } from './hotline-store-guard.js';
import { KyselyHashlineStore } from './kysely-hashline-store.js';
import { migrateToLatest } from './migrations/index.js';
import { openPostgresDatabase, type PostgresDatabaseOptions } from './postgres/postgres-database.js';
import { openSqliteDatabase, type SqliteDatabaseOptions } from './sqlite/sqlite-database.js';
import { StoreOpenError, driverMessage, type StoreGate } from './store-unavailable.js';

/** Options every store takes. */
export interface StoreOptions {
  /** Supplies every timestamp the store sets, the hotline's included (default: the system clock). */
  readonly clock?: Clock;
  /**
   * Connection limits (see {@link PostgresDatabaseOptions} and {@link SqliteDatabaseOptions});
   * {@link openStore} passes each engine the ones it has.
   */
  readonly connection?: StoreConnectionOptions;
  /**
   * While this returns false (an app's health check found the database away), new store calls
   * fail at once with STORE_UNAVAILABLE; the check itself runs through `bypassStoreGate`.
   */
  readonly gate?: StoreGate;
}

/** Timeouts of the store's connections; each engine takes the ones that apply to it. */
export interface StoreConnectionOptions {
  /** PostgreSQL: opening a connection, or waiting for a free pooled one. */
  readonly connectTimeoutMs?: number;
  /** PostgreSQL: one statement (server-side statement_timeout and a client-side bound). */
  readonly queryTimeoutMs?: number;
  /** PostgreSQL: an idle pooled connection is closed after this long. */
  readonly idleTimeoutMs?: number;
  /** PostgreSQL: TCP keepalive idle time (0: off). */
  readonly keepAliveMs?: number;
  /** SQLite: how long a writer waits for another process's write lock. */
  readonly busyTimeoutMs?: number;
}

/** Options of {@link openSqliteStore}. */
export type SqliteStoreOptions = SqliteDatabaseOptions & StoreOptions;

/** Options of {@link openPostgresStore}. */
export type PostgresStoreOptions = PostgresDatabaseOptions & StoreOptions;

/**
 * Opens (creating if needed) a SQLite store and migrates it to the latest schema. The hotline's
 * store on the same database is `store.hotline`.
 *
 * Open one store per file per process: better-sqlite3 is synchronous, so a second connection in
 * the same process waiting for the write lock would block the very event loop the first needs
 * to commit. Several processes on one file are fine (WAL, IMMEDIATE transactions, busy timeout).
 *
 * @example
 * const store = await openSqliteStore({ file: 'data/hashline.db' });
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<HashlineStoreWithHotline> {
  const database = openSqliteDatabase(options);
  await migrateOrClose(database.db, () => migrateToLatest(database.db as Kysely<unknown>, 'sqlite'));
  return new KyselyHashlineStore(database, options.clock);
}

/**
 * Connects to PostgreSQL and migrates the schema to the latest version (safe when several
 * processes start at once: the migrator takes a lock).
 *
 * @example
 * const store = await openPostgresStore({ connectionString: 'postgres://hashline@db/hashline' });
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<HashlineStoreWithHotline> {
  // Migrations run on a connection of their own without the statement timeout: building an index
  // over a large table may rightly take longer than any request should.
  const migrations = await openPostgresDatabase({ ...options, maxConnections: 1, queryTimeoutMs: 0 });
  await migrateOrClose(migrations.db, () =>
    migrateToLatest(migrations.db as Kysely<unknown>, 'postgres', migrations.schema),
  );
  await migrations.db.destroy();
  return new KyselyHashlineStore(await openPostgresDatabase(options), options.clock);
}

/**
 * Opens the store a URL names:
 * - `sqlite:path/to/file.db` (relative to the working directory), `sqlite:///abs/path.db`,
 *   `sqlite::memory:`;
 * - `postgres://…` or `postgresql://…` (passed to `pg` as is).
 *
 * @throws an Error for any other scheme.
 */
export async function openStore(url: string, options: StoreOptions = {}): Promise<HashlineStoreWithHotline> {
  const { connection = {}, ...rest } = options;
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file === '') throw new Error('A sqlite: store URL needs a file path, e.g. sqlite:data/hashline.db.');
    return openSqliteStore({
      ...rest,
      file: file.startsWith('//') ? file.slice(2) : file,
      ...(connection.busyTimeoutMs !== undefined ? { busyTimeoutMs: connection.busyTimeoutMs } : {}),
    });
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { busyTimeoutMs: _sqliteOnly, ...postgres } = connection;
    return openPostgresStore({ ...rest, ...postgres, connectionString: url });
  }
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? '(none)';
  throw new Error(
    `Unsupported store URL scheme ${scheme}: use sqlite:path/to/file.db, sqlite::memory: or postgres://…`,
  );
}

async function migrateOrClose(db: { destroy(): Promise<void> }, migrate: () => Promise<void>): Promise<void> {
  try {
    await migrate();
  } catch (error) {
    await db.destroy();
    // The database went away during the migration: as clear as failing to connect at all.
    if (isDomainError(error) && error.code === 'STORE_UNAVAILABLE') {
      throw new StoreOpenError(`Cannot migrate the store: ${driverMessage(error)}`, { cause: error });
    }
    throw error;
  }
}
