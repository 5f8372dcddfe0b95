/** A webhook notification waiting to be delivered, or delivered (an outbox row). */
export interface WebhookDelivery {
  readonly id: number;
  readonly bankId: number;
  readonly url: string;
  /** The exact JSON body to POST; signed as sent. */
  readonly body: string;
  /** Stable across retries, sent as `Idempotency-Key` so receivers can drop duplicates. */
  readonly idempotencyKey: string;
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly lastError: string | null;
  readonly createdAt: Date;
}

/** A delivery before storage assigns its id. */
export interface NewWebhookDelivery {
  readonly bankId: number;
  readonly url: string;
  readonly body: string;
  readonly idempotencyKey: string;
}
