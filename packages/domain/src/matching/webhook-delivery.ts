/**
 * Where a delivery stands:
 * - `pending`: queued, not attempted yet (or requeued by a redelivery);
 * - `retrying`: at least one attempt failed, another is scheduled (`nextAttemptAt`);
 * - `delivered`: the receiver answered 2xx;
 * - `failed`: given up (the retry horizon passed, or the target can never be reached); listed
 *   and redeliverable.
 */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'retrying', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** A webhook notification waiting to be delivered, or delivered (an outbox row). */
export interface WebhookDelivery {
  readonly id: number;
  readonly bankId: number;
  /**
   * The bank's notification sequence: 1, 2, 3… per bank, without gaps, in the order the
   * notifications were committed. Carried in the body (`seq`) so receivers can order and
   * deduplicate; deliveries to one endpoint go out in this order.
   */
  readonly seq: number;
  readonly url: string;
  /** The exact JSON body to POST (its `seq` included); signed as sent. */
  readonly body: string;
  /** Stable across retries and redeliveries, sent as `Idempotency-Key` so receivers can drop duplicates. */
  readonly idempotencyKey: string;
  /** Attempts since it was queued (or requeued by a redelivery). */
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly status: WebhookDeliveryStatus;
  readonly lastError: string | null;
  readonly createdAt: Date;
  /** When it was queued, or requeued by a redelivery: the retry horizon counts from here. */
  readonly queuedAt: Date;
  readonly deliveredAt: Date | null;
}

/** What a notification says, before the store numbers it (`seq` is added to the body). */
export interface WebhookPayload {
  readonly type: string;
  /** The notification's id, equal to its idempotency key. */
  readonly id: string;
  readonly [field: string]: unknown;
}

/** A delivery before storage assigns its id and its bank sequence number. */
export interface NewWebhookDelivery {
  readonly bankId: number;
  readonly url: string;
  readonly payload: WebhookPayload;
  readonly idempotencyKey: string;
}

/** What became of a claimed delivery, for `WebhookOutbox.settleDeliveries` (ports/hashline-store.ts). */
export type DeliveryOutcome =
  /** The receiver answered 2xx at `at`. */
  | { readonly id: number; readonly outcome: 'delivered'; readonly at: Date }
  /** The attempt failed: retry at `retryAt`, or never (null: failed for good). */
  | { readonly id: number; readonly outcome: 'failed'; readonly error: string; readonly retryAt: Date | null }
  /**
   * Claimed but not attempted: due again at `at`, its attempt uncounted; only while it is still
   * under the claim's lease, `leasedUntil` (the claimed delivery's `nextAttemptAt`): once that
   * lease has ended another worker may have claimed it, and its lease must stand.
   */
  | { readonly id: number; readonly outcome: 'released'; readonly at: Date; readonly leasedUntil: Date };

/** Filters for listing deliveries, newest first (keyset pagination on the id). */
export interface WebhookDeliveryQuery {
  readonly bankId?: number;
  readonly status?: WebhookDeliveryStatus;
  /** Deliveries with id below this (the previous page's last id). */
  readonly beforeId?: number;
  readonly limit: number;
}

/** Outbox figures for monitoring. */
export interface WebhookDeliveryStats {
  readonly pending: number;
  readonly retrying: number;
  readonly failed: number;
  /** When the oldest pending or retrying delivery was queued; null when there is none. */
  readonly oldestQueuedAt: Date | null;
}

/**
 * The body of a notification as sent: `type`, `id`, then `seq`, then the rest of the payload.
 * Every store renders bodies with this function, so all engines send the same bytes.
 */
export function renderWebhookBody(payload: WebhookPayload, seq: number): string {
  const { type, id, ...rest } = payload;
  return JSON.stringify({ type, id, seq, ...rest });
}
