// The database of one fault case, on SQLite (a file in a temporary data folder) or PostgreSQL (a
// fresh schema in the test database, dropped afterwards). The suite checks the outcome with its
// own connection, straight in the tables: what a client was told was committed must be there,
// once.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  requirePostgres,
} from '../../../../../packages/storage/test/support/postgres.js';

/** The engines a case can run on. */
export type EngineName = 'sqlite' | 'postgres';

/** One case's database. */
export interface FaultDatabase {
  readonly engine: EngineName;
  /** The data folder every server of the case shares (SQLite file, secret key file). */
  readonly dataDir: string;
  /** The application_name the servers' PostgreSQL connections carry (to find their backends). */
  readonly applicationName: string;
  /**
   * The store URL for servers; on PostgreSQL `via` replaces host and port (the fault proxy).
   */
  serverUrl(via?: { readonly host: string; readonly port: number }): string;
  /** Runs a read-only query on the suite's own connection; `?` placeholders on both engines. */
  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** PostgreSQL: terminates every backend of the servers; resolves with how many there were. */
  terminateServerBackends(): Promise<number>;
  close(): Promise<void>;
}

/** A fresh database on `engine`. PostgreSQL must be reachable (the suite never skips). */
export async function openFaultDatabase(engine: EngineName): Promise<FaultDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), `hashline-faults-${engine}-`));
  const applicationName = `hashline-fault-${randomBytes(4).toString('hex')}`;
  if (engine === 'sqlite') {
    const file = join(dataDir, 'hashline.db');
    let db: Database.Database | undefined;
    return {
      engine,
      dataDir,
      applicationName,
      serverUrl: () => `sqlite:${file}`,
      async query<Row>(text: string, params: readonly unknown[] = []) {
        db ??= new Database(file, { readonly: true, fileMustExist: true });
        return db.prepare(text).all(...params) as Row[];
      },
      async terminateServerBackends() {
        throw new Error('SQLite has no server backends to terminate');
      },
      async close() {
        db?.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  await requirePostgres();
  const schema = freshSchemaName();
  const admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await admin.connect();
  await admin.query(`create schema "${schema}"`);
  await admin.query(`set search_path to "${schema}"`);
  return {
    engine,
    dataDir,
    applicationName,
    serverUrl(via) {
      const url = new URL(POSTGRES_TEST_URL);
      if (via) {
        url.hostname = via.host;
        url.port = String(via.port);
      }
      url.searchParams.set('options', `-c search_path=${schema}`);
      url.searchParams.set('application_name', applicationName);
      return url.toString();
    },
    async query<Row>(text: string, params: readonly unknown[] = []) {
      let n = 0;
      const numbered = text.replace(/\?/g, () => `$${++n}`);
      return (await admin.query(numbered, [...params])).rows as Row[];
    },
    async terminateServerBackends() {
      const { rows } = await admin.query<{ terminated: boolean }>(
        `select pg_terminate_backend(pid) as terminated from pg_stat_activity
          where application_name = $1 and pid <> pg_backend_pid()`,
        [applicationName],
      );
      return rows.filter((row) => row.terminated).length;
    },
    async close() {
      await admin.end().catch(() => undefined);
      await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
