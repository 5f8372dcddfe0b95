import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.js';
import type { StoreDatabase } from '../store-dialect.js';
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
}

/** A connected database with the schema its tables live in. */
export interface PostgresStoreDatabase extends StoreDatabase {
  readonly schema: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Connects a pool to PostgreSQL and checks that it answers.
 *
 * @throws an Error naming the server (never the password) when it cannot connect.
 */
export async function openPostgresDatabase(options: PostgresDatabaseOptions): Promise<PostgresStoreDatabase> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(
      `PostgreSQL schema name ${JSON.stringify(schema)} must be lower-case letters, digits and _.`,
    );
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
  });
  // An idle client that loses its connection (server restart) is dropped by the pool and the next
  // query opens a new one; without a listener, the 'error' event would crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool,
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
    return { db, dialect: postgresStoreDialect, schema: current };
  } catch (error) {
    await db.destroy();
    throw new Error(
      `Cannot open PostgreSQL at ${describeServer(options.connectionString)}: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
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
