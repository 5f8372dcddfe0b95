import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/**
 * Probing detection's history of verdict-only keys (issue 15), shared by every server process on
 * one PostgreSQL database, so an attack split across processes is seen whole:
 * - `probing_queries`: each PDQ query of a verdict-only key (its value, when, whether it was near
 *   an earlier query of the key, the banked entry whose threshold edge it lay on), kept only as
 *   long as the detection windows read it. UNLOGGED: after a database crash the history starts
 *   empty (as after a restart with the in-memory history), and queries write no WAL.
 * - `probing_alerts`: one row per key and rule once an alert was raised, so each alert is raised
 *   once across processes; lifting a suspension deletes the key's rows.
 *
 * On SQLite the history stays in the one process's memory, so this migration creates nothing there.
 */
export function probingHistorySchema(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (engine !== 'postgres') return;
      await sql`create unlogged table probing_queries (
        id bigserial primary key,
        key_id text not null,
        value text not null,
        at timestamptz not null,
        near boolean not null,
        edge_entry bigint
      )`.execute(db);
      await sql`create index probing_queries_key on probing_queries (key_id, id)`.execute(db);
      await sql`create index probing_queries_edge on probing_queries (key_id, edge_entry, at) where edge_entry is not null`.execute(
        db,
      );
      await sql`create index probing_queries_at on probing_queries (at)`.execute(db);
      await sql`create table probing_alerts (
        key_id text not null,
        rule text not null,
        at timestamptz not null,
        primary key (key_id, rule)
      )`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      if (engine !== 'postgres') return;
      await db.schema.dropTable('probing_alerts').execute();
      await db.schema.dropTable('probing_queries').execute();
    },
  };
}
