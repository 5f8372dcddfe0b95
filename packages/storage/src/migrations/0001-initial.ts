import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/** Column types where the engines differ; everything else is written once. */
const TYPES = {
  sqlite: { bool: 'integer', timestamp: 'text', json: 'text', bigint: 'integer' },
  postgres: { bool: 'boolean', timestamp: 'timestamptz', json: 'jsonb', bigint: 'bigint' },
} as const;

/**
 * The first schema: banks, entries, the change log, match records, API keys, the webhook outbox.
 * Ids are never reused (SQLite `AUTOINCREMENT`, PostgreSQL identity columns), so a deleted
 * entry's id can never come back meaning another hash in a replica or a match record.
 */
export function initialSchema(engine: Engine): Migration {
  const t = TYPES[engine];
  const identity = (col: ColumnDefinitionBuilder) =>
    engine === 'sqlite' ? col.primaryKey().autoIncrement() : col.primaryKey().generatedByDefaultAsIdentity();
  // Ordering text keys must not depend on the server's locale: SQLite compares bytes already.
  const binaryText = engine === 'postgres' ? sql`text collate "C"` : sql`text`;

  return {
    // Migrations are typed without the app's schema: they describe how it comes to be.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('banks')
        .addColumn('id', 'integer', identity)
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('default_actions', t.json, (c) => c.notNull())
        .addColumn('pdq_threshold', 'integer', (c) => c.notNull())
        .addColumn('enabled', t.bool, (c) => c.notNull())
        .addColumn('webhook_url', 'text')
        .addColumn('webhook_secret', 'text')
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('bank_entries')
        // The matcher keys entries by uint32 (PostgreSQL's integer stops below that anyway).
        .addColumn('id', 'integer', (c) => identity(c).check(sql`id between 1 and 4294967295`))
        // No cascade: deleting a bank must go through the store, which logs each entry's delete.
        .addColumn('bank_id', 'integer', (c) => c.notNull().references('banks.id'))
        .addColumn('signal_type', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('quality', 'integer')
        .addColumn('classification', t.json, (c) => c.notNull())
        .addColumn('provenance', t.json, (c) => c.notNull())
        .addColumn('provenance_source', 'text', (c) => c.notNull())
        .addColumn('provenance_external_id', 'text')
        .addColumn('reviewer_count', 'integer', (c) => c.notNull())
        .addColumn('added_by', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('disabled', t.bool, (c) => c.notNull())
        .addColumn('feedback', 'text')
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .addUniqueConstraint('bank_entries_bank_signal_value_key', ['bank_id', 'signal_type', 'value'])
        .execute();
      await db.schema
        .createIndex('bank_entries_bank_id_id_idx')
        .on('bank_entries')
        .columns(['bank_id', 'id'])
        .execute();
      await db.schema
        .createIndex('bank_entries_provenance_idx')
        .on('bank_entries')
        .columns(['bank_id', 'provenance_source', 'provenance_external_id'])
        .execute();

      // Append-only; no foreign key: the log outlives what it describes (deletes are changes too).
      await db.schema
        .createTable('bank_changes')
        .addColumn('seq', t.bigint, identity)
        .addColumn('op', 'text', (c) => c.notNull())
        .addColumn('bank_id', 'integer', (c) => c.notNull())
        .addColumn('entry_id', 'integer')
        .addColumn('signal_type', 'text')
        .addColumn('value', 'text')
        .addColumn('active', t.bool)
        .addColumn('at', t.timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('match_records')
        .addColumn('id', t.bigint, identity)
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('caller', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('signal_type', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('matches', t.json, (c) => c.notNull())
        .addColumn('content_ref', 'text')
        .execute();
      await db.schema
        .createIndex('match_records_caller_id_idx')
        .on('match_records')
        .columns(['caller', 'id'])
        .execute();
      await db.schema
        .createIndex('match_records_created_at_idx')
        .on('match_records')
        .column('created_at')
        .execute();
      await db.schema
        .createTable('match_record_banks')
        .addColumn('match_record_id', t.bigint, (c) =>
          c.notNull().references('match_records.id').onDelete('cascade'),
        )
        .addColumn('bank_id', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('match_record_banks_pkey', ['bank_id', 'match_record_id'])
        .execute();
      await db.schema
        .createIndex('match_record_banks_record_idx')
        .on('match_record_banks')
        .column('match_record_id')
        .execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', binaryText, (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('scopes', t.json, (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('rate_limit_per_second', 'integer')
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('revoked_at', t.timestamp)
        .execute();

      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', t.bigint, identity)
        .addColumn('bank_id', 'integer', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', t.timestamp, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('delivered_at', t.timestamp)
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_due_idx')
        .on('webhook_deliveries')
        .columns(['status', 'next_attempt_at', 'id'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_bank_id_idx')
        .on('webhook_deliveries')
        .columns(['bank_id', 'id'])
        .execute();
    },

    async down(db: Kysely<unknown>) {
      for (const table of [
        'webhook_deliveries',
        'api_keys',
        'match_record_banks',
        'match_records',
        'bank_changes',
        'bank_entries',
        'banks',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
