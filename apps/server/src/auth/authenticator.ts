import { DomainError, isDomainError, type ApiKey, type ApiKeyStore } from '@hashline/domain';
import { parseToken, secretMatches } from './api-key-tokens.js';

interface CachedKey {
  readonly key: ApiKey | undefined;
  readonly until: number;
}

/**
 * Checks API tokens against the key store. Verified keys are cached for `cacheMs` so the hot path
 * does not read the store per request; a key revoked through this process is forgotten at once,
 * one revoked elsewhere stops working within `cacheMs`. The secret is compared as SHA-256 digests
 * in constant time; no secret or token is ever logged or kept.
 */
export class ApiKeyAuthenticator {
  readonly #store: ApiKeyStore;
  readonly #cacheMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, CachedKey>();

  readonly #storeAvailable: () => boolean;

  /**
   * @param storeAvailable whether the store answers now (the server's health check): while it
   *   does not, a key verified before is trusted without asking the store, so matching keeps
   *   answering from memory during an outage.
   */
  constructor(
    store: ApiKeyStore,
    cacheMs: number,
    now: () => number = Date.now,
    storeAvailable: () => boolean = () => true,
  ) {
    this.#store = store;
    this.#cacheMs = cacheMs;
    this.#now = now;
    this.#storeAvailable = storeAvailable;
  }

  /**
   * The key a request presents in `Authorization: Bearer <token>` or `X-API-Key: <token>`.
   * @throws {DomainError} UNAUTHENTICATED (missing, malformed, unknown, wrong secret or revoked)
   */
  async authenticate(authorization: string | undefined, apiKeyHeader: string | undefined): Promise<ApiKey> {
    const token = tokenFrom(authorization, apiKeyHeader);
    const parsed = parseToken(token);
    if (!parsed) {
      throw new DomainError('UNAUTHENTICATED', 'The API key is malformed: expected hl_<id>_<secret>.');
    }
    const key = await this.#lookup(parsed.id);
    if (!key || !secretMatches(parsed.secret, key.secretHash)) {
      throw new DomainError('UNAUTHENTICATED', 'The API key is not valid.');
    }
    if (key.revokedAt !== null) throw new DomainError('UNAUTHENTICATED', 'The API key has been revoked.');
    return key;
  }

  /** Drops a key from the cache (after revoking it). */
  forget(id: string): void {
    this.#cache.delete(id);
  }

  async #lookup(id: string): Promise<ApiKey | undefined> {
    const now = this.#now();
    const cached = this.#cache.get(id);
    if (cached && cached.until > now) return cached.key;
    // While the store is away, a key verified before keeps working until the store is back: it
    // cannot have been revoked meanwhile (revoking needs the store), and a key never seen is
    // still refused (with the store's 503).
    if (cached && !this.#storeAvailable()) return cached.key;
    let key: ApiKey | undefined;
    try {
      key = await this.#store.getApiKey(id);
    } catch (error) {
      if (cached && isDomainError(error) && error.code === 'STORE_UNAVAILABLE') return cached.key;
      throw error;
    }
    // Only found keys are cached: caching misses would let random ids fill the map.
    if (key && this.#cacheMs > 0) {
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(id, { key, until: now + this.#cacheMs });
    } else this.#cache.delete(id);
    return key;
  }
}

function tokenFrom(authorization: string | undefined, apiKeyHeader: string | undefined): string {
  if (authorization !== undefined) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (!m) {
      throw new DomainError(
        'UNAUTHENTICATED',
        'Use "Authorization: Bearer hl_<id>_<secret>" or the X-API-Key header.',
      );
    }
    return m[1]!;
  }
  if (apiKeyHeader !== undefined && apiKeyHeader.trim() !== '') return apiKeyHeader.trim();
  throw new DomainError(
    'UNAUTHENTICATED',
    'An API key is required: send "Authorization: Bearer hl_<id>_<secret>" or "X-API-Key: hl_<id>_<secret>".',
  );
}
