import { DomainError } from '../domain-error.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { WebhookOutbox } from '../ports/hashline-store.js';
import { Problems, isRecord } from '../validation.js';
import type { WebhookDelivery, WebhookDeliveryQuery } from './webhook-delivery.js';

/** What a redelivery since a seq did. */
export interface RedeliveryResult {
  /** Deliveries queued again (those in flight are left alone: they are being sent). */
  readonly requeued: number;
  readonly sinceSeq: number;
}

/**
 * The bank owner's side of the webhook outbox: list deliveries (failed ones above all), and send
 * them again, one or all of a bank from a seq on. A redelivery keeps the delivery's seq, body and
 * idempotency key, so a receiver that had it already drops it, and one that lost it gets it in
 * order: the ordered claim sends it before anything newer still waiting for that endpoint.
 */
export class WebhookDeliveryService {
  constructor(
    private readonly store: WebhookOutbox,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Newest first; pass the last id of a page as `beforeId` for the next. */
  list(query: WebhookDeliveryQuery): Promise<WebhookDelivery[]> {
    return this.store.listDeliveries(query);
  }

  /** @throws {DomainError} WEBHOOK_DELIVERY_NOT_FOUND */
  async get(id: number): Promise<WebhookDelivery> {
    const delivery = await this.store.getDelivery(id);
    if (!delivery) throw new DomainError('WEBHOOK_DELIVERY_NOT_FOUND', `No webhook delivery has id ${id}.`);
    return delivery;
  }

  /** @throws {DomainError} WEBHOOK_DELIVERY_NOT_FOUND, WEBHOOK_DELIVERY_IN_FLIGHT */
  redeliver(id: number): Promise<WebhookDelivery> {
    return this.store.redeliver(id, this.clock.now());
  }

  /**
   * Queues again every delivery of the bank with `seq >= sinceSeq` (an API body `{ sinceSeq }`).
   * @throws {DomainError} VALIDATION_FAILED
   */
  async redeliverSince(bankId: number, input: unknown): Promise<RedeliveryResult> {
    const problems = new Problems();
    if (!isRecord(input)) {
      problems.add('', 'An object { "sinceSeq": <integer ≥ 1> }.');
    } else {
      for (const key of Object.keys(input)) if (key !== 'sinceSeq') problems.add(`/${key}`, 'Unknown field.');
      const seq = input.sinceSeq;
      if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
        problems.add('/sinceSeq', 'The first seq to send again: an integer ≥ 1 (seqs start at 1).');
      }
    }
    problems.throwIfAny('The redelivery request is invalid.');
    const sinceSeq = (input as { sinceSeq: number }).sinceSeq;
    const requeued = await this.store.redeliverSince(bankId, sinceSeq, this.clock.now());
    return { requeued, sinceSeq };
  }
}
