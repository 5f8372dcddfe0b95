import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/** Column types where the engines differ. */
const TYPES = {
  sqlite: { timestamp: 'text', bigint: 'integer' },
  postgres: { timestamp: 'timestamptz', bigint: 'bigint' },
} as const;

/** Rows per read while adding `seq` to stored bodies. */
const BODY_CHUNK = 500;

/**
 * Webhooks you can trust (issue 11): ordered, numbered, redeliverable.
 *
 * - `webhook_deliveries.seq`: each bank numbers its notifications 1, 2, 3… (unique per bank),
 *   taken from `webhook_sequences` under that row's lock, so one bank's notifications commit in
 *   seq order and a receiver can order, deduplicate and spot a gap. Existing rows are numbered
 *   in id order, and their stored bodies gain the same `seq` (a redelivery sends it too).
 * - `queued_at`: when the delivery was queued or requeued; the retry horizon counts from it.
 * - `leased_until`: set while an attempt is under way, so an ordered claim can tell "in flight"
 *   from "waiting for a retry".
 * - `status` gains `retrying` (pending after a failed attempt), so the gauges need no scan of
 *   attempts or errors.
 * - a partial index on the undelivered rows by (url, id): the ordered claim asks, per due row,
 *   whether an older undelivered row or one in flight exists for the same URL.
 */
export function webhookOrderSchema(engine: Engine): Migration {
  const t = TYPES[engine];
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('webhook_deliveries')
        .addColumn('seq', t.bigint, (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('webhook_deliveries').addColumn('queued_at', t.timestamp).execute();
      await db.schema.alterTable('webhook_deliveries').addColumn('leased_until', t.timestamp).execute();

      await sql`
        update webhook_deliveries set seq = numbered.n
        from (
          select id, row_number() over (partition by bank_id order by id) as n
          from webhook_deliveries
        ) as numbered
        where webhook_deliveries.id = numbered.id`.execute(db);
      await sql`update webhook_deliveries set queued_at = created_at`.execute(db);
      await sql`update webhook_deliveries set status = 'retrying'
                where status = 'pending' and last_error is not null`.execute(db);
      // A pending row's lease is not known any more: it becomes due at its next_attempt_at, as before.

      // Bodies are signed as stored: add `seq` after `type` and `id`, as new bodies have it.
      for (let after = 0; ;) {
        const { rows } = await sql<{ id: number | string; seq: number | string; body: string }>`
          select id, seq, body from webhook_deliveries where id > ${after} order by id limit ${BODY_CHUNK}`.execute(
          db,
        );
        if (rows.length === 0) break;
        for (const row of rows) {
          const body = withSeq(row.body, Number(row.seq));
          if (body !== null) {
            await sql`update webhook_deliveries set body = ${body} where id = ${row.id}`.execute(db);
          }
        }
        after = Number(rows[rows.length - 1]!.id);
      }

      await db.schema
        .createIndex('webhook_deliveries_bank_seq_key')
        .on('webhook_deliveries')
        .columns(['bank_id', 'seq'])
        .unique()
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_active_url_idx')
        .on('webhook_deliveries')
        .columns(['url', 'id'])
        .where(sql.ref('status'), 'in', ['pending', 'retrying'])
        .execute();

      await db.schema
        .createTable('webhook_sequences')
        .addColumn('bank_id', 'integer', (c) => c.primaryKey())
        .addColumn('last_seq', t.bigint, (c) => c.notNull())
        .execute();
      await sql`
        insert into webhook_sequences (bank_id, last_seq)
        select bank_id, max(seq) from webhook_deliveries group by bank_id`.execute(db);
    },

    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('webhook_sequences').execute();
      await db.schema.dropIndex('webhook_deliveries_active_url_idx').execute();
      await db.schema.dropIndex('webhook_deliveries_bank_seq_key').execute();
      await sql`update webhook_deliveries set status = 'pending' where status = 'retrying'`.execute(db);
      for (const column of ['leased_until', 'queued_at', 'seq']) {
        await db.schema.alterTable('webhook_deliveries').dropColumn(column).execute();
      }
    },
  };
}

/** The body with `seq` after `type` and `id`; null when it is not a JSON object (left as it is). */
function withSeq(body: string, seq: number): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const { type, id, ...rest } = parsed as Record<string, unknown>;
  return JSON.stringify({ type, id, seq, ...rest });
}
