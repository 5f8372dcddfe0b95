import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/**
 * Every source that vouches for a hash (issue 14, lossless formats): an entry keeps its first
 * provenance in `bank_entries`; each further source that sent the same hash (another NCMEC
 * member's entry, another StopNCII case, another list) gets a row here, so withdrawing one source
 * removes only that source and leaves the hash live while another still vouches for it. Deleting
 * the entry deletes its rows (ON DELETE CASCADE; SQLite runs with foreign_keys on).
 *
 * - `id`: arrival order (the next source becomes the entry's provenance when the first goes).
 * - `external_id`, `member`: the source's identifier and member (NCMEC ids are unique per member).
 * - `first_seen_at`, `last_seen_at`: when an import first and last read this source's record.
 */
export function hashSourcesSchema(engine: Engine): Migration {
  const timestamp = engine === 'postgres' ? 'timestamptz' : 'text';
  // The id orders an entry's sources as they arrived: the next one becomes the entry's
  // provenance when the first is withdrawn.
  const identity = (col: ColumnDefinitionBuilder) =>
    engine === 'sqlite' ? col.primaryKey().autoIncrement() : col.primaryKey().generatedByDefaultAsIdentity();
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('bank_entry_sources')
        .addColumn('id', 'integer', identity)
        .addColumn('entry_id', 'integer', (c) =>
          c.notNull().references('bank_entries.id').onDelete('cascade'),
        )
        .addColumn('bank_id', 'integer', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text')
        .addColumn('member', 'text')
        .addColumn('first_seen_at', timestamp, (c) => c.notNull())
        .addColumn('last_seen_at', timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('bank_entry_sources_entry_idx')
        .on('bank_entry_sources')
        .column('entry_id')
        .execute();
      await db.schema
        .createIndex('bank_entry_sources_provenance_idx')
        .on('bank_entry_sources')
        .columns(['bank_id', 'source', 'external_id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('bank_entry_sources').execute();
    },
  };
}
