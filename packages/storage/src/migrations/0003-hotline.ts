import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/** Column types where the engines differ; everything else is written once. */
const TYPES = {
  sqlite: { bool: 'integer', timestamp: 'text', json: 'text', bytes: 'blob' },
  postgres: { bool: 'boolean', timestamp: 'timestamptz', json: 'jsonb', bytes: 'bytea' },
} as const;

/** The `hash` of "no previous row": 64 zeros (the domain's `AUDIT_GENESIS_HASH`). */
const GENESIS_HASH = '0'.repeat(64);

/**
 * The hotline (issue 4): reports with their URLs, the capture outbox, captured media and its
 * derived images, assessments, staff and their sessions, and the hash-chained audit log.
 *
 * - The reporter's contact is a table of its own with no link to a report (a report points at
 *   it by id, without a foreign key), so identity stays apart from content and can be deleted.
 * - `capture_jobs` is the outbox written in the report's transaction: a report that was
 *   acknowledged always has its captures queued.
 * - `media_items (capture_job_id, sha256)` is unique, so a replayed capture inserts nothing.
 * - `media_blobs` holds the thumbnail and the sealed preview apart from the media rows, so
 *   queue and list queries never read image bytes.
 * - `audit_events.seq` is assigned by the appender (the head's seq + 1) under the audit lock,
 *   not by the database: the chain needs seqs without gaps. `audit_head` (one row) anchors the
 *   last row, so deleting the newest rows is detected.
 */
