import { systemClock, type Clock, type HashlineStore, type WebhookDelivery } from '@hashline/domain';
import type { ServerConfig } from '../config.js';
import { BlockedAddressError, postJson } from './webhook-http.js';
import { SIGNATURE_HEADER, signWebhookBody } from './webhook-signature.js';

/** The minimal logger the dispatcher writes to (a pino logger fits). */
export interface DispatcherLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link WebhookDispatcher}. */
export interface WebhookDispatcherOptions {
  readonly store: Pick<
    HashlineStore,
    'claimDueDeliveries' | 'markDelivered' | 'markAttemptFailed' | 'getWebhookSecret'
  >;
  readonly settings: ServerConfig['webhooks'];
  readonly logger: DispatcherLogger;
  readonly clock?: Clock;
  /** Deliveries claimed per round (default 10), sent concurrently. */
  readonly batchSize?: number;
  /** Called after each attempt (metrics). */
  readonly onOutcome?: (outcome: 'delivered' | 'retry' | 'failed') => void;
  /** Injectable for tests; default: random in [0, 1). */
  readonly random?: () => number;
}

/** Delay before retry number `attempt` (1-based): doubling from `baseMs`, capped, with jitter. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 40));
  // "Equal jitter": at least half the delay, so retries never bunch at zero, spread over the rest.
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Delivers webhook notifications from the store's outbox. Each round claims due deliveries under
 * a lease (several processes may run dispatchers: a delivery is sent by one at a time, and a
 * crashed process's claims come back when the lease ends), POSTs each signed body, and records
 * the outcome: delivered on 2xx; otherwise a retry with exponential back-off and jitter, until
 * `maxAttempts`, then failed. Redirects are not followed, and targets on loopback, private or
 * link-local addresses are refused for good unless `allowPrivate` is set. The `Idempotency-Key`
 * header is the same on every attempt, so receivers can drop duplicates (delivery is at least once).
 */
export class WebhookDispatcher {
  readonly #options: WebhookDispatcherOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<number> | undefined;
  #running = false;
  #lastRoundError = 0;

  constructor(options: WebhookDispatcherOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
  }

  /** Starts polling the outbox. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Stops polling and waits for the round in flight (its POSTs are bounded by the timeout). */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#round?.catch(() => undefined);
  }

  /** One round: claims due deliveries and attempts each. Returns how many were attempted. */
  runOnce(): Promise<number> {
    this.#round ??= this.#deliverDue().finally(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      this.runOnce().then(
        (count) => this.#schedule(count >= this.#batchSize ? 0 : this.#options.settings.pollIntervalMs),
        (error: unknown) => {
          // At most once a minute: a database outage fails every round and must not flood the log.
          const now = Date.now();
          if (now - this.#lastRoundError > 60_000) {
            this.#lastRoundError = now;
            this.#options.logger.error({ err: error }, 'webhook dispatcher round failed; retrying');
          }
          this.#schedule(this.#options.settings.pollIntervalMs);
        },
      );
    }, delayMs);
    this.#timer.unref();
  }

  get #batchSize(): number {
    return this.#options.batchSize ?? 10;
  }

  async #deliverDue(): Promise<number> {
    const { settings, store } = this.#options;
    // The lease outlasts one attempt, so a slow receiver is never sent the same delivery twice at once.
    const lease = settings.timeoutMs + 30_000;
    const due = await store.claimDueDeliveries(this.#clock.now(), this.#batchSize, lease);
    const secrets = new Map<number, Promise<string | null>>();
    await Promise.all(
      due.map((delivery) => {
        let secret = secrets.get(delivery.bankId);
        if (!secret) {
          secret = store.getWebhookSecret(delivery.bankId);
          secrets.set(delivery.bankId, secret);
        }
        return secret.then((s) => this.#attempt(delivery, s));
      }),
    );
    return due.length;
  }

  async #attempt(delivery: WebhookDelivery, secret: string | null): Promise<void> {
    const { settings, store, logger } = this.#options;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'hashline-webhooks/1',
      'idempotency-key': delivery.idempotencyKey,
      'hashline-delivery': String(delivery.id),
      'hashline-attempt': String(delivery.attempts),
    };
    if (secret) {
      headers[SIGNATURE_HEADER.toLowerCase()] = signWebhookBody(
        secret,
        delivery.body,
        this.#clock.now().getTime() / 1000,
      );
    }
    let failure: string;
    let permanent = false;
    try {
      const status = await postJson(delivery.url, delivery.body, {
        headers,
        timeoutMs: settings.timeoutMs,
        allowPrivate: settings.allowPrivate,
      });
      if (status >= 200 && status < 300) {
        await store.markDelivered(delivery.id, this.#clock.now());
        this.#options.onOutcome?.('delivered');
        logger.info(
          { delivery: delivery.id, bankId: delivery.bankId, attempt: delivery.attempts },
          'webhook delivered',
        );
        return;
      }
      failure = `HTTP ${status}`;
    } catch (error) {
      // A private target stays private: retrying cannot help.
      permanent = error instanceof BlockedAddressError;
      failure = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 500) : 'request failed';
    }
    const giveUp = permanent || delivery.attempts >= settings.maxAttempts;
    const retryAt = giveUp
      ? null
      : new Date(
          this.#clock.now().getTime() +
            retryDelayMs(delivery.attempts, settings.baseDelayMs, settings.maxDelayMs, this.#random),
        );
    await store.markAttemptFailed(delivery.id, failure, retryAt);
    this.#options.onOutcome?.(giveUp ? 'failed' : 'retry');
    logger.warn(
      { delivery: delivery.id, bankId: delivery.bankId, attempt: delivery.attempts, error: failure, retryAt },
      giveUp ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry',
    );
  }
}
