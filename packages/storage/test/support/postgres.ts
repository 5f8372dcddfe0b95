import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The test server: CI starts PostgreSQL on 127.0.0.1:5432 with trust auth and a `test` database. */
export const POSTGRES_TEST_URL =
  process.env.HASHLINE_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';

let reachable: Promise<void> | undefined;

/**
 * Checks (once per file) that the test server answers, failing with instructions otherwise: the
 * PostgreSQL suites never skip, since a skipped suite would hide a broken store. Call it from
 * `beforeEach`, not `beforeAll`: Vitest reports tests whose `beforeAll` failed as skipped, and
 * those whose `beforeEach` failed as failed, which is what an unreachable server must be.
 */
export function requirePostgres(): Promise<void> {
  reachable ??= checkPostgres();
  return reachable;
}

async function checkPostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${POSTGRES_TEST_URL} (${
        error instanceof Error ? error.message : String(error)
      }). The storage contract suite needs it and never skips: start PostgreSQL (CI's .ci/run ` +
        'does), or point HASHLINE_TEST_POSTGRES_URL at a server where you may create schemas.',
      { cause: error },
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** A unique schema name, so parallel runs (and tests) never see each other's tables. */
export function freshSchemaName(): string {
  return `hl_test_${randomBytes(6).toString('hex')}`;
}

/** Every table the store's migrations create (not Kysely's bookkeeping tables). */
export const STORE_TABLES = [
  'banks',
  'bank_entries',
  'bank_changes',
  'match_records',
  'match_record_banks',
  'api_keys',
  'webhook_deliveries',
  'webhook_sequences',
  'self_submission_cases',
] as const;

/** Every table migration 0003 (the hotline) creates; `audit_head` holds one row, re-seeded by {@link HOTLINE_RESET_SQL}. */
export const HOTLINE_TABLES = [
  'reports',
  'report_idempotency',
  'reporter_contacts',
  'reported_urls',
  'capture_jobs',
  'media_items',
  'media_blobs',
  'assessments',
  'analysts',
  'analyst_sessions',
  'audit_events',
  'audit_head',
  // Migration 0010: the sign-in back-off per account name.
  'sign_in_throttle',
  // Migration 0014: capture screenshots and published audit anchors.
  'capture_screenshots',
  'audit_anchors',
] as const;

/** Empties the hotline's tables (ids restart at 1) and puts the audit head back at genesis. */
export const HOTLINE_RESET_SQL = `truncate ${HOTLINE_TABLES.map((t) => `"${t}"`).join(', ')} restart identity cascade;
  insert into audit_head (id, seq, hash) values (1, 0, '${'0'.repeat(64)}');`;

/** Runs SQL on its own connection with `schema` first on the search_path. */
export async function runSql(schema: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await client.connect();
  try {
    await client.query(`set search_path to "${schema}"`);
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  await runSql('public', `drop schema if exists "${schema}" cascade`);
}
