import { systemClock, type Clock, type HashlineStore } from '@hashline/domain';
import pg from 'pg';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStore, openStore } from '../src/index.js';
import { describeHashlineStoreContract } from './contract/hashline-store.contract.js';
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  requirePostgres,
  STORE_TABLES,
} from './support/postgres.js';

beforeEach(requirePostgres);

// One store and schema for the file, emptied before each test: migrating a new schema and
// opening a new pool per test costs more than the tests themselves. RESTART IDENTITY makes ids
// start at 1 again, as in a new database; the clock is swapped per test behind a proxy.
const contractSchema = freshSchemaName();
let testClock: Clock = systemClock;
let shared: Promise<HashlineStore> | undefined;
let admin: pg.Client | undefined;

afterAll(async () => {
  await (await shared?.catch(() => undefined))?.close();
  await admin?.end();
  if (shared) await dropSchema(contractSchema);
});

describeHashlineStoreContract('postgres', async (clock) => {
  testClock = clock;
  shared ??= openPostgresStore({
    connectionString: POSTGRES_TEST_URL,
    schema: contractSchema,
    clock: { now: () => testClock.now() },
  });
  const store = await shared;
  if (!admin) {
    admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await admin.connect();
    await admin.query(`set search_path to "${contractSchema}"`);
  }
  await admin.query(`truncate ${STORE_TABLES.map((t) => `"${t}"`).join(', ')} restart identity cascade`);
  // Closed once, in afterAll.
  return { store, cleanup: async () => {} };
});

describe('PostgreSQL store URLs', () => {
  it('opens a postgres:// URL, using the schema the connection puts first on search_path', async () => {
    const schema = freshSchemaName();
    const admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await admin.connect();
    try {
      await admin.query(`create schema "${schema}"`);
      const url = new URL(POSTGRES_TEST_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const store = await openStore(url.toString());
      try {
        expect(store.engine).toBe('postgres');
        await store.createBank({ name: 'via-url', kind: 'test' });
        const { rows } = await admin.query(
          `select count(*)::int as n from information_schema.tables where table_schema = $1 and table_name in ('banks', 'kysely_migration')`,
          [schema],
        );
        expect(rows[0].n).toBe(2);
      } finally {
        await store.close();
      }
    } finally {
      await admin.end();
      await dropSchema(schema);
    }
  });

  it('fails to open with a message naming the server but not the password', async () => {
    await expect(
      openPostgresStore({ connectionString: 'postgres://someone:hunter2@127.0.0.1:1/none' }),
    ).rejects.toThrow(/^Cannot open PostgreSQL at 127\.0\.0\.1:1\/none: (?!.*hunter2)/);
  });
});
