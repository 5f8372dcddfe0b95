import { type Kysely, type Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/** Column types where the engines differ. */
const TYPES = {
  sqlite: { timestamp: 'text', bytes: 'blob' },
  postgres: { timestamp: 'timestamptz', bytes: 'bytea' },
} as const;

/**
 * Browser capture, recapture and the audit chain's anchors (issue 16).
 *
 * - `capture_jobs` becomes the list of capture attempts of a URL: a recapture is one more job
 *   for the same URL, `requested_by` names the analyst (null: the report's own capture);
 *   `method` (`browser` or `http`) and `note` (why a browser capture fell back to HTTP, never page
 *   content) say how it ran; `finished_at` and `media_found` what came of it.
 * - `capture_screenshots`: the full-page screenshot of a browser capture, one per job. The PNG
 *   (`original_sealed`) and a size-capped preview (`preview_sealed`) are sealed with the server's
 *   key like kept media; the thumbnail is blurred and greyscale; `sha256` is of the PNG.
 * - `audit_anchors`: every signed audit head the server published (seq, hash, time, key id,
 *   Ed25519 signature, where it went), so the referral package can name the anchor covering a
 *   capture. The proof does not rest on this table: the published copies do.
 */
export function captureCustodySchema(engine: Engine): Migration {
  const t = TYPES[engine];
  return {
    async up(db: Kysely<unknown>) {
      for (const [name, type] of [
        ['requested_by', 'text'],
        ['method', 'text'],
        ['note', 'text'],
        ['finished_at', t.timestamp],
        ['media_found', 'integer'],
      ] as const) {
        await db.schema.alterTable('capture_jobs').addColumn(name, type).execute();
      }
      await db.schema
        .createIndex('capture_jobs_url_idx')
        .on('capture_jobs')
        .columns(['url_id', 'id'])
        .execute();
      await db.schema
        .createTable('capture_screenshots')
        .addColumn('capture_job_id', 'integer', (c) => c.primaryKey().references('capture_jobs.id'))
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
        .addColumn('url_id', 'integer', (c) => c.notNull().references('reported_urls.id'))
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('byte_length', 'integer', (c) => c.notNull())
        .addColumn('width', 'integer')
        .addColumn('height', 'integer')
        .addColumn('captured_at', t.timestamp, (c) => c.notNull())
        .addColumn('thumbnail', t.bytes)
        .addColumn('preview_sealed', t.bytes)
        .addColumn('original_sealed', t.bytes)
        .execute();
      await db.schema
        .createTable('audit_anchors')
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('signed_at', t.timestamp, (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('published_to', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_anchors_pkey', ['seq', 'key_id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('audit_anchors').execute();
      await db.schema.dropTable('capture_screenshots').execute();
      await db.schema.dropIndex('capture_jobs_url_idx').execute();
      for (const name of ['media_found', 'finished_at', 'note', 'method', 'requested_by']) {
        await db.schema.alterTable('capture_jobs').dropColumn(name).execute();
      }
    },
  };
}
