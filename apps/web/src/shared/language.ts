// Language negotiation shared by the web app's pages: every page speaks Dutch, French, German and
// English (Belgium's languages plus English), chosen from `?lang=`, then the browser, else English.

/** The languages of the web app's pages. */
export const LANGUAGES = ['nl', 'fr', 'de', 'en'] as const;
/** One of {@link LANGUAGES}. */
export type Language = (typeof LANGUAGES)[number];

/** Whether a string is one of {@link LANGUAGES}. */
export function isLanguage(value: string | null | undefined): value is Language {
  return (LANGUAGES as readonly string[]).includes(value ?? '');
}

/** Fills `{name}` placeholders (unknown names stay as written, so a missing value is visible). */
export function fill(text: string, values: Readonly<Record<string, string | number>>): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

/** The best language for the browser's preferences (English when none of ours is listed). */
export function preferredLanguage(preferences: readonly string[]): Language {
  for (const tag of preferences) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

/** The page's starting language: `?lang=xx` when it is ours, else the browser's preferences. */
export function initialLanguage(search: string, preferences: readonly string[]): Language {
  const fromUrl = new URLSearchParams(search).get('lang');
  return isLanguage(fromUrl) ? fromUrl : preferredLanguage(preferences);
}
