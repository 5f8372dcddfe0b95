/**
 * Characters that have no business in a reported URL and would mislead whoever reads it: C0 and C1
 * control characters (NUL among them) and the Unicode bidirectional controls (U+202A–U+202E
 * embeddings and overrides, U+2066–U+2069 isolates, U+200E/U+200F/U+061C marks), which can make
 * `https://evil.example/<U+202E>gpj.exe` display as something else in the workbench.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const URL_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A reported URL with its control and bidi characters percent-encoded (as a browser sends them):
 * nothing of what was reported is lost, and nothing invisible is stored or shown.
 */
export function encodeUrlControls(url: string): string {
  return url.replace(URL_CONTROLS, (ch) => encodeURIComponent(ch));
}

/**
 * The form of a reported URL used to fold duplicates: scheme and host lower case, default port and
 * fragment dropped, an empty path as `/`, a trailing dot of the host dropped. Path and query keep
 * their case (servers treat them as case-sensitive). Returns null for anything but http(s).
 */
export function normalizeReportedUrl(input: string): string | null {
  const match =
    /^(https?):\/\/(?:[^@/?#]*@)?(\[[^\]]+\]|[^:/?#]*)(?::(\d*))?([^?#]*)(\?[^#]*)?(?:#.*)?$/i.exec(
      input.trim(),
    );
  if (!match) return null;
  const scheme = match[1]!.toLowerCase();
  const host = match[2]!.toLowerCase().replace(/\.$/, '');
  if (host === '') return null;
  const port = match[3] ?? '';
  const defaultPort = scheme === 'http' ? '80' : '443';
  const portPart = port === '' || port === defaultPort ? '' : `:${Number(port)}`;
  const path = match[4] === undefined || match[4] === '' ? '/' : match[4];
  return `${scheme}://${host}${portPart}${path}${match[5] ?? ''}`;
}

/** The host of a URL (lower case), or null. */
export function hostOf(input: string): string | null {
  const normalized = normalizeReportedUrl(input);
  if (normalized === null) return null;
  return /^https?:\/\/(\[[^\]]+\]|[^:/?#]*)/.exec(normalized)?.[1] ?? null;
}
