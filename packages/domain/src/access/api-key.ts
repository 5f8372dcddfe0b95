/**
 * What an API key may do.
 * - `admin`: everything, including managing keys.
 * - `banks:write`: create and change banks and entries, import, export; implies `banks:read`.
 * - `banks:read`: read banks and entries, sync changes (platforms consuming shared banks).
 * - `match`: match hashes or media with full results (entries, distances, banks).
 * - `match:verdict`: match, but learn only whether something matched: no distances, no entries;
 *   small batches, hash quotas and probing detection (the server's VerdictGuard) make reading a
 *   banked hash out of the yes/no answers slow and visible (SECURITY.md §2).
 * - `exchange:submit`: a partner hotline forwarding a case (`POST /v1/exchange/reports`); nothing else.
 */
export const API_SCOPES = [
  'admin',
  'banks:write',
  'banks:read',
  'match',
  'match:verdict',
  'exchange:submit',
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** An API key as stored: never the secret itself, only its SHA-256. */
export interface ApiKey {
  /** Public identifier, also the prefix of the token (`hl_<id>_<secret>`). */
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly ApiScope[];
  /** Lower-case hex SHA-256 of the secret part of the token. */
  readonly secretHash: string;
  /** Requests per second allowed (token bucket rate); null = the server default. */
  readonly rateLimitPerSecond: number | null;
  /**
   * The banks (by name) this key may read, write and match against (issue 15); null or absent:
   * every bank. Enforced on every bank route and on matching.
   */
  readonly banks?: readonly string[] | null;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/** Whether `granted` scopes allow an operation that needs any of `needed`. */
export function hasScope(granted: readonly ApiScope[], needed: readonly ApiScope[]): boolean {
  if (granted.includes('admin')) return true;
  return needed.some(
    (scope) => granted.includes(scope) || (scope === 'banks:read' && granted.includes('banks:write')),
  );
}

/** Whether `key` may use the bank named `bankName` (its bank list, if it has one, names it). */
export function keyAllowsBank(key: Pick<ApiKey, 'banks'>, bankName: string): boolean {
  return key.banks === undefined || key.banks === null || key.banks.includes(bankName);
}
