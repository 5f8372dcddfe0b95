import { DomainError, type ErrorDetail } from '../../domain-error.js';
import {
  AGE_BANDS,
  CONTENT_ORIGINS,
  REPORT_CHANNELS,
  SELF_GENERATED_VALUES,
  URL_ACCESSIBILITY,
} from '../hotline-vocabulary.js';
import { REMOVAL_BUCKETS } from '../takedown/takedown-records.js';
import {
  MEDIA_OUTCOMES,
  REPORT_OUTCOMES,
  SEVERITY_KEYS,
  isIllegalOutcome,
  type MediaOutcome,
} from './statistics-rules.js';

/**
 * The sections of the figures, in display and CSV order. Every section counts things belonging
 * to reports *received* in the period (a media item, URL, referral or takedown is counted in the
 * period its report arrived in), so sections add up against each other.
 */
export const FIGURE_SECTIONS = [
  /** Headline numbers, each with the count its share is of. */
  'overview',
  /** Reports by month received (key `YYYY-MM`, UTC) and channel (subkey). */
  'reports_by_month_channel',
  /** Reports by channel. */
  'reports_by_channel',
  /** Reports by outcome (`REPORT_OUTCOMES`); the share illegal is in the overview. */
  'report_outcome',
  /** Reported URLs by what the capture found (`not_captured` when no capture finished). */
  'url_accessibility',
  /** URLs holding illegal media by hosting country (ISO alpha-2 from the trace, or `unknown`). */
  'hosting_countries',
  /** Media items by outcome (`MEDIA_OUTCOMES`). */
  'media_outcome',
  /** Media items new to the hotline vs previously known (matched a known-material bank). */
  'media_known',
  /** Assessed illegal media items by age band (youngest seen) × UK category (most severe). */
  'age_severity',
  /** Assessed illegal media items by "self-generated" (yes / no / unknown). */
  'self_generated',
  /** Assessed illegal media items by content origin (AI-generated, photographic, …). */
  'content_origin',
  /** Referrals of the period's reports by target (only once referrals are recorded). */
  'referral_targets',
  /** Takedowns whose notice went out, by time to removal (only once takedowns are recorded). */
  'removal_times',
] as const;
export type FigureSectionId = (typeof FIGURE_SECTIONS)[number];

/** What a section counts. */
export type FigureUnit = 'reports' | 'urls' | 'media_items' | 'referrals' | 'takedowns' | 'mixed';

/** One number of the figures, with the count behind its share. */
export interface FigureCell {
  readonly key: string;
  /** The second dimension of a cross-tab (channel, UK category); null in one-dimensional sections. */
  readonly subkey: string | null;
  readonly count: number;
  /** `count / base`, or null when there is no base or it is 0. */
  readonly share: number | null;
  /** The count the share is of (the section's total, or the overview figure's own base). */
  readonly base: number | null;
}

/** One section of the figures. */
export interface FigureSection {
  readonly id: FigureSectionId;
  readonly unit: FigureUnit;
  /** False when the store has no such records yet (referrals, takedowns before their tables exist). */
  readonly available: boolean;
  /** What the cells add up to (null for the overview, whose cells count different things). */
  readonly total: number | null;
  readonly cells: readonly FigureCell[];
}

/** A period of time, by the date reports were received: `from` inclusive, `to` exclusive. */
export interface StatisticsPeriod {
  readonly from: Date;
  readonly to: Date;
}

/** The figures of a period (DOMAIN.md §8.9), computed from stored rows, never typed by hand. */
export interface HotlineFigures {
  readonly period: StatisticsPeriod;
  readonly generatedAt: Date;
  readonly sections: Readonly<Record<FigureSectionId, FigureSection>>;
}

/** One grouped count as a store returns it. */
export interface CountCell {
  readonly key: string;
  readonly subkey: string | null;
  readonly count: number;
}

/**
 * The grouped counts a {@link StatisticsStore} computes for a period; {@link assembleFigures}
 * orders them, fills the zeros and adds totals and shares. Null: the store keeps no such records.
 */
export interface FigureCounts {
  /** key `YYYY-MM` (UTC), subkey channel. */
  readonly reportsByMonthChannel: readonly CountCell[];
  readonly reportOutcome: readonly CountCell[];
  readonly urlAccessibility: readonly CountCell[];
  readonly hostingCountries: readonly CountCell[];
  readonly mediaOutcome: readonly CountCell[];
  /** key age band, subkey severity. */
  readonly ageSeverity: readonly CountCell[];
  readonly selfGenerated: readonly CountCell[];
  readonly contentOrigin: readonly CountCell[];
  readonly referralTargets: readonly CountCell[] | null;
  readonly removalTimes: readonly CountCell[] | null;
}

/** The longest period the figures cover (bounds the month × channel table). */
export const MAX_PERIOD_MONTHS = 120;

