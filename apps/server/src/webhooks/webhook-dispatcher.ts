import {
  isDomainError,
  systemClock,
  type Clock,
  type DeliveryOutcome,
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
  readonly store: Pick<HashlineStore, 'claimDueDeliveries' | 'settleDeliveries' | 'getWebhookSecret'>;
  readonly settings: ServerConfig['webhooks'];
  readonly logger: DispatcherLogger;
  readonly clock?: Clock;
  /**
   * Deliveries claimed per round (default 10), sent concurrently: in ordered mode at most one per
   * endpoint, so only deliveries to different endpoints run side by side.
   */
  readonly batchSize?: number;
  /**
   * Ordered mode: deliveries claimed per endpoint per round (default 64), sent one after another
   * on a kept-alive connection; the round's outcomes are then recorded in one commit. A busy
   * endpoint thus costs two outbox commits per run instead of two per delivery, which on SQLite
   * compete with the match records for the one writer.
   */
  readonly runLength?: number;
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
 * time in seq order, and a later one waits while an earlier one is retried (head of line). A claim
 * takes the head with the due deliveries behind it (a run, up to `runLength`), sent one after
 * another; a retry, or the lease running short, sends the rest of the run back unattempted.
 *
 * The round's outcomes are recorded in one commit ({@link HashlineStore.settleDeliveries}), so the
 * outbox costs two commits per run (claim, settle), not two per delivery. Both are relaxed (they
 * need not reach the disk before returning): a lost claim or outcome makes the delivery due again
 * when its lease ends, so a crash of the machine can cause a repeat, never a loss. What must not
 * be lost, the delivery row itself, is committed durably with its match record.
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
    const claimedAt = this.#clock.now();
    const due = await store.claimDueDeliveries(claimedAt, this.#batchSize, lease, {
      ordered: settings.ordered,
      runLength: this.#options.runLength ?? 64,
    });
    if (due.length === 0) return 0;
    // No attempt may start unless it ends (timeout) within the lease, with a margin for the clock.
    const lastStart = claimedAt.getTime() + lease - settings.timeoutMs - 5_000;
    const secrets = new Map<number, Promise<Secret>>();
    const secretOf = (bankId: number): Promise<Secret> => {
      let secret = secrets.get(bankId);
      if (!secret) {
        secret = store.getWebhookSecret(bankId).then(
          (value): Secret => ({ value }),
          (error: unknown): Secret => {
            // The bank was deleted after the notification was queued: nobody can receive it.
            if (isDomainError(error) && error.code === 'BANK_NOT_FOUND') return { gone: true };
            throw error;
          },
        );
        secrets.set(bankId, secret);
      }
      return secret;
    };
    const outcomes: DeliveryOutcome[] = [];
    const settled = await Promise.allSettled(
      runsOf(due, settings.ordered).map(async (run) => {
        const release = (rest: readonly WebhookDelivery[]): void => {
          const at = this.#clock.now();
          for (const { id, nextAttemptAt } of rest) {
            outcomes.push({ id, outcome: 'released', at, leasedUntil: nextAttemptAt });
          }
        };
        const delivered: WebhookDelivery[] = [];
        try {
          for (const [index, delivery] of run.entries()) {
            // No attempt so late that its lease could end while it is sent: the rest goes back
            // to the outbox, due at once, attempts uncounted.
            if (index > 0 && this.#clock.now().getTime() > lastStart) return release(run.slice(index));
            const outcome = await this.#attempt(delivery, await secretOf(delivery.bankId));
            outcomes.push(outcome);
            if (outcome.outcome === 'delivered') delivered.push(delivery);
            // A retry holds back the endpoint's later deliveries (head of line), as when it was
            // claimed alone; a delivery failed for good does not (it leaves the queue).
            if (outcome.outcome === 'failed' && outcome.retryAt !== null)
              return release(run.slice(index + 1));
          }
        } finally {
          this.#logDelivered(delivered);
        }
      }),
    );
    // One commit for the round's outcomes, recorded even when a run failed midway (a secret
    // lookup): what was sent stays sent; a run's unsent rest comes back when its lease ends.
    await store.settleDeliveries(outcomes);
    const failure = settled.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    return outcomes.filter((outcome) => outcome.outcome !== 'released').length;
  }

  /**
   * One line per run, not per delivery: a busy endpoint receives thousands a second, and each
   * delivery's time is in the outbox anyway (`deliveredAt`). Failures are logged one by one.
   */
  #logDelivered(delivered: readonly WebhookDelivery[]): void {
    const first = delivered[0];
    const last = delivered.at(-1);
    if (!first || !last) return;
    this.#options.logger.info(
      {
        delivered: delivered.length,
        first: { delivery: first.id, bankId: first.bankId, seq: first.seq, attempt: first.attempts },
        ...(delivered.length > 1
          ? { last: { delivery: last.id, bankId: last.bankId, seq: last.seq, attempt: last.attempts } }
          : {}),
      },
      delivered.length > 1 ? 'webhooks delivered' : 'webhook delivered',
    );
  }

  /** Sends one delivery (unless its bank is gone) and returns what became of it. */
  async #attempt(delivery: WebhookDelivery, secret: Secret): Promise<DeliveryOutcome> {
    const { settings, logger } = this.#options;
    if ('gone' in secret) {
      this.#options.onOutcome?.('failed');
      logger.warn(
        { delivery: delivery.id, bankId: delivery.bankId },
        'webhook delivery failed: bank deleted',
      );
      return { id: delivery.id, outcome: 'failed', error: 'The bank was deleted.', retryAt: null };
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
        this.#options.onOutcome?.('delivered');
        return { id: delivery.id, outcome: 'delivered', at: this.#clock.now() };
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
    return { id: delivery.id, outcome: 'failed', error: failure, retryAt };
  }
}

/**
 * The claim's deliveries grouped into runs sent one after another: in ordered mode, those of one
 * endpoint (the store returns each endpoint's run together, in order); otherwise each alone.
 */
function runsOf(due: readonly WebhookDelivery[], ordered: boolean): WebhookDelivery[][] {
  if (!ordered) return due.map((delivery) => [delivery]);
  const runs = new Map<string, WebhookDelivery[]>();
  for (const delivery of due) {
    const run = runs.get(delivery.url);
    if (run) run.push(delivery);
    else runs.set(delivery.url, [delivery]);
  }
  return [...runs.values()];
}

/** A bank's webhook secret (null: unsigned), or the bank is gone. */
type Secret = { readonly value: string | null } | { readonly gone: true };
