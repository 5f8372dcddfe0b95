import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/**
 * Scheduled hash exchanges (issue 14 item 1): one row per exchange, holding its configuration,
 * its sealed credentials, its checkpoint and status, and the lease of the process running it.
 *
 * - `name`: unique and never changed (entries' provenance source and the audit actor carry it).
 * - `checkpoint`: opaque (the client's); moves in the same transaction as the page's bank changes.
 * - `sealed_credentials`: AES-256-GCM (the server's secret box, purpose `exchange`); never read
 *   back but by the service that builds the client.
 * - `leased_by`, `lease_until`: a run's claim; a claim takes a free or expired lease in one
 *   conditional UPDATE, and a page commits only while its claimant holds it.
 * - `count_*`: the current (or last) run's counts.
 * - No foreign key to `banks`: an exchange whose bank was deleted stays, failing, for its owner to see.
 */
export function hashExchangesSchema(engine: Engine): Migration {
  const timestamp = engine === 'postgres' ? 'timestamptz' : 'text';
  const bigint = engine === 'postgres' ? 'bigint' : 'integer';
  const bool = engine === 'postgres' ? sql`boolean` : sql`integer`;
  const falseValue = engine === 'postgres' ? sql`false` : sql`0`;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('hash_exchanges')
        .addColumn('id', 'integer', (c) =>
          engine === 'sqlite'
            ? c.primaryKey().autoIncrement()
            : c.primaryKey().generatedByDefaultAsIdentity(),
        )
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('bank_id', 'integer', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('endpoint_url', 'text', (c) => c.notNull())
        .addColumn('interval_seconds', 'integer', (c) => c.notNull())
        .addColumn('options', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('upload', bool, (c) => c.notNull().defaultTo(falseValue))
        .addColumn('feedback', bool, (c) => c.notNull().defaultTo(falseValue))
        .addColumn('sealed_credentials', 'text')
        .addColumn('paused', bool, (c) => c.notNull().defaultTo(falseValue))
        .addColumn('paused_reason', 'text')
        .addColumn('checkpoint', 'text')
        .addColumn('upload_checkpoint', bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('last_run_at', timestamp)
        .addColumn('last_success_at', timestamp)
        .addColumn('last_error_kind', 'text')
        .addColumn('last_error_message', 'text')
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_run_at', timestamp, (c) => c.notNull())
        .addColumn('count_pages', bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('count_added', bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('count_updated', bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('count_withdrawn', bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('count_unchanged', bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('count_skipped', bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('count_errors', bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('leased_by', 'text')
        .addColumn('lease_until', timestamp)
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('updated_at', timestamp, (c) => c.notNull())
        .execute();
      // A due-run claim scans by next run time (a handful of rows; the index keeps it one probe).
      await db.schema
        .createIndex('hash_exchanges_next_run_idx')
        .on('hash_exchanges')
        .column('next_run_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('hash_exchanges').execute();
    },
  };
}
