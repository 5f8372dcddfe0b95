import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/**
 * Video signals (issue 13 part 3): a `vpdq` entry's frames live beside it in `video_signals`
 * (its `bank_entries.value` is the SHA-256 of the frame list, short enough for the bank's unique
 * index; a video hashed a frame a second has 3,600 frames an hour). Deleting the entry deletes its
 * frames (ON DELETE CASCADE; SQLite runs with foreign_keys on). Each bank gets the vPDQ match
 * percentages: the share of a banked video's frames a query must cover (default 80) and of the
 * query's own frames (default 0).
 *
 * - `frames`: the reference hasher's lines (`frameNumber,quality,pdqHex,timestampSeconds`), as
 *   `formatVpdqReferenceLines` writes them: read whole, never queried.
 * - `file_md5`, `file_sha256`: the video file's digests when the contributor knew them.
 */
export function videoSignalsSchema(engine: Engine): Migration {
  const real = engine === 'postgres' ? sql`double precision` : sql`real`;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('banks')
        .addColumn('vpdq_match_percent', real, (c) => c.notNull().defaultTo(80))
        .execute();
      await db.schema
        .alterTable('banks')
        .addColumn('vpdq_query_match_percent', real, (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('video_signals')
        .addColumn('entry_id', 'integer', (c) =>
          c.primaryKey().references('bank_entries.id').onDelete('cascade'),
        )
        .addColumn('frames', 'text', (c) => c.notNull())
        .addColumn('frame_count', 'integer', (c) => c.notNull())
        .addColumn('file_md5', 'text')
        .addColumn('file_sha256', 'text')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('video_signals').execute();
      await db.schema.alterTable('banks').dropColumn('vpdq_query_match_percent').execute();
      await db.schema.alterTable('banks').dropColumn('vpdq_match_percent').execute();
    },
  };
}
