// The rules that turn stored rows into statistics (DOMAIN.md §2.7, §8.9). They are written once here
// in TypeScript (the in-memory store and the unit tests use them) and mirrored, clause by clause, in
// the SQL of packages/storage/src/kysely-statistics-store.ts; the storage contract test runs both
// on the same seeded data, so a change to one that is not made to the other fails there.
import type {
  AgeBand,
  ContentOrigin,
  NationalStatus,
  ReportStatus,
  SelfGenerated,
} from '../hotline-vocabulary.js';
// Removal-time buckets are the takedown records' own (REMOVAL_BUCKETS, removalBucketOf): one definition.

/**
 * What became of one media item, exactly one of:
 * - `previously_known`: it matched a known child sexual abuse material bank at capture, so nobody
 *   assessed it again (those banks hold assessed material only: it counts as illegal);
 * - `illegal_confirmed`: two or more analysts assessed it illegal under national law (the
 *   four-eyes rule that publishes its hashes);
 * - `illegal`: exactly one analyst assessed it illegal (a second opinion may be pending);
 * - `needs_review`: nobody assessed it illegal and at least one analyst marked it borderline or
 *   unable to assess;
 * - `not_illegal`: assessed, every assessment `not_illegal`;
 * - `pending`: not assessed yet.
 */
export const MEDIA_OUTCOMES = [
  'previously_known',
  'illegal_confirmed',
  'illegal',
  'needs_review',
  'not_illegal',
  'pending',
] as const;
export type MediaOutcome = (typeof MEDIA_OUTCOMES)[number];

/** The media outcomes that count as illegal material. */
export const ILLEGAL_MEDIA_OUTCOMES: readonly MediaOutcome[] = [
  'previously_known',
  'illegal_confirmed',
  'illegal',
];

/**
 * What became of one report, exactly one of (first rule that applies):
 * 1. `illegal`: at least one of its media items is illegal ({@link ILLEGAL_MEDIA_OUTCOMES});
 * 2. `duplicate`, `inaccessible`, `out_of_remit`: closed with that status;
 * 3. `not_illegal`: closed as not illegal, or its status says assessment is over (`assessed`,
 *    `forwarded`, `ntd_sent`, `removed_confirmed`) without illegal media;
 * 4. `in_progress`: anything else (received, triage, in assessment).
 * A report is *assessed* when its outcome is not `in_progress`; the share illegal is
 * `illegal / assessed`.
 */
export const REPORT_OUTCOMES = [
  'illegal',
  'not_illegal',
  'duplicate',
  'inaccessible',
  'out_of_remit',
  'in_progress',
] as const;
export type ReportOutcome = (typeof REPORT_OUTCOMES)[number];

/** Statuses after which a report without illegal media counts as assessed not illegal. */
export const NOT_ILLEGAL_REPORT_STATUSES: readonly ReportStatus[] = [
  'closed_not_illegal',
  'assessed',
  'forwarded',
  'ntd_sent',
  'removed_confirmed',
];

/** UK severity categories in the statistics: `none` when no analyst gave one. */
export const SEVERITY_KEYS = ['A', 'B', 'C', 'none'] as const;
export type SeverityKey = (typeof SEVERITY_KEYS)[number];

/** The facts of one assessment the statistics read (never notes or the analyst). */
export interface AssessmentFacts {
  readonly nationalStatus: NationalStatus;
  readonly ageBand: AgeBand;
  readonly severityUk: 'A' | 'B' | 'C' | null;
  readonly selfGenerated: SelfGenerated;
  readonly contentOrigin: ContentOrigin;
}

/** One media item's assessments combined into the figures' single answer per question. */
export interface CombinedAssessment {
  /** The youngest band any analyst saw (`unknown` only when nobody gave a band). */
  readonly ageBand: AgeBand;
  /** The most severe category any analyst gave (A before B before C), `none` when none. */
  readonly severity: SeverityKey;
  /** `yes` when any analyst said "self-generated", else `no` when any said no, else `unknown`. */
  readonly selfGenerated: SelfGenerated;
  /**
   * `ai_generated` when any analyst said so, then `computer_generated_drawn`, then
   * `photographic`, else `unknown`: a sign of generation is never outvoted.
   */
  readonly contentOrigin: ContentOrigin;
}

