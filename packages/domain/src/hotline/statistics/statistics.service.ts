import { DomainError } from '../../domain-error.js';
import type { Clock } from '../../ports/clock.js';
import type { Analyst } from '../hotline-records.js';
import type { HotlineStore } from '../hotline-store.js';
import { MIN_PUBLISHED_COUNT } from './figures-suppression.js';
import { publicFiguresOf, type PublicFigures } from './public-figures.js';
import { figuresToCsv } from './statistics-csv.js';
import {
  assembleFigures,
  parseStatisticsPeriod,
  startOfUtcYear,
  type HotlineFigures,
} from './statistics-figures.js';
import type { StatisticsStore } from './statistics-store.js';

/** How the public yearly figures are published. */
export interface PublicFiguresSettings {
  /** Counts below k are withheld (at least {@link MIN_PUBLISHED_COUNT}). */
  readonly k: number;
  /**
   * Publish the current, unfinished year too (default false). Figures that change from one day
   * to the next let a reader tell what one new report was by comparing two days (a differencing
   * attack), so by default only completed years are published.
   */
  readonly publishCurrentYear: boolean;
  /** The first year with figures (earlier years answer FIGURES_NOT_PUBLISHED). */
  readonly firstYear: number;
  /** How long a year's public figures are reused before they are computed again (ms). */
  readonly cacheMs: number;
}

/** What {@link StatisticsService} needs. */
export interface StatisticsServiceDependencies {
  readonly store: StatisticsStore;
  /** The audit log (CSV exports are recorded). */
  readonly audit: Pick<HotlineStore, 'appendAudit'>;
  readonly clock: Clock;
  readonly publicFigures: PublicFiguresSettings;
}

/** A CSV export of the figures. */
export interface StatisticsCsv {
  /** `hashline-statistics-<from>_<to>.csv` (to exclusive). */
  readonly filename: string;
  readonly csv: string;
  /** Data rows (without the header). */
  readonly rows: number;
}

/** The public default settings: k = 10, completed years only, figures reused for 10 minutes. */
export const DEFAULT_PUBLIC_FIGURES: PublicFiguresSettings = {
  k: MIN_PUBLISHED_COUNT,
  publishCurrentYear: false,
  firstYear: 2000,
  cacheMs: 10 * 60_000,
};

const day = (date: Date) => date.toISOString().slice(0, 10);

/**
 * The hotline's statistics: the workbench dashboard's figures for any period, their CSV export
 * (audited as `statistics_exported`), and the public yearly figures with small counts suppressed.
 * Any signed-in member of staff may see the figures: they hold counts only.
 */
export class StatisticsService {
  readonly #deps: StatisticsServiceDependencies;
  readonly #publicCache = new Map<
    number,
    { readonly until: number; readonly figures: Promise<PublicFigures> }
  >();

  constructor(deps: StatisticsServiceDependencies) {
    if (!Number.isInteger(deps.publicFigures.k) || deps.publicFigures.k < MIN_PUBLISHED_COUNT) {
      throw new RangeError(`The public figures' k must be at least ${MIN_PUBLISHED_COUNT}.`);
    }
    this.#deps = deps;
  }

  /**
   * The figures of a period (`from`/`to` as `YYYY-MM-DD`, `to` exclusive; default the current
   * year) for the dashboard.
   * @throws DomainError VALIDATION_FAILED for a malformed or too long period
   */
  async figures(
    analyst: Analyst,
    query: { readonly from?: unknown; readonly to?: unknown },
  ): Promise<HotlineFigures> {
    void analyst;
    const period = parseStatisticsPeriod(query, this.#deps.clock.now());
    return assembleFigures(await this.#deps.store.countFigures(period), period, this.#deps.clock.now());
  }

  /** The figures of a period as CSV; the export is audited (who, which period, how many rows). */
  async exportCsv(
    analyst: Analyst,
    query: { readonly from?: unknown; readonly to?: unknown },
  ): Promise<StatisticsCsv> {
    const figures = await this.figures(analyst, query);
    const { csv, rows } = figuresToCsv(figures);
    const from = day(figures.period.from);
    const to = day(figures.period.to);
    await this.#deps.audit.appendAudit(
      {
        actor: analyst.id,
        action: 'statistics_exported',
        subjectType: 'statistics',
        subjectId: `${from}/${to}`,
        details: { from, to, rows, format: 'csv' },
      },
      this.#deps.clock.now(),
    );
    return { filename: `hashline-statistics-${from}_${to}.csv`, csv, rows };
  }

  /** The years the public page may ask for, newest first. */
  publishedYears(): number[] {
    const settings = this.#deps.publicFigures;
    const current = this.#deps.clock.now().getUTCFullYear();
    const last = settings.publishCurrentYear ? current : current - 1;
    const years: number[] = [];
    for (let year = last; year >= settings.firstYear; year--) years.push(year);
    return years;
  }

  /**
   * A year's public figures (default: the last published year), aggregates only with counts
   * below k withheld, reused for `cacheMs`.
   * @throws DomainError VALIDATION_FAILED when `year` is not a year; FIGURES_NOT_PUBLISHED when
   *   the year is not published (the future, the unfinished current year, before `firstYear`)
   */
  async publicFigures(year?: unknown): Promise<PublicFigures> {
    const years = this.publishedYears();
    let chosen: number;
    if (year === undefined || year === '') {
      if (years.length === 0)
        throw new DomainError('FIGURES_NOT_PUBLISHED', 'No year has been published yet.');
      chosen = years[0]!;
    } else {
      if (typeof year !== 'string' || !/^\d{4}$/.test(year)) {
        throw new DomainError('VALIDATION_FAILED', 'year must be a four-digit year.', [
          { at: '/year', code: 'VALIDATION_FAILED', message: 'year must be a four-digit year, e.g. 2025.' },
        ]);
      }
      chosen = Number(year);
      if (!years.includes(chosen)) {
        throw new DomainError('FIGURES_NOT_PUBLISHED', `The figures of ${chosen} are not published.`);
      }
    }
    const now = this.#deps.clock.now().getTime();
    const cached = this.#publicCache.get(chosen);
    if (cached && cached.until > now) return cached.figures;
    const figures = this.#computePublic(chosen);
    this.#publicCache.set(chosen, { until: now + this.#deps.publicFigures.cacheMs, figures });
    figures.catch(() => this.#publicCache.delete(chosen));
    return figures;
  }

  async #computePublic(year: number): Promise<PublicFigures> {
    const period = { from: startOfUtcYear(year), to: startOfUtcYear(year + 1) };
    const figures = assembleFigures(
      await this.#deps.store.countFigures(period),
      period,
      this.#deps.clock.now(),
    );
    return publicFiguresOf(figures, year, this.#deps.publicFigures.k);
  }
}
