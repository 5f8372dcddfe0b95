import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryExchangeStore, createMemoryHotlineStore } from '@hashline/domain/testing';
import type { Kysely } from 'kysely';
import { afterAll } from 'vitest';
import { KyselyExchangeStore } from '../src/kysely-exchange-store.js';
import { KyselyHotlineStore } from '../src/kysely-hotline-store.js';
import { migrateToLatest } from '../src/migrations/index.js';
import { openPostgresDatabase, type PostgresStoreDatabase } from '../src/postgres/postgres-database.js';
import { openSqliteDatabase } from '../src/sqlite/sqlite-database.js';
import { describeExchangeStoreContract } from './contract/exchange-store.contract.js';
import { sha256Hex } from './contract/hotline-store.contract.js';
import { dropSchema, freshSchemaName, POSTGRES_TEST_URL, requirePostgres } from './support/postgres.js';

// One contract, three engines. The SQL stores share one connection with the hotline store, as
// they do in a server (one store per database file and process).

describeExchangeStoreContract('memory', async () => ({
  exchanges: createMemoryExchangeStore(),
  hotline: createMemoryHotlineStore({ sha256Hex }),
  cleanup: async () => {},
}));

describeExchangeStoreContract('sqlite (temporary file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashline-exchange-'));
  const database = openSqliteDatabase({ file: join(dir, 'store.db') });
  await migrateToLatest(database.db as Kysely<unknown>, 'sqlite');
  return {
    exchanges: new KyselyExchangeStore(database),
    hotline: new KyselyHotlineStore(database),
    cleanup: async () => {
      await database.db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

// PostgreSQL: one schema for the file (the contract uses distinct reports in every test).
const schema = freshSchemaName();
let shared: Promise<PostgresStoreDatabase> | undefined;
afterAll(async () => {
  const database = await shared?.catch(() => undefined);
  if (database) {
    await database.db.destroy();
    await dropSchema(schema);
  }
});

describeExchangeStoreContract('postgres', async () => {
  await requirePostgres();
  shared ??= openPostgresDatabase({ connectionString: POSTGRES_TEST_URL, schema }).then(async (database) => {
    await migrateToLatest(database.db as Kysely<unknown>, 'postgres', database.schema);
    return database;
  });
  const database = await shared;
  return {
    exchanges: new KyselyExchangeStore(database),
    hotline: new KyselyHotlineStore(database),
    cleanup: async () => {},
  };
});
