import type { HotlineStore } from '../hotline/hotline-store.js';
import type { CountCell, FigureCounts, StatisticsPeriod } from '../hotline/statistics/statistics-figures.js';
import {
  combineAssessments,
  isIllegalOutcome,
  mediaOutcomeOf,
  reportOutcomeOf,
} from '../hotline/statistics/statistics-rules.js';
import { removalBucketOf } from '../hotline/takedown/takedown-records.js';
import type {
  StatisticsReferralFacts,
  StatisticsStore,
  StatisticsTakedownFacts,
} from '../hotline/statistics/statistics-store.js';

/** Options of {@link createMemoryStatisticsStore}. */
export interface MemoryStatisticsStoreOptions {
  /** The hotline's data (any {@link HotlineStore}); read through its ports only. */
  readonly hotline: HotlineStore;
  /** Reports that exist already (the port cannot list every report, so new ones are tracked). */
  readonly reportIds?: Iterable<string>;
  /** The referral records, when the deployment keeps them (else the section is unavailable). */
  readonly referrals?: () => Promise<readonly StatisticsReferralFacts[]>;
  /** The takedown records, when the deployment keeps them (else the section is unavailable). */
  readonly takedowns?: () => Promise<readonly StatisticsTakedownFacts[]>;
}

/** What {@link createMemoryStatisticsStore} returns. */
export interface MemoryStatistics {
  readonly statistics: StatisticsStore;
  /**
   * The same hotline store, which also remembers the id of every report created through it: write
   * reports through this one so the statistics see them.
   */
  readonly hotline: HotlineStore;
}

/**
 * An in-memory {@link StatisticsStore} over a {@link HotlineStore}: it reads every tracked report
 * with its URLs, media and assessments and applies the rules of statistics-rules.ts row by row.
 * The SQL store computes the same counts with GROUP BY; the storage tests check they agree.
 */
export function createMemoryStatisticsStore(options: MemoryStatisticsStoreOptions): MemoryStatistics {
  const ids = new Set<string>(options.reportIds ?? []);
  const source = options.hotline;
  const hotline = new Proxy(source, {
    get(target, property) {
      if (property === 'createReport') {
        const create: HotlineStore['createReport'] = async (record) => {
          const created = await target.createReport(record);
          ids.add(created.report.id);
          return created;
        };
        return create;
      }
      const value: unknown = Reflect.get(target, property, target);
      // Methods of a class with private fields must run with the original object as `this`.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    hotline,
    statistics: {
      countFigures: (period) => countFigures(source, ids, period, options),
    },
  };
}

/** Grouped counts, built like GROUP BY: a key per distinct (key, subkey). */
class Counter {
  readonly #counts = new Map<string, { key: string; subkey: string | null; count: number }>();

  add(key: string, subkey: string | null = null): void {
    const id = `${key}\u0000${subkey ?? '\u0001'}`;
    const cell = this.#counts.get(id);
    if (cell) cell.count++;
    else this.#counts.set(id, { key, subkey, count: 1 });
  }

  cells(): CountCell[] {
    return [...this.#counts.values()].map((cell) => ({ ...cell }));
  }
}

async function countFigures(
  hotline: HotlineStore,
  ids: ReadonlySet<string>,
  period: StatisticsPeriod,
  options: MemoryStatisticsStoreOptions,
): Promise<FigureCounts> {
  const monthChannel = new Counter();
  const reportOutcome = new Counter();
  const urlAccessibility = new Counter();
  const hostingCountries = new Counter();
  const mediaOutcome = new Counter();
  const ageSeverity = new Counter();
  const selfGenerated = new Counter();
  const contentOrigin = new Counter();
  const inPeriod = new Set<string>();

  for (const id of ids) {
    const report = await hotline.getReport(id);
    if (!report || report.receivedAt < period.from || report.receivedAt >= period.to) continue;
    inPeriod.add(report.id);
    monthChannel.add(report.receivedAt.toISOString().slice(0, 7), report.channel);
    const urls = await hotline.listUrls(report.id);
    const illegalUrlIds = new Set<number>();
    let hasIllegal = false;
    for (const media of await hotline.listMedia(report.id)) {
      const assessments = await hotline.listAssessments(media.id);
      const outcome = mediaOutcomeOf(media, assessments);
      mediaOutcome.add(outcome);
      if (!isIllegalOutcome(outcome)) continue;
      hasIllegal = true;
      illegalUrlIds.add(media.urlId);
      if (outcome === 'previously_known') continue;
      // Characteristics come from analysts' assessments: previously known items were not assessed again.
      const combined = combineAssessments(assessments);
      ageSeverity.add(combined.ageBand, combined.severity);
      selfGenerated.add(combined.selfGenerated);
      contentOrigin.add(combined.contentOrigin);
    }
    reportOutcome.add(reportOutcomeOf(report.status, hasIllegal));
    for (const url of urls) {
      urlAccessibility.add(url.accessibility ?? 'not_captured');
      if (illegalUrlIds.has(url.id)) hostingCountries.add(url.trace?.country ?? 'unknown');
    }
  }

  let referralTargets: CountCell[] | null = null;
  if (options.referrals) {
    const counter = new Counter();
    for (const referral of await options.referrals())
      if (inPeriod.has(referral.reportId)) counter.add(referral.target);
    referralTargets = counter.cells();
  }
  let removalTimes: CountCell[] | null = null;
  if (options.takedowns) {
    const counter = new Counter();
    for (const takedown of await options.takedowns()) {
      if (!inPeriod.has(takedown.reportId) || takedown.noticeSentAt === null) continue;
      counter.add(removalBucketOf(takedown));
    }
    removalTimes = counter.cells();
  }
  return {
    reportsByMonthChannel: monthChannel.cells(),
    reportOutcome: reportOutcome.cells(),
    urlAccessibility: urlAccessibility.cells(),
    hostingCountries: hostingCountries.cells(),
    mediaOutcome: mediaOutcome.cells(),
    ageSeverity: ageSeverity.cells(),
    selfGenerated: selfGenerated.cells(),
    contentOrigin: contentOrigin.cells(),
    referralTargets,
    removalTimes,
  };
}
