// The dashboard's only network calls: same origin, GET, under /v1/workbench (the session cookie
// goes along; nothing is stored in the browser).

/** One number of the figures, with the count its share is of. */
export interface FigureCell {
  readonly key: string;
  readonly subkey: string | null;
  readonly count: number;
  readonly share: number | null;
  readonly base: number | null;
}

/** The sections the server computes, in its order. */
export type FigureSectionId =
  | 'overview'
  | 'reports_by_month_channel'
  | 'reports_by_channel'
  | 'report_outcome'
  | 'url_accessibility'
  | 'hosting_countries'
  | 'media_outcome'
  | 'media_known'
  | 'age_severity'
  | 'self_generated'
  | 'content_origin'
  | 'referral_targets'
  | 'removal_times';

/** One section of the figures. */
export interface FigureSection {
  readonly id: FigureSectionId;
  readonly unit: 'reports' | 'urls' | 'media_items' | 'referrals' | 'takedowns' | 'mixed';
  /** False when the deployment records no such data yet. */
  readonly available: boolean;
  readonly total: number | null;
  readonly cells: readonly FigureCell[];
}

/** `GET /v1/workbench/statistics`. */
export interface Figures {
  /** Days `YYYY-MM-DD` (UTC), `to` exclusive. */
  readonly period: { readonly from: string; readonly to: string };
  readonly generatedAt: string;
  readonly sections: readonly FigureSection[];
}

/** A period to ask for: days `YYYY-MM-DD`, `to` exclusive. */
export interface Period {
  readonly from: string;
  readonly to: string;
}

/** A failed call: the HTTP status and the problem's stable code. */
export class StatisticsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string | null,
  ) {
    super(detail ?? code);
    this.name = 'StatisticsError';
  }
}

const query = (period: Period) =>
  `from=${encodeURIComponent(period.from)}&to=${encodeURIComponent(period.to)}`;

/** The figures of a period. */
export async function fetchFigures(period: Period, signal?: AbortSignal): Promise<Figures> {
  const response = await fetch(`/v1/workbench/statistics?${query(period)}`, {
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
    cache: 'no-store',
    referrerPolicy: 'no-referrer',
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string };
    throw new StatisticsError(response.status, problem.code ?? 'INTERNAL', problem.detail ?? null);
  }
  return (await response.json()) as Figures;
}

/** Where the CSV export of a period downloads from (a plain link: the browser sends the cookie). */
export function csvUrl(period: Period): string {
  return `/v1/workbench/statistics.csv?${query(period)}`;
}

const day = (date: Date) => date.toISOString().slice(0, 10);

/** The period presets of the filter. */
export type PeriodPreset = 'this_year' | 'last_year' | 'last_12_months';

/** A preset's period, in UTC, relative to `today`. */
export function presetPeriod(preset: PeriodPreset, today: Date): Period {
  const year = today.getUTCFullYear();
  switch (preset) {
    case 'this_year':
      return { from: `${year}-01-01`, to: `${year + 1}-01-01` };
    case 'last_year':
      return { from: `${year - 1}-01-01`, to: `${year}-01-01` };
    default:
      // The current month and the eleven before it, whole months.
      return {
        from: day(new Date(Date.UTC(year, today.getUTCMonth() - 11, 1))),
        to: day(new Date(Date.UTC(year, today.getUTCMonth() + 1, 1))),
      };
  }
}
