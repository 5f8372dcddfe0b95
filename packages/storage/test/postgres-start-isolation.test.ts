// A process starting on a PostgreSQL database that others share: its migration must look at its
// own schema only. Kysely's stock introspector read every schema's tables and asked
// `pg_get_serial_sequence` of each, so a table dropped elsewhere at that moment (another
// process's import stage, another test's schema) failed the start ("schema … does not exist").
import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openPostgresStore } from '../src/index.js';
import { dropSchema, freshSchemaName, POSTGRES_TEST_URL, requirePostgres } from './support/postgres.js';

const cleanups: (() => Promise<void>)[] = [];
beforeEach(requirePostgres);
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function storeUrl(schema: string): string {
  const url = new URL(POSTGRES_TEST_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

it('starts (migrates, or finds itself migrated) while another schema churns tables', async () => {
  const neighbour = freshSchemaName();
  const churner = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  const setup = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await churner.connect();
  await setup.connect();
  cleanups.push(async () => {
    await churner.end();
    await setup.end();
    await dropSchema(neighbour);
  });
  const TABLES = Array.from(
    { length: 200 },
    (_, t) => `create table "${neighbour}".t${t} (id serial primary key, other serial)`,
  ).join(';');
  // The neighbour creates and drops serial-keyed tables, and its whole schema, without pause.
  let churning = true;
  let rounds = 0;
  const churn = (async () => {
    while (churning) {
      await churner.query(`create schema if not exists "${neighbour}"`);
      await churner.query(TABLES);
      await churner.query(`drop schema "${neighbour}" cascade`);
      rounds++;
    }
  })();
  const schemas: string[] = [];
  cleanups.push(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });
  try {
    // Fresh stores (the whole migration) and restarts (the migrator's set-up on a migrated schema).
    for (let attempt = 0; attempt < 6; attempt++) {
      const schema = freshSchemaName();
      schemas.push(schema);
      await setup.query(`create schema "${schema}"`);
      for (let start = 0; start < 3; start++) {
        const store = await openPostgresStore({ connectionString: storeUrl(schema) });
        await store.close();
      }
    }
  } finally {
    churning = false;
    await churn;
  }
  // The churn really overlapped the starts (else the test proves nothing).
  expect(rounds).toBeGreaterThan(0);
});
