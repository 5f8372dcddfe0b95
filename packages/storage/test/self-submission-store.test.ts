import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HashlineStore, SelfSubmissionStore } from '@hashline/domain';
import { createMemorySelfSubmissionStore } from '@hashline/domain/testing';
import { afterAll } from 'vitest';
import { openPostgresStore, openSqliteStore } from '../src/index.js';
import { describeSelfSubmissionStoreContract } from './contract/self-submission-store.contract.js';
import { dropSchema, freshSchemaName, POSTGRES_TEST_URL, requirePostgres } from './support/postgres.js';

// The SQL stores implement the self-submission port on the same database (migration 0002).
const opened: HashlineStore[] = [];
const schema = freshSchemaName();
afterAll(async () => {
  for (const store of opened) await store.close();
  await dropSchema(schema).catch(() => undefined);
});

let sqlite: Promise<HashlineStore> | undefined;
let postgres: Promise<HashlineStore> | undefined;

describeSelfSubmissionStoreContract('memory', async () => createMemorySelfSubmissionStore());

describeSelfSubmissionStoreContract('sqlite', async () => {
  sqlite ??= openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'hashline-cases-')), 'store.db') }).then(
    (store) => (opened.push(store), store),
  );
  return (await sqlite) as HashlineStore & SelfSubmissionStore;
});

describeSelfSubmissionStoreContract('postgres', async () => {
  await requirePostgres();
  postgres ??= openPostgresStore({ connectionString: POSTGRES_TEST_URL, schema }).then(
    (store) => (opened.push(store), store),
  );
  return (await postgres) as HashlineStore & SelfSubmissionStore;
});
