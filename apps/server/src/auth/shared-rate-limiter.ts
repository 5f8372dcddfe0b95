import { needed, RateLimiter, retryAfter, type RateDecision } from './rate-limiter.js';

/** Rate limits of API keys: where their buckets live is the implementation's business. */
export interface KeyRateLimiter {
  /**
   * Takes `cost` tokens from `key`'s bucket, refilled at `rate` per second; `paid` is what the
   * same request took already (see {@link RateLimiter.take}).
   */
  take(key: string, rate: number, cost: number, paid?: number): Promise<RateDecision>;
  /** Releases what the limiter holds (connections). */
  close(): Promise<void>;
}

/** Buckets kept where every process sees them (the storage package's PostgreSQL buckets). */
export interface SharedBuckets {
  take(
    key: string,
    cost: number,
    rate: number,
    capacity: number,
    need: number,
  ): Promise<{ readonly granted: boolean; readonly tokens: number }>;
  close(): Promise<void>;
}

/** Options of {@link SharedRateLimiter}. */
export interface SharedRateLimiterOptions {
  readonly buckets: SharedBuckets;
  /** Bucket size as seconds of a key's rate. */
  readonly burstSeconds: number;
  /** How long to decide in process after the shared buckets failed, before trying them again (default 5 s). */
  readonly fallbackMs?: number;
  /** Told each time the shared buckets fail and the limiter falls back (for a log line and a metric). */
  readonly onFallback?: (error: unknown) => void;
  /** Monotonic milliseconds (tests move it by hand). */
  readonly now?: () => number;
}

/** The in-process limiter behind the {@link KeyRateLimiter} interface (SQLite, memory, tests). */
export class LocalKeyRateLimiter implements KeyRateLimiter {
  readonly #limiter: RateLimiter;

  constructor(burstSeconds: number, now?: () => number) {
    this.#limiter = new RateLimiter(burstSeconds, now);
  }

  async take(key: string, rate: number, cost: number, paid = 0): Promise<RateDecision> {
    return this.#limiter.take(key, rate, cost, paid);
  }

  async close(): Promise<void> {}
}

/**
 * API keys' token buckets shared by every process (in PostgreSQL), so N replicas give a key its
 * limit once, not N times.
 *
 * When the shared buckets cannot answer (the database unreachable, hung, or slower than the
 * buckets' timeout), the limiter fails open to in-process buckets for `fallbackMs`, then tries
 * the database again. Why open: the limiter protects the service, and the alternative (refusing
 * every request while the database is away) would turn a database blip into a complete outage
 * of matching, which keeps answering from memory meanwhile. In-process buckets still hold each key
 * to its rate per process, so the worst case during an outage is the per-process limit of before
 * (N× with N replicas), never an unlimited key; and the fallback window keeps requests from each
 * waiting for a timeout while the database is away.
 */
export class SharedRateLimiter implements KeyRateLimiter {
  readonly #buckets: SharedBuckets;
  readonly #burstSeconds: number;
  readonly #fallback: RateLimiter;
  readonly #fallbackMs: number;
  readonly #onFallback: (error: unknown) => void;
  readonly #now: () => number;
  #sharedAgainAt = 0;

  constructor(options: SharedRateLimiterOptions) {
    this.#buckets = options.buckets;
    this.#burstSeconds = options.burstSeconds;
    this.#now = options.now ?? (() => performance.now());
    this.#fallback = new RateLimiter(options.burstSeconds, this.#now);
    this.#fallbackMs = options.fallbackMs ?? 5_000;
    this.#onFallback = options.onFallback ?? (() => {});
  }

  /** True while decisions are made in process because the shared buckets failed. */
  get fallingBack(): boolean {
    return this.#now() < this.#sharedAgainAt;
  }

  async take(key: string, rate: number, cost: number, paid = 0): Promise<RateDecision> {
    if (this.fallingBack) return this.#fallback.take(key, rate, cost, paid);
    const capacity = Math.max(1, rate * this.#burstSeconds);
    const need = needed(cost, capacity, paid);
    try {
      const { granted, tokens } = await this.#buckets.take(key, cost, rate, capacity, need);
      return granted
        ? { allowed: true, remaining: Math.max(0, Math.floor(tokens)), retryAfterSeconds: 0 }
        : {
            allowed: false,
            remaining: 0,
            retryAfterSeconds: retryAfter(need - tokens, rate),
          };
    } catch (error) {
      this.#sharedAgainAt = this.#now() + this.#fallbackMs;
      this.#onFallback(error);
      return this.#fallback.take(key, rate, cost, paid);
    }
  }

  close(): Promise<void> {
    return this.#buckets.close();
  }
}