// Ranks: the combination takes the minimum. The SQL store uses the same numbers.
const AGE_RANK: Readonly<Record<AgeBand, number>> = {
  '0-2': 0,
  '3-6': 1,
  '7-10': 2,
  '11-13': 3,
  '14-15': 4,
  '16-17': 5,
  unknown: 6,
};
const SEVERITY_RANK: Readonly<Record<SeverityKey, number>> = { A: 0, B: 1, C: 2, none: 3 };
const SELF_GENERATED_RANK: Readonly<Record<SelfGenerated, number>> = { yes: 0, no: 1, unknown: 2 };
const ORIGIN_RANK: Readonly<Record<ContentOrigin, number>> = {
  ai_generated: 0,
  computer_generated_drawn: 1,
  photographic: 2,
  unknown: 3,
};

/** The rank tables, exported for the SQL store so both sides read the same numbers. */
export const STATISTICS_RANKS = {
  ageBand: AGE_RANK,
  severity: SEVERITY_RANK,
  selfGenerated: SELF_GENERATED_RANK,
  contentOrigin: ORIGIN_RANK,
} as const;

function byRank<K extends string>(ranks: Readonly<Record<K, number>>, values: readonly K[], fallback: K): K {
  let best = fallback;
  for (const value of values) if (ranks[value] < ranks[best]) best = value;
  return best;
}

/** Combines one media item's assessments ({@link CombinedAssessment}). */
export function combineAssessments(assessments: readonly AssessmentFacts[]): CombinedAssessment {
  return {
    ageBand: byRank(
      AGE_RANK,
      assessments.map((a) => a.ageBand),
      'unknown',
    ),
    severity: byRank(
      SEVERITY_RANK,
      assessments.map((a) => a.severityUk ?? 'none'),
      'none',
    ),
    selfGenerated: byRank(
      SELF_GENERATED_RANK,
      assessments.map((a) => a.selfGenerated),
      'unknown',
    ),
    contentOrigin: byRank(
      ORIGIN_RANK,
      assessments.map((a) => a.contentOrigin),
      'unknown',
    ),
  };
}

/** The outcome of one media item ({@link MEDIA_OUTCOMES}). */
export function mediaOutcomeOf(
  media: { readonly previouslyAssessed: boolean },
  assessments: readonly Pick<AssessmentFacts, 'nationalStatus'>[],
): MediaOutcome {
  if (media.previouslyAssessed) return 'previously_known';
  const illegal = assessments.filter((a) => a.nationalStatus === 'illegal').length;
  if (illegal >= 2) return 'illegal_confirmed';
  if (illegal === 1) return 'illegal';
  if (
    assessments.some(
      (a) => a.nationalStatus === 'borderline_needs_review' || a.nationalStatus === 'unable_to_assess',
    )
  )
    return 'needs_review';
  return assessments.length > 0 ? 'not_illegal' : 'pending';
}

/** Whether a media outcome counts as illegal material. */
export function isIllegalOutcome(outcome: MediaOutcome): boolean {
  return ILLEGAL_MEDIA_OUTCOMES.includes(outcome);
}

/** The outcome of one report ({@link REPORT_OUTCOMES}). */
export function reportOutcomeOf(status: ReportStatus, hasIllegalMedia: boolean): ReportOutcome {
  if (hasIllegalMedia) return 'illegal';
  if (status === 'closed_duplicate') return 'duplicate';
  if (status === 'closed_inaccessible') return 'inaccessible';
  if (status === 'closed_out_of_remit') return 'out_of_remit';
  if (NOT_ILLEGAL_REPORT_STATUSES.includes(status)) return 'not_illegal';
  return 'in_progress';
}
