import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/**
 * Bank guards (issue 15, finding 1):
 * - `banks.four_eyes`: the bank holds published material, so only the workbench's four-eyes
 *   publication changes it (API keys, the CLI and imports are refused). False for existing banks;
 *   the hotline's own bank is guarded by name whatever this says.
 * - `api_keys.banks`: the bank names a key is limited to, as a JSON array; null for every bank
 *   (every existing key keeps what it could do).
 */
export function bankGuardsSchema(engine: Engine): Migration {
  const bool = engine === 'postgres' ? sql`boolean` : sql`integer`;
  const falseValue = engine === 'postgres' ? sql`false` : sql`0`;
  const json = engine === 'postgres' ? sql`jsonb` : sql`text`;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('banks')
        .addColumn('four_eyes', bool, (c) => c.notNull().defaultTo(falseValue))
        .execute();
      await db.schema.alterTable('api_keys').addColumn('banks', json).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('api_keys').dropColumn('banks').execute();
      await db.schema.alterTable('banks').dropColumn('four_eyes').execute();
    },
  };
}
