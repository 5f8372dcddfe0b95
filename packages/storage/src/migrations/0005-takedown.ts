import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/** Column types where the engines differ (as in 0003). */
const TYPES = {
  sqlite: { timestamp: 'text', json: 'text' },
  postgres: { timestamp: 'timestamptz', json: 'jsonb' },
} as const;

/**
 * Notice and takedown, and the retention job's marks (issue 5 parts 3 and 6).
 *
 * - `takedowns`: one row per notice about one reported URL. At most one *open* takedown
 *   (pending or notice_sent) per URL: a partial unique index, so two analysts clicking at once
 *   cannot send two notices. `message_id` is unique and fixed at creation (a resend after a crash
 *   reuses it). `lease_until` is the claim of the process sending or checking it.
 * - `takedown_checks`: the re-checks, numbered per takedown.
 * - `report_purges`: reports whose personal data the retention job deleted, with the counts of
 *   what was deleted (never the data), so a report is purged once and the job can say what it did.
 *
 * Foreign keys point at `reports` and `reported_urls`, so emptying the hotline's tables
 * (`truncate … cascade` in tests) empties these too; statistics never need a takedown without its
 * report, and reports are never deleted (retention deletes personal data, not rows).
 */
export function takedownSchema(engine: Engine): Migration {
  const t = TYPES[engine];
  // Ids are ULIDs the store orders by: byte order on every engine, whatever the server's locale.
  const binaryText = engine === 'postgres' ? sql`text collate "C"` : sql`text`;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('takedowns')
        .addColumn('id', binaryText, (c) => c.primaryKey())
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
        .addColumn('url_id', 'integer', (c) => c.notNull().references('reported_urls.id'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('via', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('sent_by', 'text')
        .addColumn('sent_to', 'text')
        .addColumn('referral_reference', 'text')
        .addColumn('notice_sent_at', t.timestamp)
        .addColumn('message_id', 'text', (c) => c.notNull().unique())
        .addColumn('send_attempts', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('removed_confirmed_at', t.timestamp)
        .addColumn('next_check_at', t.timestamp)
        .addColumn('lease_until', t.timestamp)
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('takedowns_report_idx')
        .on('takedowns')
        .columns(['report_id', 'id'])
        .execute();
      await db.schema
        .createIndex('takedowns_due_idx')
        .on('takedowns')
        .columns(['status', 'next_check_at', 'id'])
        .execute();
      // Raw SQL: DDL takes no bind parameters, and both engines accept this partial index as written.
      await sql`create unique index takedowns_open_url_key on takedowns (url_id) where status in ('pending', 'notice_sent')`.execute(
        db,
      );

      await db.schema
        .createTable('takedown_checks')
        .addColumn('takedown_id', binaryText, (c) =>
          c.notNull().references('takedowns.id').onDelete('cascade'),
        )
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('checked_at', t.timestamp, (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addPrimaryKeyConstraint('takedown_checks_pkey', ['takedown_id', 'seq'])
        .execute();

      await db.schema
        .createTable('report_purges')
        .addColumn('report_id', 'text', (c) => c.primaryKey().references('reports.id'))
        .addColumn('purged_at', t.timestamp, (c) => c.notNull())
        .addColumn('deleted', t.json, (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>) {
      for (const table of ['report_purges', 'takedown_checks', 'takedowns']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
