// Display words for the statistics' keys in the current language (`statistics-messages.ts`), and
// counts, shares, months and countries written the language's way through Intl.
import { ST } from './statistics-messages.js';

/** Section titles, in the current language. */
export function sectionTitle(id: string): string {
  return (ST.sections as Readonly<Record<string, string>>)[id] ?? id;
}

/** What a section's numbers count, in the current language (for captions and descriptions). */
export function unitWord(unit: string): string {
  return (ST.units as Readonly<Record<string, string>>)[unit] ?? ST.units.mixed;
}

const table = (t: object, key: string): string | undefined => (t as Readonly<Record<string, string>>)[key];

const regionNames = new Map<string, Intl.DisplayNames | null>();

/** A country's name from its ISO code, in the current language (the code where the browser has no name). */
function countryName(code: string): string {
  let names = regionNames.get(ST.locale);
  if (names === undefined) {
    try {
      names = new Intl.DisplayNames([ST.locale], { type: 'region' });
    } catch {
      names = null;
    }
    regionNames.set(ST.locale, names);
  }
  if (!/^[A-Z]{2}$/.test(code) || !names) return code;
  return names.of(code) ?? code;
}

/** The display word of a key in a section. */
export function labelOf(section: string, key: string): string {
  switch (section) {
    case 'reports_by_month_channel':
    case 'reports_by_channel':
      return table(ST.channels, key) ?? key;
    case 'report_outcome':
      return table(ST.outcomes, key) ?? key;
    case 'media_outcome':
      return table(ST.mediaOutcomes, key) ?? key;
    case 'overview':
      return table(ST.overview, key) ?? key;
    case 'hosting_countries':
      return key === 'unknown' ? ST.text.unknown : countryName(key);
    default:
      return table(ST.other, key) ?? key;
  }
}

/** `2025-03` as `Mar 2025` (`mrt 2025`, `mars 2025`, …: the current language's short month). */
export function monthLabel(month: string): string {
  const [year, m] = month.split('-').map(Number);
  if (!year || !m) return month;
  return new Date(Date.UTC(year, m - 1, 1)).toLocaleDateString(ST.locale, {
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/** A count with the current language's digit grouping. */
export function formatCount(count: number): string {
  return new Intl.NumberFormat(ST.locale).format(count);
}

/** A share as a percentage with one decimal (the language's decimal sign), or an en dash. */
export function formatShare(share: number | null): string {
  if (share === null) return '–';
  const number = new Intl.NumberFormat(ST.locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return `${number.format(share * 100)} %`;
}