/** The months (`YYYY-MM`, UTC) a period touches, in order. */
export function monthsOf(period: StatisticsPeriod): string[] {
  const months: string[] = [];
  let year = period.from.getUTCFullYear();
  let month = period.from.getUTCMonth();
  while (Date.UTC(year, month, 1) < period.to.getTime() && months.length <= MAX_PERIOD_MONTHS) {
    months.push(`${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}`);
    month++;
    if (month === 12) {
      month = 0;
      year++;
    }
  }
  return months;
}

/** First instant of a UTC calendar year. */
export function startOfUtcYear(year: number): Date {
  return new Date(Date.UTC(year, 0, 1));
}

/**
 * Reads a period from query values `from` and `to` (`YYYY-MM-DD`, UTC; `to` exclusive). Missing
 * values default to the current calendar year (UTC).
 * @throws DomainError VALIDATION_FAILED naming the bad field
 */
export function parseStatisticsPeriod(
  query: { readonly from?: unknown; readonly to?: unknown },
  now: Date,
): StatisticsPeriod {
  const problems: ErrorDetail[] = [];
  const day = (field: 'from' | 'to', fallback: Date): Date => {
    const raw = query[field];
    if (raw === undefined || raw === '') return fallback;
    const match = typeof raw === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw) : null;
    const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
    if (!match || !date || date.toISOString().slice(0, 10) !== raw) {
      problems.push({
        at: `/${field}`,
        code: 'VALIDATION_FAILED',
        message: `${field} must be a date YYYY-MM-DD.`,
      });
      return fallback;
    }
    return date;
  };
  const year = now.getUTCFullYear();
  const from = day('from', startOfUtcYear(year));
  const to = day('to', startOfUtcYear(year + 1));
  if (problems.length === 0 && from.getTime() >= to.getTime()) {
    problems.push({ at: '/to', code: 'VALIDATION_FAILED', message: 'to must be after from.' });
  }
  if (problems.length === 0 && monthsOf({ from, to }).length > MAX_PERIOD_MONTHS) {
    problems.push({
      at: '/from',
      code: 'VALIDATION_FAILED',
      message: `A period covers at most ${MAX_PERIOD_MONTHS} months.`,
    });
  }
  if (problems.length > 0) throw new DomainError('VALIDATION_FAILED', problems[0]!.message, problems);
  return { from, to };
}

const share = (count: number, base: number | null): number | null =>
  base === null || base === 0 ? null : count / base;
const sum = (cells: readonly CountCell[]): number => cells.reduce((total, cell) => total + cell.count, 0);

/** Counts by key (summing over subkeys). */
function byKey(cells: readonly CountCell[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const cell of cells) out.set(cell.key, (out.get(cell.key) ?? 0) + cell.count);
  return out;
}

/** Keys in vocabulary order first (zeros filled), then any others the data holds, sorted. */
function orderedKeys(known: readonly string[], present: Iterable<string>): string[] {
  const extra = [...new Set(present)].filter((key) => !known.includes(key)).sort();
  return [...known, ...extra];
}

function section(
  id: FigureSectionId,
  unit: FigureUnit,
  cells: readonly { key: string; subkey: string | null; count: number }[],
  total: number,
): FigureSection {
  return {
    id,
    unit,
    available: true,
    total,
    cells: cells.map((cell) => ({ ...cell, share: share(cell.count, total), base: total })),
  };
}

/** A one-dimensional section over a fixed vocabulary (zeros shown, unexpected keys kept). */
function vocabularySection(
  id: FigureSectionId,
  unit: FigureUnit,
  vocabulary: readonly string[],
  cells: readonly CountCell[],
): FigureSection {
  const counts = byKey(cells);
  const keys = orderedKeys(vocabulary, counts.keys());
  return section(
    id,
    unit,
    keys.map((key) => ({ key, subkey: null, count: counts.get(key) ?? 0 })),
    sum(cells),
  );
}

/** A one-dimensional section over keys found in the data: largest first, `unknown` last. */
function rankedSection(id: FigureSectionId, unit: FigureUnit, cells: readonly CountCell[]): FigureSection {
  const counts = [...byKey(cells)].filter(([, count]) => count > 0);
  counts.sort(([a, x], [b, y]) =>
    a === 'unknown' ? 1 : b === 'unknown' ? -1 : y - x || (a < b ? -1 : a > b ? 1 : 0),
  );
  return section(
    id,
    unit,
    counts.map(([key, count]) => ({ key, subkey: null, count })),
    sum(cells),
  );
}

/** A cross-tab over two vocabularies, every combination present (row-major). */
function crossSection(
  id: FigureSectionId,
  unit: FigureUnit,
  rows: readonly string[],
  columns: readonly string[],
  cells: readonly CountCell[],
): FigureSection {
  const counts = new Map(cells.map((cell) => [`${cell.key}\u0000${cell.subkey ?? ''}`, cell.count]));
  const rowKeys = orderedKeys(
    rows,
    cells.map((c) => c.key),
  );
  const columnKeys = orderedKeys(
    columns,
    cells.map((c) => c.subkey ?? ''),
  );
  const out: { key: string; subkey: string; count: number }[] = [];
  for (const key of rowKeys) {
    for (const subkey of columnKeys)
      out.push({ key, subkey, count: counts.get(`${key}\u0000${subkey}`) ?? 0 });
  }
  return section(id, unit, out, sum(cells));
}

