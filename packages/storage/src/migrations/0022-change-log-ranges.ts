import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/**
 * Ranged change-log rows (ADR 0028, issue 12): one `bank_changes` row may stand for the creation
 * of `entry_count` entries with consecutive ids, `entry_id` … `entry_id + entry_count - 1`, at the
 * consecutive seqs `seq` … `seq + entry_count - 1` (reserved: no other row takes them). A bulk
 * import logs each part it creates this way instead of one row per entry; readers
 * (`changesSince`) expand the range into the same per-entry changes, from the entries (or, for an
 * entry deleted since, from its `entry_delete` row, which holds its hash).
 *
 * - `bank_changes_ranges_idx`: the few ranged rows, found by seq without scanning the others.
 * - `bank_changes_entry_deletes_idx`: an entry's delete by its id (how a deleted entry of a range
 *   is read back).
 *
 * Down expands every range into per-entry rows at the seqs it reserved, then drops the column.
 */
export function changeLogRangesSchema(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('bank_changes').addColumn('entry_count', 'integer').execute();
      await db.schema
        .createIndex('bank_changes_ranges_idx')
        .on('bank_changes')
        .column('seq')
        .where(sql.ref('entry_count'), 'is not', null)
        .execute();
      await db.schema
        .createIndex('bank_changes_entry_deletes_idx')
        .on('bank_changes')
        .column('entry_id')
        .where(sql.ref('op'), '=', 'entry_delete')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      // A range's first seq is its own row's: set the ranges aside before their rows take the seqs.
      await sql`create temp table hashline_change_ranges as
        select seq, bank_id, entry_id, entry_count, active, at from bank_changes where entry_count is not null`.execute(
        db,
      );
      await sql`delete from bank_changes where entry_count is not null`.execute(db);
      await sql`
        insert into bank_changes (seq, op, bank_id, entry_id, signal_type, value, active, at)
        select r.seq + (e.id - r.entry_id), 'entry_upsert', r.bank_id, e.id, e.signal_type, e.value,
          r.active and not e.disabled, r.at
        from hashline_change_ranges r
        join bank_entries e on e.id between r.entry_id and r.entry_id + r.entry_count - 1`.execute(db);
      await sql`
        insert into bank_changes (seq, op, bank_id, entry_id, signal_type, value, active, at)
        select r.seq + (d.entry_id - r.entry_id), 'entry_upsert', r.bank_id, d.entry_id, d.signal_type, d.value,
          ${engine === 'postgres' ? sql`false` : sql`0`}, r.at
        from hashline_change_ranges r
        join bank_changes d on d.op = 'entry_delete' and d.entry_id between r.entry_id and r.entry_id + r.entry_count - 1`.execute(
        db,
      );
      await sql`drop table hashline_change_ranges`.execute(db);
      await db.schema.dropIndex('bank_changes_entry_deletes_idx').execute();
      await db.schema.dropIndex('bank_changes_ranges_idx').execute();
      await db.schema.alterTable('bank_changes').dropColumn('entry_count').execute();
    },
  };
}
