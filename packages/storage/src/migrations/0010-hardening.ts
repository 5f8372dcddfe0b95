import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/**
 * Sign-in throttling (issue 15): one row per account name that attempts were made for, known or
 * not (so the throttle's answers do not tell which user names exist), keyed by a SHA-256 of the
 * name, never the name itself. `attempts` counts sign-in attempts since the last success (each
 * counted before its password is checked); `blocked_until` is the back-off. In the database so
 * every server process on one PostgreSQL sees the same counts. No client addresses: per-address
 * limits stay in each process's memory.
 */
export function hardeningSchema(engine: Engine): Migration {
  const timestamp = engine === 'sqlite' ? 'text' : 'timestamptz';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sign_in_throttle')
        .addColumn('throttle_key', 'text', (c) => c.primaryKey())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('blocked_until', timestamp)
        .addColumn('updated_at', timestamp, (c) => c.notNull())
        .execute();
      // Old rows are pruned by age.
      await db.schema
        .createIndex('sign_in_throttle_updated_idx')
        .on('sign_in_throttle')
        .column('updated_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('sign_in_throttle').execute();
    },
  };
}