function unavailable(id: FigureSectionId, unit: FigureUnit): FigureSection {
  return { id, unit, available: false, total: null, cells: [] };
}

/**
 * Turns a store's grouped counts into the figures: fixed vocabularies in their order with zeros
 * filled (a stable layout for charts and CSV), keys found in the data ranked, totals, shares, and
 * the overview with the base of every share.
 */
export function assembleFigures(
  counts: FigureCounts,
  period: StatisticsPeriod,
  generatedAt: Date,
): HotlineFigures {
  const months = monthsOf(period);
  const monthChannel = crossSection(
    'reports_by_month_channel',
    'reports',
    months,
    REPORT_CHANNELS,
    counts.reportsByMonthChannel,
  );
  const channelCounts = byKey(
    counts.reportsByMonthChannel.map((c) => ({ key: c.subkey ?? '', subkey: null, count: c.count })),
  );
  const byChannel = vocabularySection(
    'reports_by_channel',
    'reports',
    REPORT_CHANNELS,
    [...channelCounts].map(([key, count]) => ({ key, subkey: null, count })),
  );
  const outcome = vocabularySection('report_outcome', 'reports', REPORT_OUTCOMES, counts.reportOutcome);
  const urls = vocabularySection(
    'url_accessibility',
    'urls',
    [...URL_ACCESSIBILITY, 'not_captured'],
    counts.urlAccessibility,
  );
  const countries = rankedSection('hosting_countries', 'urls', counts.hostingCountries);
  const mediaOutcome = vocabularySection('media_outcome', 'media_items', MEDIA_OUTCOMES, counts.mediaOutcome);
  const outcomes = byKey(counts.mediaOutcome);
  const known = outcomes.get('previously_known') ?? 0;
  const mediaTotal = sum(counts.mediaOutcome);
  const mediaKnown = section(
    'media_known',
    'media_items',
    [
      { key: 'new', subkey: null, count: mediaTotal - known },
      { key: 'previously_known', subkey: null, count: known },
    ],
    mediaTotal,
  );
  const ageSeverity = crossSection(
    'age_severity',
    'media_items',
    AGE_BANDS,
    SEVERITY_KEYS,
    counts.ageSeverity,
  );
  const selfGenerated = vocabularySection(
    'self_generated',
    'media_items',
    SELF_GENERATED_VALUES,
    counts.selfGenerated,
  );
  const origin = vocabularySection('content_origin', 'media_items', CONTENT_ORIGINS, counts.contentOrigin);
  const referrals =
    counts.referralTargets === null
      ? unavailable('referral_targets', 'referrals')
      : rankedSection('referral_targets', 'referrals', counts.referralTargets);
  const removals =
    counts.removalTimes === null
      ? unavailable('removal_times', 'takedowns')
      : vocabularySection('removal_times', 'takedowns', REMOVAL_BUCKETS, counts.removalTimes);

  const received = sum(counts.reportsByMonthChannel);
  const reportOutcomes = byKey(counts.reportOutcome);
  const assessed = received - (reportOutcomes.get('in_progress') ?? 0);
  const urlsReported = sum(counts.urlAccessibility);
  const illegalMedia = [...outcomes]
    .filter(([key]) => isIllegalOutcome(key as MediaOutcome))
    .reduce((t, [, n]) => t + n, 0);
  const assessedIllegal = sum(counts.selfGenerated);
  const overviewCell = (key: string, count: number, base: number | null): FigureCell => ({
    key,
    subkey: null,
    count,
    share: share(count, base),
    base,
  });
  const overview: FigureSection = {
    id: 'overview',
    unit: 'mixed',
    available: true,
    total: null,
    cells: [
      overviewCell('reports_received', received, null),
      overviewCell('reports_assessed', assessed, received),
      overviewCell('reports_illegal', reportOutcomes.get('illegal') ?? 0, assessed),
      overviewCell('urls_reported', urlsReported, null),
      overviewCell('urls_illegal', countries.total ?? 0, urlsReported),
      overviewCell('media_items', mediaTotal, null),
      overviewCell('media_illegal', illegalMedia, mediaTotal),
      overviewCell('media_previously_known', known, mediaTotal),
      overviewCell('media_self_generated', byKey(counts.selfGenerated).get('yes') ?? 0, assessedIllegal),
      overviewCell(
        'media_ai_generated',
        byKey(counts.contentOrigin).get('ai_generated') ?? 0,
        assessedIllegal,
      ),
    ],
  };
  return {
    period,
    generatedAt,
    sections: {
      overview,
      reports_by_month_channel: monthChannel,
      reports_by_channel: byChannel,
      report_outcome: outcome,
      url_accessibility: urls,
      hosting_countries: countries,
      media_outcome: mediaOutcome,
      media_known: mediaKnown,
      age_severity: ageSeverity,
      self_generated: selfGenerated,
      content_origin: origin,
      referral_targets: referrals,
      removal_times: removals,
    },
  };
}
