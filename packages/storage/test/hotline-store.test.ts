import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from '@hashline/domain';
import { createMemoryHotlineStore } from '@hashline/domain/testing';
import pg from 'pg';
import { afterAll } from 'vitest';
import { openPostgresStore, openSqliteStore, type HashlineStoreWithHotline } from '../src/index.js';
import { describeHotlineStoreContract, sha256Hex } from './contract/hotline-store.contract.js';
import {
  dropSchema,
  freshSchemaName,
  HOTLINE_RESET_SQL,
  POSTGRES_TEST_URL,
  requirePostgres,
} from './support/postgres.js';

// One contract, three engines: the memory fake that service tests use must behave exactly like
// the SQL stores.
describeHotlineStoreContract('memory', async (clock) => ({
  store: createMemoryHotlineStore({ clock, sha256Hex }),
  cleanup: async () => {},
}));

describeHotlineStoreContract('sqlite (temporary file)', async (clock) => {
  const dir = mkdtempSync(join(tmpdir(), 'hashline-hotline-'));
  const store = await openSqliteStore({ file: join(dir, 'store.db'), clock });
  return {
    store: store.hotline,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

// PostgreSQL: one store and schema for the file, emptied before each test (migrating a schema per
// test costs more than the tests); the clock is swapped per test behind a proxy.
const schema = freshSchemaName();
let testClock: Clock = systemClock;
let shared: Promise<HashlineStoreWithHotline> | undefined;
let admin: pg.Client | undefined;

afterAll(async () => {
  await (await shared?.catch(() => undefined))?.close();
  await admin?.end();
  if (shared) await dropSchema(schema);
});

describeHotlineStoreContract('postgres', async (clock) => {
  await requirePostgres();
  testClock = clock;
  shared ??= openPostgresStore({
    connectionString: POSTGRES_TEST_URL,
    schema,
    clock: { now: () => testClock.now() },
  });
  const store = await shared;
  if (!admin) {
    admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await admin.connect();
    await admin.query(`set search_path to "${schema}"`);
  }
  await admin.query(HOTLINE_RESET_SQL);
  return { store: store.hotline, cleanup: async () => {} };
});
