import { DomainError, type ApiKey } from '@hashline/domain';
import type { FastifyReply } from 'fastify';
import type { ServerConfig } from '../config.js';
import type { KeyRateLimiter } from './shared-rate-limiter.js';

/** What a probing alert says (written to the audit log, counted in /metrics). */
export interface ProbingAlert {
  readonly keyId: string;
  /** Near queries of the key in the last hour when the alert was raised. */
  readonly nearQueries: number;
  readonly radius: number;
  /** Whether the key was suspended (revoked) for it. */
  readonly suspended: boolean;
}

/** Options of {@link VerdictGuard}. */
export interface VerdictGuardOptions {
  readonly settings: ServerConfig['verdict'];
  /** Hourly hash quotas: buckets of `hashesPerHour` refilled over an hour (burst 3,600 s). */
  readonly hourly: KeyRateLimiter;
  /** Daily hash quotas: buckets of `hashesPerDay` refilled over a day (burst 86,400 s). */
  readonly daily: KeyRateLimiter;
  /** Raises the alert: audit row, metric, and the suspension itself when `alert.suspended`. */
  readonly onAlert: (alert: ProbingAlert) => Promise<void>;
  readonly onQuotaRefused?: (period: 'hour' | 'day') => void;
  /** Monotonic milliseconds (tests move it by hand). */
  readonly now?: () => number;
}

const HOUR_MS = 3_600_000;
/** Recent PDQ queries kept per key: enough to see a cluster, bounded memory (32 B each). */
const RECENT_PER_KEY = 512;
/** Keys tracked at once; beyond it, the idlest are dropped. */
const MAX_KEYS = 10_000;

interface KeyHistory {
  /** Recent PDQ queries as 8 × 32-bit words each, oldest first. */
  readonly queries: Uint32Array[];
  /** Times of near queries in the last hour. */
  near: number[];
  lastMs: number;
  alerted: boolean;
}

/**
 * Oracle resistance for verdict-only keys (issue 15, finding 2). Such a key learns one bit per
 * hash, matched or not, and with enough questions that bit reads a banked hash: flip bits of a
 * matching image's hash until it stops matching (the threshold's edge), then flip each bit once
 * from there, ~256 + 8 questions. This guard makes those questions expensive and visible:
 * - at most `maxBatch` hashes per request (BATCH_TOO_LARGE);
 * - at most `hashesPerHour` and `hashesPerDay` hashes per key, counted in hashes, in buckets
 *   shared by every process where the rate limit is (HASH_QUOTA_EXCEEDED, 429, Retry-After);
 * - probing detection: every query that says anything about one banked hash lies within the
 *   bank's threshold of it, so such queries lie within twice the threshold of each other, while
 *   unrelated PDQ hashes lie about 128 bits apart. A PDQ query within `probingRadius` of one of
 *   the key's recent queries is "near"; `probingNearQueries` near queries within an hour raise an
 *   alert and, with `probingSuspend`, revoke the key before the query is answered.
 *
 * The near-query history is kept in each process (not in the database): with N processes behind
 * a balancer an attacker gets at most N× the near queries before every process has alerted.
 */
export class VerdictGuard {
  readonly #settings: ServerConfig['verdict'];
  readonly #hourly: KeyRateLimiter;
  readonly #daily: KeyRateLimiter;
  readonly #onAlert: (alert: ProbingAlert) => Promise<void>;
  readonly #onQuotaRefused: (period: 'hour' | 'day') => void;
  readonly #now: () => number;
  readonly #history = new Map<string, KeyHistory>();

