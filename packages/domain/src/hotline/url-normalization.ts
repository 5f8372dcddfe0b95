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
