import type { Clock } from '../../ports/clock.js';
import type { HotlineStore, RetentionCandidate } from '../hotline-store.js';

/** The audit actor of the retention job. */
export const RETENTION_SYSTEM_ACTOR = 'system:retention';
const DAY_MS = 86_400_000;

/** What the retention job needs. */
export interface RetentionDependencies {
  readonly hotline: HotlineStore;
  readonly clock: Clock;
  /** Days after a report closes before its personal data is deleted; 0 turns the job off. */
  readonly retentionDays: number;
}

/** What one run of the retention job did. */
export interface RetentionRun {
  /** Reports whose personal data was deleted in this run. */
  readonly purged: number;
}

/**
 * The retention job (issue 5 part 6; DOMAIN.md §6.6, storage limitation): N days after a report
 * closed, deletes what identifies or shows anyone (the reporter's contact, the free-text
 * description, kept media previews and thumbnails, analysts' free-text notes) and marks the
 * report purged. What statistics need stays: the report row (channel, dates, status), URLs and
 * traces (country, ASN), media hashes, assessments' classifications, referrals and takedowns.
 *
 * Each report's deletion is audited (`retention_deleted`, with the kinds and counts deleted,
 * never the data) *before* it is made: a crash in between leaves the report due, and the next
 * run audits and deletes it again, so no deletion ever lacks its audit row (at worst one has
 * two). Run it in one process (the scheduler's `retention` switch): two at once would both audit.
 */
export class RetentionService {
  constructor(private readonly deps: RetentionDependencies) {}

  /** True when the job is configured to delete anything. */
  get enabled(): boolean {
    return this.deps.retentionDays > 0;
  }

  /** The closing time before which reports are due now. */
  cutoff(): Date {
    return new Date(this.deps.clock.now().getTime() - this.deps.retentionDays * DAY_MS);
  }

  /** Purges every due report, `batch` at a time; returns how many. */
  async runOnce(batch = 100): Promise<RetentionRun> {
    if (!this.enabled) return { purged: 0 };
    let purged = 0;
    for (;;) {
      const due = await this.deps.hotline.listRetentionDue(this.cutoff(), batch);
      for (const candidate of due) {
        await this.purge(candidate);
        purged++;
      }
      if (due.length < batch) return { purged };
    }
  }

  private async purge(candidate: RetentionCandidate): Promise<void> {
    const { hotline, clock } = this.deps;
    const kinds = [
      ...(candidate.contact ? ['contact'] : []),
      ...(candidate.description ? ['description'] : []),
      ...(candidate.previews > 0 ? ['previews'] : []),
      ...(candidate.thumbnails > 0 ? ['thumbnails'] : []),
      ...(candidate.assessmentNotes > 0 ? ['assessment_notes'] : []),
    ];
    await hotline.appendAudit(
      {
        actor: RETENTION_SYSTEM_ACTOR,
        action: 'retention_deleted',
        subjectType: 'report',
        subjectId: candidate.reportId,
        details: {
          kinds: kinds.join(',') || 'none',
          contact: candidate.contact,
          description: candidate.description,
          previews: candidate.previews,
          thumbnails: candidate.thumbnails,
          assessmentNotes: candidate.assessmentNotes,
          retentionDays: this.deps.retentionDays,
          closedAt: candidate.closedAt.toISOString(),
        },
      },
      clock.now(),
    );
    await hotline.purgePersonalData(candidate.reportId, clock.now());
  }
}
