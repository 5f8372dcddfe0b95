/** The outcome of taking a token. */
export interface RateDecision {
  readonly allowed: boolean;
  /** Whole tokens left after this request. */
  readonly remaining: number;
  /** When refused: seconds until a token is available (at least 1). */
  readonly retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
  rate: number;
}

/**
 * In-memory token buckets, one per key: `rate` tokens per second, holding at most
 * `rate × burstSeconds`. Per process: with N replicas a key gets up to N times its rate, so API
 * keys on PostgreSQL use {@link SharedRateLimiter} (shared-rate-limiter.ts) instead; the public
 * routes' per-address limits stay here on purpose (client addresses are never stored). Idle
 * buckets are dropped so memory stays bounded.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #burstSeconds: number;
  readonly #now: () => number;
  #lastSweepMs = 0;

  constructor(burstSeconds: number, now: () => number = () => performance.now()) {
    this.#burstSeconds = burstSeconds;
    this.#now = now;
  }

  /**
   * Takes `cost` tokens (default 1) from `key`'s bucket, refilled at `rate` per second. Granted
   * when the bucket holds `min(cost, capacity)`: a cost above the whole bucket is granted from a
   * full bucket and leaves it in debt (so it is possible at all, and the long-run rate holds).
   * `paid`: tokens this request already took (a request charged in two steps is granted exactly
   * when one take of the whole cost would have been).
   */
  take(key: string, rate: number, cost = 1, paid = 0): RateDecision {
    const now = this.#now();
    const capacity = Math.max(1, rate * this.#burstSeconds);
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      this.#sweep(now);
      bucket = { tokens: capacity, updatedMs: now, rate };
      this.#buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updatedMs) / 1000) * rate);
      bucket.updatedMs = now;
      bucket.rate = rate;
    }
    return decide(bucket.tokens, cost, rate, needed(cost, capacity, paid), (left) => (bucket.tokens = left));
  }

  /** Buckets tracked now (for tests and metrics). */
  get size(): number {
    return this.#buckets.size;
  }

  // A bucket idle long enough to be full again carries no state worth keeping.
  #sweep(now: number): void {
    if (now - this.#lastSweepMs < 60_000) return;
    this.#lastSweepMs = now;
    for (const [key, bucket] of this.#buckets) {
      const capacity = Math.max(1, bucket.rate * this.#burstSeconds);
      const refilled = bucket.tokens + ((now - bucket.updatedMs) / 1000) * bucket.rate;
      if (refilled >= capacity) this.#buckets.delete(key);
    }
  }
}

/**
 * What a bucket must hold to grant `cost`: all of it, or the whole bucket when the cost is larger
 * (less what the request already `paid` from it).
 */
export function needed(cost: number, capacity: number, paid = 0): number {
  return Math.min(cost, Math.max(0, capacity - paid));
}

/**
 * The token-bucket rule: `tokens` is the refilled level, `need` what it must hold ({@link needed});
 * `spend` is called with the level after a granted take.
 */
export function decide(
  tokens: number,
  cost: number,
  rate: number,
  need: number,
  spend?: (left: number) => void,
): RateDecision {
  if (tokens >= need) {
    const left = tokens - cost;
    spend?.(left);
    return { allowed: true, remaining: Math.max(0, Math.floor(left)), retryAfterSeconds: 0 };
  }
  return { allowed: false, remaining: 0, retryAfterSeconds: retryAfter(need - tokens, rate) };
}

/** Whole seconds (at least 1) until `missing` tokens have refilled at `rate` per second. */
export function retryAfter(missing: number, rate: number): number {
  return Math.max(1, Math.ceil(missing / rate));
}