  constructor(options: VerdictGuardOptions) {
    this.#settings = options.settings;
    this.#hourly = options.hourly;
    this.#daily = options.daily;
    this.#onAlert = options.onAlert;
    this.#onQuotaRefused = options.onQuotaRefused ?? (() => {});
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Admits one match request of a verdict-only key with these query hashes, or throws. Called
   * once the body is parsed and before anything is matched.
   * @throws {DomainError} BATCH_TOO_LARGE, HASH_QUOTA_EXCEEDED (Retry-After set), API_KEY_SUSPENDED
   */
  async admit(
    key: Pick<ApiKey, 'id'>,
    reply: FastifyReply,
    hashes: readonly { readonly signalType: string; readonly value: string }[],
    options: { readonly batch?: boolean } = {},
  ): Promise<void> {
    const s = this.#settings;
    // A video's frames are one query (`batch: false`): they count against the quotas, not the batch size.
    if (options.batch !== false && hashes.length > s.maxBatch) {
      throw new DomainError(
        'BATCH_TOO_LARGE',
        `A verdict-only key matches at most ${s.maxBatch} hashes per request; got ${hashes.length}.`,
      );
    }
    const n = hashes.length;
    const hour = await this.#hourly.take(`hashes-hour:${key.id}`, s.hashesPerHour / 3_600, n);
    if (!hour.allowed) throw this.#refused(reply, 'hour', hour.retryAfterSeconds);
    const day = await this.#daily.take(`hashes-day:${key.id}`, s.hashesPerDay / 86_400, n);
    if (!day.allowed) {
      // Give the hour back what it granted: the request is not answered.
      await this.#hourly.take(`hashes-hour:${key.id}`, s.hashesPerHour / 3_600, -n).catch(() => undefined);
      throw this.#refused(reply, 'day', day.retryAfterSeconds);
    }
    const pdq = hashes.filter((h) => h.signalType === 'pdq' && /^[0-9a-f]{64}$/i.test(h.value));
    if (pdq.length === 0) return;
    const alert = this.#observe(
      key.id,
      pdq.map((h) => h.value),
    );
    if (alert) {
      await this.#onAlert(alert);
      if (alert.suspended) {
        throw new DomainError(
          'API_KEY_SUSPENDED',
          'This API key was suspended: its queries clustered around one point, as probing a banked hash does. An admin has been alerted.',
        );
      }
    }
  }

  /** Keys with a near-query history now (tests, memory bound). */
  get trackedKeys(): number {
    return this.#history.size;
  }

  #refused(reply: FastifyReply, period: 'hour' | 'day', retryAfterSeconds: number): DomainError {
    this.#onQuotaRefused(period);
    void reply.header('retry-after', String(retryAfterSeconds));
    return new DomainError(
      'HASH_QUOTA_EXCEEDED',
      `This key may match ${period === 'hour' ? this.#settings.hashesPerHour : this.#settings.hashesPerDay} hashes per ${period}; retry in ${retryAfterSeconds} s.`,
    );
  }

  /** Records the queries; returns an alert the first time the key's near queries reach the limit. */
  #observe(keyId: string, values: readonly string[]): ProbingAlert | undefined {
    const now = this.#now();
    let history = this.#history.get(keyId);
    if (!history) {
      this.#sweep(now);
      history = { queries: [], near: [], lastMs: now, alerted: false };
      this.#history.set(keyId, history);
    }
    history.lastMs = now;
    history.near = history.near.filter((at) => now - at < HOUR_MS);
    const radius = this.#settings.probingRadius;
    for (const value of values) {
      const words = toWords(value);
      // The same hash again tells nothing new (and platforms see popular images over and over):
      // only a different hash close to an earlier one counts.
      if (
        history.queries.some((q) => {
          const d = hamming(q, words);
          return d > 0 && d <= radius;
        })
      ) {
        history.near.push(now);
      }
      history.queries.push(words);
      if (history.queries.length > RECENT_PER_KEY) history.queries.shift();
    }
    if (history.alerted || history.near.length < this.#settings.probingNearQueries) return undefined;
    history.alerted = true;
    return {
      keyId,
      nearQueries: history.near.length,
      radius,
      suspended: this.#settings.probingSuspend,
    };
  }

  #sweep(now: number): void {
    for (const [id, h] of this.#history) if (now - h.lastMs >= HOUR_MS) this.#history.delete(id);
    if (this.#history.size < MAX_KEYS) return;
    const idlest = [...this.#history].sort((a, b) => a[1].lastMs - b[1].lastMs);
    for (const [id] of idlest.slice(0, this.#history.size - MAX_KEYS + 1)) this.#history.delete(id);
  }
}

/** A 64-hex-digit PDQ hash as 8 words. */
function toWords(hex: string): Uint32Array {
  const words = new Uint32Array(8);
  for (let i = 0; i < 8; i++) words[i] = Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16);
  return words;
}

function hamming(a: Uint32Array, b: Uint32Array): number {
  let d = 0;
  for (let i = 0; i < 8; i++) {
    let x = (a[i]! ^ b[i]!) >>> 0;
    x -= (x >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    d += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  return d;
}
