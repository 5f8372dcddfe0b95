import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Engine } from '../store-dialect.js';
import { initialSchema } from './0001-initial.js';
import { selfSubmissionSchema } from './0002-self-submission.js';
import { hotlineSchema } from './0003-hotline.js';
import { forwardingSchema } from './0004-forwarding.js';
import { takedownSchema } from './0005-takedown.js';
import { exchangeSchema } from './0006-exchange.js';
import { webhookOrderSchema } from './0007-webhook-order.js';
import { rateBucketsSchema } from './0008-rate-buckets.js';
import { importJobsSchema } from './0009-import-jobs.js';
import { hardeningSchema } from './0010-hardening.js';
import { videoSignalsSchema } from './0011-video-signals.js';
import { hashSourcesSchema } from './0012-hash-sources.js';
import { bankGuardsSchema } from './0013-bank-guards.js';
import { captureCustodySchema } from './0014-capture-custody.js';
import { analystLanguageSchema } from './0015-analyst-language.js';
import { hashExchangesSchema } from './0016-hash-exchanges.js';
import { pdqVariantsSchema } from './0017-pdq-variants.js';
import { probingHistorySchema } from './0018-probing-history.js';
import { videoContactSheetSchema } from './0019-video-contact-sheets.js';
import { exchangeFeedbackSchema } from './0020-exchange-feedback.js';
import { hashValueCollationSchema } from './0021-hash-value-collation.js';
import { changeLogRangesSchema } from './0022-change-log-ranges.js';

/**
 * Every migration, in order, as a static map (no filesystem globbing): the same list runs from
 * `src/` under Vitest and from `dist/` under Node. Names are zero-padded so they sort; never
 * rename or edit a released migration, add the next number.
 */
export function migrationsFor(engine: Engine): Record<string, Migration> {
  return {
    '0001_initial': initialSchema(engine),
    '0002_self_submission': selfSubmissionSchema(engine),
    '0003_hotline': hotlineSchema(engine),
    '0004_forwarding': forwardingSchema(engine),
    '0005_takedown': takedownSchema(engine),
    '0006_exchange': exchangeSchema(engine),
    '0007_webhook_order': webhookOrderSchema(engine),
    '0008_rate_buckets': rateBucketsSchema(engine),
    '0009_import_jobs': importJobsSchema(engine),
    '0010_hardening': hardeningSchema(engine),
    '0011_video_signals': videoSignalsSchema(engine),
    '0012_hash_sources': hashSourcesSchema(engine),
    '0013_bank_guards': bankGuardsSchema(engine),
    '0014_capture_custody': captureCustodySchema(engine),
    '0015_analyst_language': analystLanguageSchema(engine),
    '0016_hash_exchanges': hashExchangesSchema(engine),
    '0017_pdq_variants': pdqVariantsSchema(engine),
    '0018_probing_history': probingHistorySchema(engine),
    '0019_video_contact_sheets': videoContactSheetSchema(engine),
    '0020_exchange_feedback': exchangeFeedbackSchema(engine),
    '0021_hash_value_collation': hashValueCollationSchema(engine),
    '0022_change_log_ranges': changeLogRangesSchema(engine),
  };
}

/** Kysely's provider interface over {@link migrationsFor}. */
class StaticMigrationProvider implements MigrationProvider {
  readonly #migrations: Record<string, Migration>;

  constructor(migrations: Record<string, Migration>) {
    this.#migrations = migrations;
  }

  async getMigrations(): Promise<Record<string, Migration>> {
    return this.#migrations;
  }
}

/**
 * Brings the schema up to date. Concurrent callers are safe: Kysely's migrator takes a lock
 * (an advisory lock in PostgreSQL; SQLite's single writer).
 *
 * @param schema PostgreSQL schema holding Kysely's bookkeeping tables. Kysely looks for them in
 *   every schema when none is given, so a sibling schema's tables would be mistaken for ours.
 * @throws the migration's error, with the failing migration's name in the message.
 */
export async function migrateToLatest(db: Kysely<unknown>, engine: Engine, schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new StaticMigrationProvider(migrationsFor(engine)),
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Hashline storage migration ${failed ? failed.migrationName : '(setup)'} failed: ${cause}`,
      { cause: error },
    );
  }
}
