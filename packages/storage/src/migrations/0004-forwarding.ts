import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/** Column types where the engines differ. */
const TYPES = {
  sqlite: { timestamp: 'text', json: 'text' },
  postgres: { timestamp: 'timestamptz', json: 'jsonb' },
} as const;

/**
 * Tables of forwarding (issue 5).
 *
 * ---- Referrals (forwarding helper) ----
 * - `referrals`: one row per recipient of a case (DOMAIN.md §8.5); `(report_id, target,
 *   target_country)` is unique, so recording the same plan twice (or from two processes at once)
 *   makes one row. `url_ids` is the JSON list of the report's URLs it covers. It references the
 *   report: retention deletes personal data, never report rows, so referral statistics survive.
 *
 * Blocks added later by other parts of forwarding go below this one, clearly separated.
 */
export function forwardingSchema(engine: Engine): Migration {
  const t = TYPES[engine];
  // Keys the store orders by must not depend on the server's locale (as in 0003).
  const binaryText = engine === 'postgres' ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>) {
      // ---- Referrals ----
      await db.schema
        .createTable('referrals')
        .addColumn('id', binaryText, (c) => c.primaryKey())
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('target_name', 'text', (c) => c.notNull())
        .addColumn('target_country', 'text', (c) => c.notNull())
        .addColumn('basis', 'text', (c) => c.notNull())
        .addColumn('actionable', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('external_ref', 'text')
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('sent_at', t.timestamp)
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .addColumn('url_ids', t.json, (c) => c.notNull())
        .addUniqueConstraint('referrals_report_target_key', ['report_id', 'target', 'target_country'])
        .execute();
      await db.schema
        .createIndex('referrals_report_idx')
        .on('referrals')
        .columns(['report_id', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('referrals_status_idx')
        .on('referrals')
        .columns(['status', 'created_at', 'id'])
        .execute();
      // ---- end of referrals ----
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('referrals').execute();
    },
  };
}
