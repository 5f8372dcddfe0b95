import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/** Column types where the engines differ. */
const TYPES = {
  sqlite: { timestamp: 'text', bigint: 'integer' },
  postgres: { timestamp: 'timestamptz', bigint: 'bigint' },
} as const;

/**
 * Import jobs (issue 12): a hash list uploaded to `POST /v1/banks/{bank}/imports` is spooled to a
 * file, then imported in the background by the process that holds the file (`owner`), which
 * records the records committed and the counts after every batch so an interrupted job resumes.
 *
 * - `fingerprint` (bank, file SHA-256, options): a resend of the same file joins the job; looked
 *   up newest first by (fingerprint, created_at).
 * - `idempotency_key`: unique (NULLs allowed many times on both engines).
 * - `problems` and `error` are JSON text: a few hundred short lines at most, never queried.
 * - No foreign key to `banks`: a job's history outlives a deleted bank (the job fails).
 */
export function importJobsSchema(engine: Engine): Migration {
  const t = TYPES[engine];
  const binaryText = engine === 'postgres' ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('import_jobs')
        .addColumn('id', binaryText, (c) => c.primaryKey())
        .addColumn('bank_id', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('on_error', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('file_sha256', 'text', (c) => c.notNull())
        .addColumn('total_bytes', t.bigint, (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text', (c) => c.unique())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('claimed_by', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('records_committed', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('bytes_processed', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('read_count', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('added_count', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('existing_count', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('updated_count', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('withdrawals_applied', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('withdrawals_unmatched', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('skipped_count', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('error_count', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('problems', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('error', 'text')
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('started_at', t.timestamp)
        .addColumn('finished_at', t.timestamp)
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('import_jobs_fingerprint_idx')
        .on('import_jobs')
        .columns(['fingerprint', 'created_at'])
        .execute();
      await db.schema
        .createIndex('import_jobs_bank_idx')
        .on('import_jobs')
        .columns(['bank_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('import_jobs_owner_idx')
        .on('import_jobs')
        .columns(['owner', 'status'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('import_jobs').execute();
    },
  };
}