export function hotlineSchema(engine: Engine): Migration {
  const t = TYPES[engine];
  const identity = (col: ColumnDefinitionBuilder) =>
    engine === 'sqlite' ? col.primaryKey().autoIncrement() : col.primaryKey().generatedByDefaultAsIdentity();
  // Text keys the store orders by must not depend on the server's locale: SQLite compares bytes already.
  const binaryText = engine === 'postgres' ? sql`text collate "C"` : sql`text`;

  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('reports')
        .addColumn('id', binaryText, (c) => c.primaryKey())
        .addColumn('received_at', t.timestamp, (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('reporter_type', 'text', (c) => c.notNull())
        .addColumn('anonymous', t.bool, (c) => c.notNull())
        // No foreign key: the contact must be deletable on its own, and holds no link back.
        .addColumn('contact_id', 'text')
        .addColumn('consent_to_contact', t.bool, (c) => c.notNull())
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('concerns', t.json, (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('seen_where', 'text')
        .addColumn('imminent_danger', t.bool, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('duplicate_of_report_id', 'text')
        .addColumn('assigned_analyst_id', 'text')
        .addColumn('closed_at', t.timestamp)
        .addColumn('receipt_hash', 'text', (c) => c.notNull().unique())
        .addColumn('partner_reference', 'text')
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('reports_queue_idx')
        .on('reports')
        .columns(['status', 'priority', 'received_at'])
        .execute();
      await db.schema.createIndex('reports_contact_id_idx').on('reports').column('contact_id').execute();

      await db.schema
        .createTable('report_idempotency')
        .addColumn('key_hash', 'text', (c) => c.primaryKey())
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
        .addColumn('body_hash', 'text', (c) => c.notNull())
        .addColumn('receipt_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('reporter_contacts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('reported_urls')
        .addColumn('id', 'integer', identity)
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('normalized_url', 'text', (c) => c.notNull())
        .addColumn('site_type', 'text')
        .addColumn('accessibility', 'text')
        .addColumn('captured_at', t.timestamp)
        .addColumn('capture_error', 'text')
        .addColumn('trace', t.json)
        .execute();
      await db.schema
        .createIndex('reported_urls_report_idx')
        .on('reported_urls')
        .columns(['report_id', 'id'])
        .execute();
      await db.schema
        .createIndex('reported_urls_normalized_idx')
        .on('reported_urls')
        .column('normalized_url')
        .execute();

      await db.schema
        .createTable('capture_jobs')
        .addColumn('id', 'integer', identity)
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
        .addColumn('url_id', 'integer', (c) => c.notNull().references('reported_urls.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('run_after', t.timestamp, (c) => c.notNull())
        .addColumn('lease_until', t.timestamp)
        .addColumn('last_error', 'text')
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('capture_jobs_due_idx')
        .on('capture_jobs')
        .columns(['status', 'run_after', 'id'])
        .execute();

      await db.schema
        .createTable('media_items')
        .addColumn('id', 'integer', identity)
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
        .addColumn('url_id', 'integer', (c) => c.notNull().references('reported_urls.id'))
        .addColumn('capture_job_id', 'integer', (c) => c.notNull().references('capture_jobs.id'))
        .addColumn('source_url', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('md5', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('pdq', 'text')
        .addColumn('pdq_quality', 'integer')
        .addColumn('width', 'integer')
        .addColumn('height', 'integer')
        .addColumn('byte_length', 'integer', (c) => c.notNull())
        .addColumn('known_match', t.json)
        .addColumn('previously_assessed', t.bool, (c) => c.notNull())
        .addColumn('stored_content', t.bool, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('bank_entry_ids', t.json, (c) => c.notNull())
        .addColumn('captured_at', t.timestamp, (c) => c.notNull())
        .addUniqueConstraint('media_items_job_sha256_key', ['capture_job_id', 'sha256'])
        .execute();
      await db.schema
        .createIndex('media_items_report_idx')
        .on('media_items')
        .columns(['report_id', 'id'])
        .execute();
      await db.schema.createIndex('media_items_sha256_idx').on('media_items').column('sha256').execute();

      await db.schema
        .createTable('media_blobs')
        .addColumn('media_id', 'integer', (c) => c.primaryKey().references('media_items.id'))
        .addColumn('thumbnail', t.bytes, (c) => c.notNull())
        .addColumn('preview_sealed', t.bytes)
        .execute();

      await db.schema
        .createTable('analysts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', binaryText, (c) => c.notNull().unique())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('totp_secret_sealed', 'text')
        .addColumn('disabled', t.bool, (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('analyst_sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('analyst_id', 'text', (c) => c.notNull().references('analysts.id').onDelete('cascade'))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('expires_at', t.timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('analyst_sessions_expires_idx')
        .on('analyst_sessions')
        .column('expires_at')
        .execute();

      await db.schema
        .createTable('assessments')
        .addColumn('id', 'integer', identity)
        .addColumn('media_id', 'integer', (c) => c.notNull().references('media_items.id'))
        .addColumn('analyst_id', 'text', (c) => c.notNull().references('analysts.id'))
        .addColumn('assessed_at', t.timestamp, (c) => c.notNull())
        .addColumn('international_status', 'text', (c) => c.notNull())
        .addColumn('national_status', 'text', (c) => c.notNull())
        .addColumn('jurisdiction', 'text', (c) => c.notNull())
        .addColumn('legal_basis', 'text')
        .addColumn('severity_uk', 'text')
        .addColumn('industry_classification', 'text')
        .addColumn('age_band', 'text', (c) => c.notNull())
        .addColumn('sex', 'text', (c) => c.notNull())
        .addColumn('victim_count', 'integer')
        .addColumn('self_generated', 'text', (c) => c.notNull())
        .addColumn('content_origin', 'text', (c) => c.notNull())
        .addColumn('flags', t.json, (c) => c.notNull())
        .addColumn('confidence', 'text', (c) => c.notNull())
        .addColumn('notes', 'text')
        // One assessment per analyst and item: a second opinion must come from someone else.
        .addUniqueConstraint('assessments_media_analyst_key', ['media_id', 'analyst_id'])
        .execute();

      // Append-only; no foreign keys: the log outlives what it describes.
      await db.schema
        .createTable('audit_events')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('at', t.timestamp, (c) => c.notNull())
        .addColumn('actor', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('subject_type', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('details', t.json, (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('audit_events_actor_action_at_idx')
        .on('audit_events')
        .columns(['actor', 'action', 'at'])
        .execute();
      // "Which rows concern this item?": the preview's reveal check, fileViewedByEsp, audit browsing.
      await db.schema
        .createIndex('audit_events_subject_idx')
        .on('audit_events')
        .columns(['subject_id', 'action'])
        .execute();
      await db.schema
        .createTable('audit_head')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await sql`insert into audit_head (id, seq, hash) values (1, 0, ${GENESIS_HASH})`.execute(db);
    },

    async down(db: Kysely<unknown>) {
      for (const table of [
        'audit_head',
        'audit_events',
        'assessments',
        'analyst_sessions',
        'analysts',
        'media_blobs',
        'media_items',
        'capture_jobs',
        'reported_urls',
        'reporter_contacts',
        'report_idempotency',
        'reports',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
