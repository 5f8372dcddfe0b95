import type { FigureCounts, StatisticsPeriod } from './statistics-figures.js';

/**
 * Where the statistics come from: grouped counts over the hotline's rows (reports, reported URLs,
 * media items, assessments, and referrals and takedowns once those exist), for reports received in
 * a period. Read-only. It reads only what retention keeps (never the description, the reporter's
 * contact, media bytes or thumbnails), so the figures of a year survive the deletion of its
 * personal data.
 *
 * The SQL implementation groups in the database (packages/storage, kysely-statistics-store.ts);
 * the memory one applies the rules of statistics-rules.ts row by row; one contract test checks
 * they agree.
 */
export interface StatisticsStore {
  /** Grouped counts of the reports received in `[period.from, period.to)`. */
  countFigures(period: StatisticsPeriod): Promise<FigureCounts>;
}

/** The facts of one referral the statistics read (the referral records of issue 5, part 1). */
export interface StatisticsReferralFacts {
  readonly reportId: string;
  /** DOMAIN.md §8.5 `target`, e.g. `federal_police_child_abuse`, `inhope_hotline_via_iccam`. */
  readonly target: string;
}

/** The facts of one takedown the statistics read (the takedown records of issue 5, part 3). */
export interface StatisticsTakedownFacts {
  readonly reportId: string;
  /** When the notice went out; takedowns without one are not counted. */
  readonly noticeSentAt: Date | null;
  readonly removedConfirmedAt: Date | null;
}
