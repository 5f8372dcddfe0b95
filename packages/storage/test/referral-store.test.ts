import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from '@hashline/domain';
import { createMemoryHotlineStore, createMemoryReferralStore } from '@hashline/domain/testing';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll } from 'vitest';
import { KyselyHotlineStore, nodeSha256Hex } from '../src/kysely-hotline-store.js';
import { KyselyReferralStore } from '../src/kysely-referral-store.js';
import { migrateToLatest } from '../src/migrations/index.js';
import { openPostgresDatabase, type PostgresStoreDatabase } from '../src/postgres/postgres-database.js';
import { openSqliteDatabase } from '../src/sqlite/sqlite-database.js';
import { describeReferralStoreContract } from './contract/referral-store.contract.js';
import {
  dropSchema,
  freshSchemaName,
  HOTLINE_RESET_SQL,
  POSTGRES_TEST_URL,
  requirePostgres,
} from './support/postgres.js';

// One contract, three engines.
describeReferralStoreContract('memory', async (clock) => ({
  referrals: createMemoryReferralStore(),
  hotline: createMemoryHotlineStore({ clock, sha256Hex: nodeSha256Hex }),
  cleanup: async () => {},
}));

describeReferralStoreContract('sqlite (temporary file)', async (clock) => {
  const dir = mkdtempSync(join(tmpdir(), 'hashline-referrals-'));
  const database = openSqliteDatabase({ file: join(dir, 'store.db') });
  await migrateToLatest(database.db as Kysely<unknown>, 'sqlite');
  return {
    referrals: new KyselyReferralStore(database),
    hotline: new KyselyHotlineStore(database, clock),
    cleanup: async () => {
      await database.db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

// PostgreSQL: one schema for the file, emptied before each test (truncating reports cascades to
// referrals); the clock is swapped per test behind a proxy.
const schema = freshSchemaName();
let testClock: Clock = systemClock;
let shared: Promise<PostgresStoreDatabase> | undefined;
let admin: pg.Client | undefined;

afterAll(async () => {
  await (await shared?.catch(() => undefined))?.db.destroy();
  await admin?.end();
  if (shared) await dropSchema(schema);
});

describeReferralStoreContract('postgres', async (clock) => {
  await requirePostgres();
  testClock = clock;
  shared ??= (async () => {
    const database = await openPostgresDatabase({ connectionString: POSTGRES_TEST_URL, schema });
    await migrateToLatest(database.db as Kysely<unknown>, 'postgres', database.schema);
    return database;
  })();
  const database = await shared;
  if (!admin) {
    admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await admin.connect();
    await admin.query(`set search_path to "${schema}"`);
  }
  await admin.query(`truncate "referrals"; ${HOTLINE_RESET_SQL}`);
  return {
    referrals: new KyselyReferralStore(database),
    hotline: new KyselyHotlineStore(database, { now: () => testClock.now() }),
    cleanup: async () => {},
  };
});
