import type { ExchangeMessage } from './exchange-message.js';

/** Where a partner's exchange API is and the bearer token it gave this hotline. */
export interface ExchangeDeliveryTarget {
  /** The partner's base URL; the message goes to `<baseUrl>/v1/exchange/reports`. */
  readonly baseUrl: string;
  /** A secret: never logged, stored in records or shown. */
  readonly token: string;
}

/** What came of delivering a message (after the client's own retries). */
export type ExchangeDelivery =
  | {
      readonly delivered: true;
      /** The partner's receipt for the case. */
      readonly receiptReference: string;
      /** HTTP attempts this delivery took. */
      readonly attempts: number;
    }
  | {
      readonly delivered: false;
      readonly attempts: number;
      /**
       * A stable, body-free description of the last failure: `http_401`, `timeout`,
       * `blocked_address`, `network`, `bad_response`, `insecure_url`.
       */
      readonly error: string;
    };

/**
 * Sends an exchange message to a partner hotline. The server's adapter POSTs JSON with the
 * token as Bearer and `idempotencyKey` as `Idempotency-Key`, with a time limit, retrying
 * transient failures (network, timeout, 408, 429, 5xx) with the same key; it refuses private
 * and loopback addresses unless configured for tests. Never throws for a failed delivery.
 */
export interface PartnerExchangeClient {
  deliver(
    target: ExchangeDeliveryTarget,
    message: ExchangeMessage,
    idempotencyKey: string,
  ): Promise<ExchangeDelivery>;
}
