import { suppressSmallCounts, type PublishedCount } from './figures-suppression.js';
import type { FigureSection, FigureSectionId, FigureUnit, HotlineFigures } from './statistics-figures.js';

/** The sections a hotline publishes yearly, in order (DOMAIN.md §8.9); aggregates only. */
export const PUBLIC_FIGURE_TABLES = [
  'reports_by_month_channel',
  'report_outcome',
  'media_known',
  'age_severity',
  'self_generated',
  'content_origin',
  'hosting_countries',
  'referral_targets',
  'removal_times',
] as const satisfies readonly FigureSectionId[];
export type PublicFigureTableId = (typeof PUBLIC_FIGURE_TABLES)[number];

/** Tables whose rows come from the data (countries, targets): their order must not rank withheld counts. */
const DATA_KEYED: readonly PublicFigureTableId[] = ['hosting_countries', 'referral_targets'];

/** One published table: every count withheld where it is small or would give a small one away. */
export interface PublicFigureTable {
  readonly id: PublicFigureTableId;
  readonly unit: FigureUnit;
  readonly rows: readonly string[];
  /** The column keys of a cross-tab; null for a list (one count per row). */
  readonly columns: readonly string[] | null;
  /** `cells[row][column]` (a list has one column). */
  readonly cells: readonly (readonly PublishedCount[])[];
  /** Per row (cross-tabs only). */
  readonly rowTotals: readonly PublishedCount[] | null;
  /** Per column (cross-tabs only). */
  readonly columnTotals: readonly PublishedCount[] | null;
  readonly total: PublishedCount;
}

/** A year's published figures: no report ids, no URLs, no dates finer than a month. */
export interface PublicFigures {
  readonly year: number;
  /** Counts below this are never published. */
  readonly k: number;
  readonly generatedAt: Date;
  readonly tables: readonly PublicFigureTable[];
}

function tableOf(section: FigureSection, k: number): PublicFigureTable {
  const id = section.id as PublicFigureTableId;
  const cross = section.cells.some((cell) => cell.subkey !== null);
  if (cross) {
    const rows = [...new Set(section.cells.map((cell) => cell.key))];
    const columns = [...new Set(section.cells.map((cell) => cell.subkey ?? ''))];
    const counts = new Map(
      section.cells.map((cell) => [`${cell.key}\u0000${cell.subkey ?? ''}`, cell.count]),
    );
    const suppressed = suppressSmallCounts(
      {
        rows,
        columns,
        counts: rows.map((row) => columns.map((column) => counts.get(`${row}\u0000${column}`) ?? 0)),
      },
      k,
    );
    return { id, unit: section.unit, ...suppressed };
  }
  const suppressed = suppressSmallCounts(
    {
      rows: section.cells.map((cell) => cell.key),
      columns: ['count'],
      counts: section.cells.map((cell) => [cell.count]),
    },
    k,
  );
  let order = suppressed.rows.map((_, i) => i);
  if (DATA_KEYED.includes(id)) {
    // Published counts largest first, then the withheld ones alphabetically (never ranked), `unknown` last.
    const value = (i: number) => {
      const cell = suppressed.cells[i]![0]!;
      return 'value' in cell ? cell.value : -1;
    };
    const key = (i: number) => suppressed.rows[i]!;
    order = order.sort((a, b) =>
      key(a) === 'unknown'
        ? 1
        : key(b) === 'unknown'
          ? -1
          : value(b) - value(a) || (key(a) < key(b) ? -1 : 1),
    );
  }
  return {
    id,
    unit: section.unit,
    rows: order.map((i) => suppressed.rows[i]!),
    columns: null,
    cells: order.map((i) => suppressed.cells[i]!),
    rowTotals: null,
    columnTotals: null,
    total: suppressed.total,
  };
}

/**
 * The public view of a year's figures: the sections of {@link PUBLIC_FIGURE_TABLES} that are
 * available, each suppressed with {@link suppressSmallCounts} (k from the configuration, at least
 * 10). Shares are left to the reader of the published counts, so nothing withheld leaks through
 * a percentage.
 */
export function publicFiguresOf(figures: HotlineFigures, year: number, k: number): PublicFigures {
  return {
    year,
    k,
    generatedAt: figures.generatedAt,
    tables: PUBLIC_FIGURE_TABLES.map((id) => figures.sections[id])
      .filter((section) => section.available)
      .map((section) => tableOf(section, k)),
  };
}
