import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/**
 * Self-submission cases (Take It Down / StopNCII pattern). Deliberately minimal: the case number,
 * a slow hash of the PIN, the case type, status, image count and the day it was made. No file
 * names, sizes, dimensions, EXIF, IP addresses or times finer than a day. The hashes themselves
 * are bank entries; `self_submission_case_entries` records which entries each case holds, since
 * two cases may hold the same hash and an entry keeps only its first case's provenance. No foreign
 * keys: the link table must keep the memory store's semantics (a link to a deleted entry is inert).
 */
export function selfSubmissionSchema(engine: Engine): Migration {
  const timestamp = engine === 'sqlite' ? 'text' : 'timestamptz';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('self_submission_cases')
        .addColumn('case_number', 'text', (c) => c.primaryKey())
        .addColumn('pin_hash', 'text', (c) => c.notNull())
        .addColumn('case_type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('image_count', 'integer', (c) => c.notNull())
        .addColumn('created_day', 'text', (c) => c.notNull())
        .addColumn('failed_pin_attempts', 'integer', (c) => c.notNull())
        .addColumn('locked_until', timestamp)
        .execute();
      await db.schema
        .createTable('self_submission_case_entries')
        .addColumn('case_number', 'text', (c) => c.notNull())
        .addColumn('entry_id', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('self_submission_case_entries_pkey', ['case_number', 'entry_id'])
        .execute();
      // "Which active cases still hold this entry?" is asked per entry on every withdrawal.
      await db.schema
        .createIndex('self_submission_case_entries_entry_idx')
        .on('self_submission_case_entries')
        .column('entry_id')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('self_submission_case_entries').execute();
      await db.schema.dropTable('self_submission_cases').execute();
    },
  };
}
