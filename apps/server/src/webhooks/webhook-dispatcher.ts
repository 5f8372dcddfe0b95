import {
  isDomainError,
  systemClock,
  type Clock,
  type HashlineStore,
  type WebhookDelivery,
} from '@hashline/domain';
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
  /**
   * Deliveries claimed per round (default 10), sent concurrently: in ordered mode at most one per
   * endpoint, so only deliveries to different endpoints run side by side.
   */
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

/** Repeats the body's `seq` (the bank's notification number) for receivers that route before parsing. */
export const SEQ_HEADER = 'Hashline-Seq';

/**
 * Delivers webhook notifications from the store's outbox. Each round claims due deliveries under
 * a lease (several processes may run dispatchers: a delivery is sent by one at a time, and a
 * crashed process's claims come back when the lease ends), POSTs each signed body, and records
 * the outcome: delivered on 2xx; otherwise a retry with exponential back-off and jitter until
 * `retryHours` after it was queued (the last retry lands on the horizon itself), then failed,
 * listed and redeliverable.
 *
 * Ordered (the default): the store hands out only the oldest undelivered delivery of each
 * endpoint, and none while one is in flight, so one endpoint receives its notifications one at a
 * time in seq order, and a later one waits while an earlier one is retried (head of line).
 *
 * Redirects are not followed, and targets on loopback, private or link-local addresses are refused
 * for good unless `allowPrivate` is set. The `Idempotency-Key` header is the same on every attempt
 * and redelivery, so receivers can drop duplicates (delivery is at least once).
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
        // Work done: look again at once (in ordered mode the next of each endpoint is due now).
        (count) => this.#schedule(count > 0 ? 0 : this.#options.settings.pollIntervalMs),
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
    const due = await store.claimDueDeliveries(this.#clock.now(), this.#batchSize, lease, {
      ordered: settings.ordered,
    });
    const secrets = new Map<number, Promise<Secret>>();
    await Promise.all(
      due.map((delivery) => {
        let secret = secrets.get(delivery.bankId);
        if (!secret) {
          secret = store.getWebhookSecret(delivery.bankId).then(
            (value): Secret => ({ value }),
            (error: unknown): Secret => {
              // The bank was deleted after the notification was queued: nobody can receive it.
              if (isDomainError(error) && error.code === 'BANK_NOT_FOUND') return { gone: true };
              throw error;
            },
          );
          secrets.set(delivery.bankId, secret);
        }
        return secret.then((s) => this.#attempt(delivery, s));
      }),
    );
    return due.length;
  }

  async #attempt(delivery: WebhookDelivery, secret: Secret): Promise<void> {
    const { settings, store, logger } = this.#options;
    if ('gone' in secret) {
      await store.markAttemptFailed(delivery.id, 'The bank was deleted.', null);
      this.#options.onOutcome?.('failed');
      logger.warn(
        { delivery: delivery.id, bankId: delivery.bankId },
        'webhook delivery failed: bank deleted',
      );
      return;
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'hashline-webhooks/1',
      'idempotency-key': delivery.idempotencyKey,
      'hashline-delivery': String(delivery.id),
      'hashline-attempt': String(delivery.attempts),
      [SEQ_HEADER.toLowerCase()]: String(delivery.seq),
    };
    if (secret.value) {
      headers[SIGNATURE_HEADER.toLowerCase()] = signWebhookBody(
        secret.value,
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
          { delivery: delivery.id, bankId: delivery.bankId, seq: delivery.seq, attempt: delivery.attempts },
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
    const now = this.#clock.now().getTime();
    const horizon = delivery.queuedAt.getTime() + settings.retryHours * 3_600_000;
    const giveUp = permanent || now >= horizon;
    // The back-off is capped at the horizon, so the last retry happens at the horizon itself.
    const retryAt = giveUp
      ? null
      : new Date(
          Math.min(
            horizon,
            now + retryDelayMs(delivery.attempts, settings.baseDelayMs, settings.maxDelayMs, this.#random),
          ),
        );
    await store.markAttemptFailed(delivery.id, failure, retryAt);
    this.#options.onOutcome?.(giveUp ? 'failed' : 'retry');
    logger.warn(
      {
        delivery: delivery.id,
        bankId: delivery.bankId,
        seq: delivery.seq,
        attempt: delivery.attempts,
        error: failure,
        retryAt,
      },
      giveUp ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry',
    );
  }
}

/** A bank's webhook secret (null: unsigned), or the bank is gone. */
type Secret = { readonly value: string | null } | { readonly gone: true };
