import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type Driver,
  type PostgresDialectConfig,
  type PostgresPool,
  type PostgresPoolClient,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database } from '../schema.js';
import type { StoreDatabase } from '../store-dialect.js';
import {
  StoreOpenError,
  UnavailabilityMappingDriver,
  type StoreGate,
  driverMessage,
  isStoreUnavailableError,
} from '../store-unavailable.js';
import { postgresBulkImporter } from './postgres-bulk-import.js';
import { COPY_FROM_STDIN } from './postgres-copy.js';
import { postgresStoreDialect } from './postgres-store-dialect.js';

/** How to connect to PostgreSQL. */
export interface PostgresDatabaseOptions {
  /** `postgres://user:password@host:port/database` (any form `pg` accepts). */
  readonly connectionString: string;
  /**
   * Schema for Hashline's tables, created when missing and put first on every connection's
   * `search_path`. Default: the connection's current schema (usually `public`).
   */
  readonly schema?: string;
  /** Pool size (default 10). */
  readonly maxConnections?: number;
  /**
   * Longest wait to open a connection, and for a free pooled one when all are busy (default
   * 5000 ms); then the query fails with STORE_UNAVAILABLE instead of waiting for ever.
   */
  readonly connectTimeoutMs?: number;
  /**
   * Longest one statement may run (default 60000 ms): PostgreSQL's `statement_timeout`, and a
   * client-side bound a little later for a server that stopped answering altogether (hung host,
   * network partition), after which the connection is discarded. 0 turns both off.
   */
  readonly queryTimeoutMs?: number;
  /** An idle pooled connection is closed after this long (default 30000 ms). */
  readonly idleTimeoutMs?: number;
  /**
   * TCP keepalive: idle time before the first probe (default 10000 ms; 0 turns keepalive off), so
   * a connection to a vanished host is noticed instead of waiting on a dead socket.
   */
  readonly keepAliveMs?: number;
  /** While this returns false, new store calls fail at once with STORE_UNAVAILABLE (see {@link StoreGate}). */
  readonly gate?: StoreGate;
}

/** Defaults of {@link PostgresDatabaseOptions}' timeouts. */
export const POSTGRES_DEFAULTS = {
  connectTimeoutMs: 5_000,
  // Long enough for the largest single statements (deleting a bank of millions of entries is
  // one); requests fail fast during an outage through the app's health gate, not this bound.
  queryTimeoutMs: 60_000,
  idleTimeoutMs: 30_000,
  keepAliveMs: 10_000,
} as const;

/**
 * Slack between the server's statement_timeout and the client's own bound: a slow statement is
 * cancelled by the server (a clean error, the connection stays usable) before the client gives
 * up on the connection.
 */
const CLIENT_TIMEOUT_SLACK_MS = 1_000;

/** A connected database with the schema its tables live in. */
export interface PostgresStoreDatabase extends StoreDatabase {
  readonly schema: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Connects a pool to PostgreSQL and checks that it answers.
 *
 * @throws {StoreOpenError} naming the server (never the password) when it cannot connect.
 */
export async function openPostgresDatabase(options: PostgresDatabaseOptions): Promise<PostgresStoreDatabase> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(
      `PostgreSQL schema name ${JSON.stringify(schema)} must be lower-case letters, digits and _.`,
    );
  }
  const queryTimeoutMs = options.queryTimeoutMs ?? POSTGRES_DEFAULTS.queryTimeoutMs;
  const keepAliveMs = options.keepAliveMs ?? POSTGRES_DEFAULTS.keepAliveMs;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs,
    idleTimeoutMillis: options.idleTimeoutMs ?? POSTGRES_DEFAULTS.idleTimeoutMs,
    keepAlive: keepAliveMs > 0,
    ...(keepAliveMs > 0 ? { keepAliveInitialDelayMillis: keepAliveMs } : {}),
    ...(queryTimeoutMs > 0
      ? { statement_timeout: queryTimeoutMs, query_timeout: queryTimeoutMs + CLIENT_TIMEOUT_SLACK_MS }
      : {}),
  });
  // An idle client that loses its connection (server restart) is dropped by the pool and the next
  // query opens a new one; without a listener, the 'error' event would crash the process.
  pool.on('error', () => {});
  // A client emits 'error' also while checked out (pg_terminate_backend, a reset socket, between
  // two statements of a transaction): pg-pool listens only while the client is idle, so every
  // client gets its own listener for its whole life. The error also reaches the query in flight,
  // if any, and the pool discards the client when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = new Kysely<Database>({
    dialect: new UnavailabilityMappingPostgresDialect(options.gate, {
      pool: new DiscardingPool(pool),
      ...(schema === undefined
        ? {}
        : {
            onCreateConnection: async (connection) => {
              await connection.executeQuery(CompiledQuery.raw(`set search_path to "${schema}"`));
            },
          }),
    }),
  });
  try {
    if (schema !== undefined) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    const current = rows[0]?.schema;
    if (!current) throw new Error('no schema on the search_path exists; pass one with `schema`');
    return { db, dialect: postgresStoreDialect, bulk: postgresBulkImporter, schema: current };
  } catch (error) {
    await db.destroy();
    throw new StoreOpenError(
      `Cannot open PostgreSQL at ${describeServer(options.connectionString)}: ${driverMessage(error)}`,
      { cause: error },
    );
  }
}

