import { DomainError, type ApiKey } from '@hashline/domain';
import type { FastifyReply } from 'fastify';
import type { KeyRateLimiter } from './shared-rate-limiter.js';

/**
 * Charges API keys for what they ask: one token per request (taken before the body is read), and
 * on `POST /v1/match` one more per hash beyond the first once the body is parsed, so a batch of
 * 1,000 hashes costs what 1,000 single-hash requests cost. A key's rate is its own
 * `rateLimitPerSecond`, else the server default.
 */
export class ApiKeyRateLimit {
  readonly #limiter: KeyRateLimiter;
  readonly #defaultPerSecond: number;
  readonly #onLimited: () => void;

  constructor(limiter: KeyRateLimiter, defaultPerSecond: number, onLimited: () => void = () => {}) {
    this.#limiter = limiter;
    this.#defaultPerSecond = defaultPerSecond;
    this.#onLimited = onLimited;
  }

  /**
   * Takes `cost` tokens from the key's bucket; `paid`: what this request already took (the
   * token on arrival), so a batch larger than the bucket passes from a full bucket, in debt.
   * @throws {DomainError} RATE_LIMITED (429) with `Retry-After` set on `reply`
   */
  async charge(
    key: Pick<ApiKey, 'id' | 'rateLimitPerSecond'>,
    reply: FastifyReply,
    cost: number,
    paid = 0,
  ): Promise<void> {
    if (cost <= 0) return;
    const rate = key.rateLimitPerSecond ?? this.#defaultPerSecond;
    const decision = await this.#limiter.take(key.id, rate, cost, paid);
    if (decision.allowed) return;
    // The second step of a request was refused: give back what its first step took, so a flood
    // of single requests does not also drain the tokens of the batches it crowds out.
    if (paid > 0) await this.#limiter.take(key.id, rate, -paid).catch(() => undefined);
    this.#onLimited();
    void reply.header('retry-after', String(decision.retryAfterSeconds));
    throw new DomainError(
      'RATE_LIMITED',
      `Rate limit of this API key exceeded; retry in ${decision.retryAfterSeconds} s.`,
    );
  }

  close(): Promise<void> {
    return this.#limiter.close();
  }
}
