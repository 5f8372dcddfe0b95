import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/** Column types where the engines differ. */
const TYPES = {
  sqlite: { bool: 'integer', timestamp: 'text', json: 'text' },
  postgres: { bool: 'boolean', timestamp: 'timestamptz', json: 'jsonb' },
} as const;

/**
 * Hotline-to-hotline exchange (issue 5 part 2).
 *
 * - `exchange_outgoing`: one row per (report, partner country), unique, so concurrent sends of a
 *   case to a partner share one exchange id (the partner's idempotency key).
 * - `exchange_incoming`: what a partner sent with the report it became (one row per report; the
 *   report itself, its URLs and capture jobs are ordinary hotline rows, channel `iccam_incoming`).
 * - `partner_assessments`: the partner's items (hashes, classification, assessment summary),
 *   indexed by SHA-256 to meet the re-captured media. No media bytes exist to store.
 */
export function exchangeSchema(engine: Engine): Migration {
  const t = TYPES[engine];
  // Ids the store orders by must not depend on the server's locale: SQLite compares bytes already.
  const binaryText = engine === 'postgres' ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('exchange_outgoing')
        .addColumn('id', binaryText, (c) => c.primaryKey())
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
        .addColumn('partner_country', 'text', (c) => c.notNull())
        .addColumn('partner_name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('receipt_reference', 'text')
        .addColumn('last_error', 'text')
        .addColumn('url_count', 'integer', (c) => c.notNull())
        .addColumn('media_count', 'integer', (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('delivered_at', t.timestamp)
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .addUniqueConstraint('exchange_outgoing_report_partner_key', ['report_id', 'partner_country'])
        .execute();

      await db.schema
        .createTable('exchange_incoming')
        .addColumn('report_id', 'text', (c) => c.primaryKey().references('reports.id'))
        .addColumn('sender_name', 'text', (c) => c.notNull())
        .addColumn('sender_country', 'text', (c) => c.notNull())
        .addColumn('reference', 'text', (c) => c.notNull())
        .addColumn('sent_at', t.timestamp, (c) => c.notNull())
        .addColumn('received_at', t.timestamp, (c) => c.notNull())
        .addColumn('api_key_id', 'text', (c) => c.notNull())
        .addColumn('urls', t.json, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('partner_assessments')
        .addColumn('report_id', 'text', (c) => c.notNull().references('exchange_incoming.report_id'))
        .addColumn('item_index', 'integer', (c) => c.notNull())
        .addColumn('url_index', 'integer', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('md5', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('pdq', 'text')
        .addColumn('pdq_quality', 'integer')
        .addColumn('classification', t.json, (c) => c.notNull())
        .addColumn('known_material', t.bool, (c) => c.notNull())
        .addColumn('summary', t.json)
        .addPrimaryKeyConstraint('partner_assessments_pkey', ['report_id', 'item_index'])
        .execute();
      await db.schema
        .createIndex('partner_assessments_sha256_idx')
        .on('partner_assessments')
        .column('sha256')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['partner_assessments', 'exchange_incoming', 'exchange_outgoing']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