/** Kysely's PostgreSQL dialect whose driver reports a lost or hung server as STORE_UNAVAILABLE. */
class UnavailabilityMappingPostgresDialect extends PostgresDialect {
  readonly #gate: StoreGate | undefined;

  constructor(gate: StoreGate | undefined, config: PostgresDialectConfig) {
    super(config);
    this.#gate = gate;
  }

  override createDriver(): Driver {
    return new UnavailabilityMappingDriver(super.createDriver(), this.#gate);
  }

  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new StoreSchemaIntrospector(db);
  }
}

/**
 * What Kysely's migrator sees of the database: the store's own schema (the search path's first),
 * nothing else. Kysely's PostgreSQL introspector reads every schema's tables and calls
 * `pg_get_serial_sequence` on each, so a table or schema dropped by anyone else at that moment
 * (another Hashline process's import stage, another application sharing the database) failed
 * this process's start with "schema … does not exist". The migrator reads only names, so tables
 * are listed without their columns.
 */
class StoreSchemaIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;

  constructor(db: Kysely<unknown>) {
    this.#db = db;
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`
      select nspname as name from pg_catalog.pg_namespace where nspname = current_schema()`.execute(this.#db);
    return rows.map((row) => ({ name: row.name }));
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
        from pg_catalog.pg_class c
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       where n.nspname = current_schema() and c.relkind in ('r', 'p', 'v', 'm')
       order by c.relname`.execute(this.#db);
    return rows.map((row) => ({
      name: row.name,
      schema: row.schema,
      isView: row.kind === 'v' || row.kind === 'm',
      columns: [],
    }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

/**
 * The pool as Kysely sees it, handing out one wrapper per pg client that remembers whether the
 * client's connection failed or timed out. Such a client is released with an error, which makes
 * pg-pool destroy it: after a client-side query timeout the abandoned query is still the
 * client's active one, and a reused client would queue every later query behind it on a
 * connection that may never answer again (a dead path after a failover), while a new connection
 * would work.
 */
class DiscardingPool implements PostgresPool {
  readonly #pool: pg.Pool;
  readonly #wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.#pool.connect();
    let wrapper = this.#wrappers.get(client);
    if (!wrapper) {
      wrapper = discardingClient(client);
      this.#wrappers.set(client, wrapper);
    }
    return wrapper;
  }

  end(): Promise<void> {
    return this.#pool.end();
  }
}

async function copyIn(
  client: pg.PoolClient,
  statement: string,
  chunks: readonly string[],
): Promise<{ command: string; rowCount: number; rows: never[] }> {
  const stream = client.query(copyFrom(statement));
  await pipeline(Readable.from(chunks), stream);
  return { command: 'COPY', rowCount: stream.rowCount ?? 0, rows: [] };
}

function discardingClient(client: pg.PoolClient): PostgresPoolClient {
  let broken: Error | undefined;
  // One function for both overloads (text + parameters, or a cursor), as pg's own query is.
  const query = ((sqlOrCursor: unknown, parameters?: readonly unknown[]): unknown => {
    if (typeof sqlOrCursor !== 'string') {
      // A cursor (streamed query) is returned as is; its errors end the stream.
      return client.query(sqlOrCursor as never);
    }
    const run =
      sqlOrCursor === COPY_FROM_STDIN
        ? copyIn(client, parameters![0] as string, parameters![1] as string[])
        : client.query(sqlOrCursor, parameters as unknown[]);
    return run.catch((error: unknown) => {
      if (isStoreUnavailableError(error)) broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    });
  }) as PostgresPoolClient['query'];
  return {
    query,
    release: () => {
      const error = broken;
      broken = undefined;
      client.release(error);
    },
  };
}

/** `host:port/database` of a connection string, without credentials. */
function describeServer(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return '(unparsable connection string)';
  }
}
