import { FIGURE_SECTIONS, type HotlineFigures } from './statistics-figures.js';

/** The CSV columns, in order: a stable layout that spreadsheets and scripts can rely on. */
export const STATISTICS_CSV_COLUMNS = ['section', 'key', 'subkey', 'count', 'share'] as const;

/** A CSV field: quoted when needed (RFC 4180), and never read as a formula by a spreadsheet. */
function field(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A share as a decimal with four places (`0.4167`), empty when there is none. */
function shareText(share: number | null): string {
  return share === null ? '' : share.toFixed(4);
}

/**
 * The figures as CSV (RFC 4180, CRLF line ends, UTF-8): one row per cell of every available
 * section (`section, key, subkey, count, share`; `subkey` empty in one-dimensional sections), and
 * after each section with a total a row with key `total`. Sections the store cannot compute yet
 * are left out. Keys are vocabulary values, months or country codes: no report text, no URL.
 */
export function figuresToCsv(figures: HotlineFigures): { readonly csv: string; readonly rows: number } {
  const lines: string[] = [STATISTICS_CSV_COLUMNS.join(',')];
  for (const id of FIGURE_SECTIONS) {
    const section = figures.sections[id];
    if (!section.available) continue;
    for (const cell of section.cells) {
      lines.push(
        [id, cell.key, cell.subkey ?? '', String(cell.count), shareText(cell.share)].map(field).join(','),
      );
    }
    if (section.total !== null) {
      lines.push(
        [id, 'total', '', String(section.total), section.total > 0 ? shareText(1) : ''].map(field).join(','),
      );
    }
  }
  return { csv: `${lines.join('\r\n')}\r\n`, rows: lines.length - 1 };
}
