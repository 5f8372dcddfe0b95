import type { Clock } from '../ports/clock.js';
import type { MatchRecordDeletion, MatchRecordStore } from '../ports/hashline-store.js';

const DAY_MS = 86_400_000;

/** Default rows deleted per statement: short enough never to hold a long lock. */
export const DEFAULT_MATCH_RETENTION_BATCH = 1_000;

/** What {@link MatchRecordRetention} needs. */
export interface MatchRecordRetentionDependencies {
  readonly store: Pick<MatchRecordStore, 'deleteMatchRecordsBefore'>;
  readonly clock: Clock;
  /** Days a match record is kept; 0 keeps them forever (the job does nothing). */
  readonly retentionDays: number;
  /** Rows per delete statement (default {@link DEFAULT_MATCH_RETENTION_BATCH}). */
  readonly batch?: number;
}

/**
 * Retention of match records (storage limitation: a record holds the queried hash, sensitive
 * data): deletes records created more than `retentionDays` ago, and the finished (delivered or
 * failed) webhook deliveries whose last attempt is that old, in bounded batches. Pending and
 * retrying deliveries are kept whatever their age: their stored body is all they need, so a
 * deleted record never breaks a delivery. Safe to run in several processes at once (a row is
 * deleted once; the others find nothing).
 */
export class MatchRecordRetention {
  readonly #deps: MatchRecordRetentionDependencies;
  readonly #batch: number;

  constructor(deps: MatchRecordRetentionDependencies) {
    if (!Number.isInteger(deps.retentionDays) || deps.retentionDays < 0) {
      throw new RangeError(`retentionDays must be a non-negative integer; got ${deps.retentionDays}.`);
    }
    this.#deps = deps;
    this.#batch = Math.max(1, Math.floor(deps.batch ?? DEFAULT_MATCH_RETENTION_BATCH));
  }

  /** True when records are deleted at all (retentionDays > 0). */
  get enabled(): boolean {
    return this.#deps.retentionDays > 0;
  }

  /** Records created before this instant are due now. */
  cutoff(): Date {
    return new Date(this.#deps.clock.now().getTime() - this.#deps.retentionDays * DAY_MS);
  }

  /** Deletes everything due, one batch per statement, until nothing due is left. */
  async runOnce(): Promise<MatchRecordDeletion> {
    if (!this.enabled) return { records: 0, deliveries: 0 };
    // One cutoff for the whole run, so a run always ends even while new records age past it.
    const cutoff = this.cutoff();
    let records = 0;
    let deliveries = 0;
    for (;;) {
      const done = await this.#deps.store.deleteMatchRecordsBefore(cutoff, this.#batch);
      records += done.records;
      deliveries += done.deliveries;
      if (done.records < this.#batch && done.deliveries < this.#batch) return { records, deliveries };
    }
  }
}
