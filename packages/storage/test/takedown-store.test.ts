import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from '@hashline/domain';
import { createMemoryHotlineStore, createMemoryTakedownStore } from '@hashline/domain/testing';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll } from 'vitest';
import { KyselyTakedownStore } from '../src/index.js';
import { KyselyHashlineStore } from '../src/kysely-hashline-store.js';
import { migrateToLatest } from '../src/migrations/index.js';
import { openPostgresDatabase, type PostgresStoreDatabase } from '../src/postgres/postgres-database.js';
import { openSqliteDatabase } from '../src/sqlite/sqlite-database.js';
import { sha256Hex } from './contract/hotline-store.contract.js';
import { describeTakedownStoreContract } from './contract/takedown-store.contract.js';
import {
  dropSchema,
  freshSchemaName,
  HOTLINE_RESET_SQL,
  POSTGRES_TEST_URL,
  requirePostgres,
} from './support/postgres.js';

// One contract, three engines. The SQL stores share one database with the hotline's store, as
// the server wires them (`store.takedowns` beside `store.hotline`).

describeTakedownStoreContract('memory', async (clock) => ({
  hotline: createMemoryHotlineStore({ clock, sha256Hex }),
  takedowns: createMemoryTakedownStore(),
  cleanup: async () => {},
}));

describeTakedownStoreContract('sqlite (temporary file)', async (clock) => {
  const dir = mkdtempSync(join(tmpdir(), 'hashline-takedown-'));
  const database = openSqliteDatabase({ file: join(dir, 'store.db') });
  await migrateToLatest(database.db as Kysely<unknown>, 'sqlite');
  const store = new KyselyHashlineStore(database, clock);
  return {
    hotline: store.hotline,
    takedowns: new KyselyTakedownStore(database),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

// PostgreSQL: one schema for the file, emptied before each test (the hotline's tables, and
// through their foreign keys the takedown tables); the clock is swapped per test behind a proxy.
const schema = freshSchemaName();
let testClock: Clock = systemClock;
let shared: Promise<{ database: PostgresStoreDatabase; store: KyselyHashlineStore }> | undefined;
let admin: pg.Client | undefined;

afterAll(async () => {
  await (await shared?.catch(() => undefined))?.store.close();
  await admin?.end();
  if (shared) await dropSchema(schema);
});

describeTakedownStoreContract('postgres', async (clock) => {
  await requirePostgres();
  testClock = clock;
  shared ??= (async () => {
    const database = await openPostgresDatabase({ connectionString: POSTGRES_TEST_URL, schema });
    await migrateToLatest(database.db as Kysely<unknown>, 'postgres', database.schema);
    return { database, store: new KyselyHashlineStore(database, { now: () => testClock.now() }) };
  })();
  const { database, store } = await shared;
  if (!admin) {
    admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await admin.connect();
    await admin.query(`set search_path to "${schema}"`);
  }
  await admin.query(HOTLINE_RESET_SQL);
  return { hotline: store.hotline, takedowns: new KyselyTakedownStore(database), cleanup: async () => {} };
});
