import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryImportJobStore } from '@hashline/domain/testing';
import type { Kysely } from 'kysely';
import { afterAll } from 'vitest';
import { KyselyImportJobStore } from '../src/kysely-import-job-store.js';
import { migrateToLatest } from '../src/migrations/index.js';
import { openPostgresDatabase, type PostgresStoreDatabase } from '../src/postgres/postgres-database.js';
import { openSqliteDatabase } from '../src/sqlite/sqlite-database.js';
import { describeImportJobStoreContract } from './contract/import-job-store.contract.js';
import { dropSchema, freshSchemaName, POSTGRES_TEST_URL, requirePostgres } from './support/postgres.js';

// One contract, three engines.

describeImportJobStoreContract('memory', async () => ({
  jobs: createMemoryImportJobStore(),
  cleanup: async () => {},
}));

describeImportJobStoreContract('sqlite (temporary file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashline-import-jobs-'));
  const database = openSqliteDatabase({ file: join(dir, 'store.db') });
  await migrateToLatest(database.db as Kysely<unknown>, 'sqlite');
  return {
    jobs: new KyselyImportJobStore(database),
    cleanup: async () => {
      await database.db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

// PostgreSQL: one schema for the file (the contract uses distinct ids, owners and fingerprints).
const schema = freshSchemaName();
let shared: Promise<PostgresStoreDatabase> | undefined;
afterAll(async () => {
  const database = await shared?.catch(() => undefined);
  if (database) {
    await database.db.destroy();
    await dropSchema(schema);
  }
});

describeImportJobStoreContract('postgres', async () => {
  await requirePostgres();
  shared ??= openPostgresDatabase({ connectionString: POSTGRES_TEST_URL, schema }).then(async (database) => {
    await migrateToLatest(database.db as Kysely<unknown>, 'postgres', database.schema);
    return database;
  });
  const database = await shared;
  return { jobs: new KyselyImportJobStore(database), cleanup: async () => {} };
});
