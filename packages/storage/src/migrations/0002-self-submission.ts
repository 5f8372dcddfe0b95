import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/**
 * Self-submission cases (Take It Down / StopNCII pattern). Deliberately minimal: the case number,
 * a slow hash of the PIN, the case type, status, image count and the day it was made. No file
 * names, sizes, dimensions, EXIF, IP addresses or times finer than a day. The hashes themselves
 * are bank entries whose provenance external id is the case number.
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
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('self_submission_cases').execute();
    },
  };
}
