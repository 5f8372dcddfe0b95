import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/**
 * Robust PDQ variants of bank entries (issue 18, ADR 0021): a PDQ entry added from media keeps,
 * beside its primary hash, the PDQ hashes of parts of the same image (`trim`, a few `crop-*`), so a
 * bordered, screenshotted or cropped copy still matches it.
 *
 * - `bank_entries.pdq_variants`: `kind:hex` pairs separated by spaces, in canonical kind order
 *   (`formatPdqVariants` in the domain); null for entries without variants (every entry before
 *   this migration, every cryptographic hash, every imported hash list). Written once with the
 *   entry, never updated: the change log reads it with each `entry_upsert` (a join on the entry
 *   id), so a replica following `GET /v1/changes` gets the same variants as the entry holds.
 * - A partial index on the ids of entries that have variants: the matcher reads them at startup
 *   without scanning the entries that have none (most of a large bank).
 * - `media_items.pdq_variants`: the same of captured media (computed by the capture worker from
 *   the decoded image, which is not kept in full), so publishing an assessed item to the hotline's
 *   bank stores its variants with its PDQ entry.
 */
export function pdqVariantsSchema(_engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('bank_entries').addColumn('pdq_variants', 'text').execute();
      await db.schema.alterTable('media_items').addColumn('pdq_variants', 'text').execute();
      await db.schema
        .createIndex('bank_entries_pdq_variants_idx')
        .on('bank_entries')
        .column('id')
        .where(sql.ref('pdq_variants'), 'is not', null)
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('bank_entries_pdq_variants_idx').execute();
      await db.schema.alterTable('media_items').dropColumn('pdq_variants').execute();
      await db.schema.alterTable('bank_entries').dropColumn('pdq_variants').execute();
    },
  };
}
