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
 * In-memory token buckets, one per API key: `rate` tokens per second, holding at most
 * `rate × burstSeconds`. Per process: with N replicas a key gets up to N times its rate, which
 * the deployment guide accounts for. Idle buckets are dropped so memory stays bounded.
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

  /** Takes one token from `key`'s bucket, refilled at `rate` per second. */
  take(key: string, rate: number): RateDecision {
    const now = this.#now();
    const capacity = Math.max(1, rate * this.#burstSeconds);
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { tokens: capacity, updatedMs: now, rate };
      this.#buckets.set(key, bucket);
      this.#sweep(now);
    } else {
      bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updatedMs) / 1000) * rate);
      bucket.updatedMs = now;
      bucket.rate = rate;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    }
    return {
      allowed: false,
      remaining: 0,
      retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate)),
    };
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
      if ((now - bucket.updatedMs) / 1000 >= this.#burstSeconds + 1) this.#buckets.delete(key);
    }
  }
}
