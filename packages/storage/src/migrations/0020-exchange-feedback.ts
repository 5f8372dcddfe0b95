import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/**
 * The last pieces of hash exchanges (issue 14):
 *
 * - `hash_exchange_votes`: the outbox of feedback votes ("confirmed" / "false-positive") on bank
 *   entries, one row per entry (the latest vote wins: a vote changed before it was sent sends only
 *   the latest verdict). `version` grows with each change; `voted_by` is an API key id or an
 *   analyst's actor name, never a secret; `match_record_id` the record a platform voted on.
 * - `hash_exchange_vote_deliveries`: per entry and exchange, which `version` of the vote the
 *   exchange has sent (`sent_at`), tried (`attempts`, `last_error`) or had refused for good
 *   (`refused`). A vote is pending for an exchange until a delivery row holds its version, sent
 *   or refused.
 * - `hash_exchanges.feedback_last_error`, `feedback_last_error_at`: the last feedback failure,
 *   shown in the status (the run itself does not fail on a vote).
 * - Provenance: an exchange's entries now carry the provenance source `exchange:<name>` (the
 *   hashline and feed types did already), so two exchanges of one type on one bank (two NCMEC
 *   environments) no longer withdraw each other's entries. Existing provenance of the three
 *   typed sources (`ncmec`, `stopncii`, `threatexchange`) is moved to the exchange that brought it:
 *   first provenances by `added_by = 'exchange:<name>'`; further sources (`bank_entry_sources`,
 *   which record no adder) only where one exchange of that type serves the bank. Anything else
 *   (file imports, an ambiguous further source) keeps its source.
 */
export function exchangeFeedbackSchema(engine: Engine): Migration {
  const timestamp = engine === 'postgres' ? 'timestamptz' : 'text';
  const bool = engine === 'postgres' ? sql`boolean` : sql`integer`;
  const falseValue = engine === 'postgres' ? sql`false` : sql`0`;
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('hash_exchange_votes')
        .addColumn('entry_id', 'integer', (c) =>
          c.primaryKey().references('bank_entries.id').onDelete('cascade'),
        )
        .addColumn('bank_id', 'integer', (c) => c.notNull())
        .addColumn('verdict', 'text', (c) => c.notNull())
        .addColumn('voted_by', 'text', (c) => c.notNull())
        .addColumn('match_record_id', 'integer')
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('updated_at', timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('hash_exchange_votes_bank_idx')
        .on('hash_exchange_votes')
        .column('bank_id')
        .execute();
      await db.schema
        .createTable('hash_exchange_vote_deliveries')
        .addColumn('entry_id', 'integer', (c) =>
          c.notNull().references('bank_entries.id').onDelete('cascade'),
        )
        .addColumn('exchange_id', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('verdict', 'text', (c) => c.notNull())
        .addColumn('sent_at', timestamp)
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('refused', bool, (c) => c.notNull().defaultTo(falseValue))
        .addColumn('updated_at', timestamp, (c) => c.notNull())
        .addPrimaryKeyConstraint('hash_exchange_vote_deliveries_pk', ['entry_id', 'exchange_id'])
        .execute();
      await db.schema
        .createIndex('hash_exchange_vote_deliveries_exchange_idx')
        .on('hash_exchange_vote_deliveries')
        .column('exchange_id')
        .execute();
      await db.schema.alterTable('hash_exchanges').addColumn('feedback_last_error', 'text').execute();
      await db.schema.alterTable('hash_exchanges').addColumn('feedback_last_error_at', timestamp).execute();
      await moveProvenanceToExchanges(db, engine);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('hash_exchanges').dropColumn('feedback_last_error_at').execute();
      await db.schema.alterTable('hash_exchanges').dropColumn('feedback_last_error').execute();
      await db.schema.dropTable('hash_exchange_vote_deliveries').execute();
      await db.schema.dropTable('hash_exchange_votes').execute();
    },
  };
}

/** The typed sources whose clients name their own provenance source (see the header). */
const TYPED_SOURCES = ['ncmec', 'stopncii', 'threatexchange'];

async function moveProvenanceToExchanges(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const exchanges = (
    await sql<{ name: string; bank_id: number; type: string }>`
      select name, bank_id, type from hash_exchanges order by id`.execute(db)
  ).rows.filter((row) => TYPED_SOURCES.includes(row.type));
  const perBankType = new Map<string, number>();
  for (const row of exchanges) {
    const key = `${row.bank_id}:${row.type}`;
    perBankType.set(key, (perBankType.get(key) ?? 0) + 1);
  }
  for (const row of exchanges) {
    const source = `exchange:${row.name}`;
    const provenance =
      engine === 'postgres'
        ? sql`jsonb_set(provenance::jsonb, '{source}', to_jsonb(${source}::text))`
        : sql`json_set(provenance, '$.source', ${source})`;
    await sql`
      update bank_entries set provenance = ${provenance}, provenance_source = ${source}
      where bank_id = ${row.bank_id} and provenance_source = ${row.type} and added_by = ${source}`.execute(
      db,
    );
    if (perBankType.get(`${row.bank_id}:${row.type}`) === 1) {
      await sql`
        update bank_entry_sources set source = ${source}
        where bank_id = ${row.bank_id} and source = ${row.type}`.execute(db);
    }
  }
}
