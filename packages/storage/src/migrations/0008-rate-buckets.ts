import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/**
 * Token buckets of the API keys' rate limits, shared by every server process on one PostgreSQL
 * database (issue 11). UNLOGGED: a bucket is worth nothing after a crash (it simply starts full
 * again), so takes write no WAL and wait for no flush, and standbys carry no copy. One row per
 * bucket key (an API key id), so the table stays as small as the key list.
 *
 * On SQLite the buckets stay in each process's memory (one embedded process is the SQLite
 * deployment), so this migration creates nothing there.
 */
export function rateBucketsSchema(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (engine !== 'postgres') return;
      await sql`create unlogged table rate_buckets (
        bucket_key text primary key,
        tokens double precision not null,
        updated_at timestamptz not null,
        granted boolean not null
      )`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      if (engine !== 'postgres') return;
      await db.schema.dropTable('rate_buckets').execute();
    },
  };
}
