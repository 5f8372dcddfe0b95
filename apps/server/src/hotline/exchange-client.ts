import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type {
  ExchangeDelivery,
  ExchangeDeliveryTarget,
  ExchangeMessage,
  PartnerExchangeClient,
} from '@hashline/domain';
import { isPrivateAddress } from '../webhooks/webhook-http.js';

/** The path of the receiving API under a partner's base URL. */
export const EXCHANGE_REPORTS_PATH = '/v1/exchange/reports';
/** Largest partner answer read (a receipt is a few hundred bytes). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** Options of {@link createHttpExchangeClient}. */
export interface ExchangeClientOptions {
  /** Time limit of one POST, response included. */
  readonly timeoutMs: number;
  /** Attempts per delivery (transient failures are retried with the same idempotency key). */
  readonly attempts: number;
  /** First retry delay; doubled per attempt. */
  readonly retryDelayMs: number;
  /**
   * Allow loopback and private addresses, and plain http (tests; partners on a private link).
   * Otherwise a partner must be https on a public address, checked on the addresses actually
   * dialled (no DNS rebinding into the internal network).
   */
  readonly allowPrivate: boolean;
  /** Waits between attempts (tests pass an immediate one). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One POST's result. */
type Attempt =
  | { readonly ok: true; readonly receiptReference: string }
  | { readonly ok: false; readonly error: string; readonly retryable: boolean };

/** Raised by the guarded lookup: the host resolves to an address the exchange may not reach. */
class BlockedTargetError extends Error {
  readonly blocked = true;
}

/**
 * A DNS lookup for http.request that refuses private addresses, at connection time, on the
 * addresses actually dialled (as the webhook sender does).
 */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 4);
    if (addresses.some((a) => isPrivateAddress(a.address))) {
      return callback(new BlockedTargetError(`${hostname} resolves to a private address.`), '', 4);
    }
    if ((options as { all?: boolean }).all) {
      // Node passes all: true for happy-eyeballs connects; the callback then takes the list.
      return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    }
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
};

/**
 * The exchange's HTTP client: POSTs the message as JSON to `<baseUrl>/v1/exchange/reports` with
 * `Authorization: Bearer <token>` and `Idempotency-Key: <exchange id>`, without following
 * redirects. Network errors, time-outs, 408, 429 and 5xx are retried (same key, so the partner
 * makes one case however many arrive); other answers are final. Never throws, never logs: the
 * outcome names the failure with a stable code and no response body.
 */
export function createHttpExchangeClient(options: ExchangeClientOptions): PartnerExchangeClient {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return {
    async deliver(
      target: ExchangeDeliveryTarget,
      message: ExchangeMessage,
      idempotencyKey: string,
    ): Promise<ExchangeDelivery> {
      let url: URL;
      try {
        url = new URL(`${target.baseUrl.replace(/\/+$/, '')}${EXCHANGE_REPORTS_PATH}`);
      } catch {
        return { delivered: false, attempts: 0, error: 'invalid_url' };
      }
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowPrivate)) {
        // The token and the case data must not cross the internet in clear text.
        return { delivered: false, attempts: 0, error: 'insecure_url' };
      }
      if (!options.allowPrivate && isPrivateAddress(url.hostname.replace(/^\[(.*)\]$/, '$1'))) {
        return { delivered: false, attempts: 0, error: 'blocked_address' };
      }
      const body = JSON.stringify(message);
      let last: Attempt = { ok: false, error: 'not_attempted', retryable: false };
      for (let attempt = 1; attempt <= options.attempts; attempt++) {
        if (attempt > 1) await sleep(options.retryDelayMs * 2 ** (attempt - 2));
        last = await postOnce(url, body, target.token, idempotencyKey, options);
        if (last.ok) return { delivered: true, receiptReference: last.receiptReference, attempts: attempt };
        if (!last.retryable) return { delivered: false, attempts: attempt, error: last.error };
      }
      return { delivered: false, attempts: options.attempts, error: last.ok ? 'unknown' : last.error };
    },
  };
}

function postOnce(
  url: URL,
  body: string,
  token: string,
  idempotencyKey: string,
  options: ExchangeClientOptions,
): Promise<Attempt> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<Attempt>((resolve) => {
    let settled = false;
    const finish = (attempt: Attempt): void => {
      if (!settled) {
        settled = true;
        resolve(attempt);
      }
    };
    const failure = (error: unknown): Attempt => {
      if (error instanceof BlockedTargetError)
        return { ok: false, error: 'blocked_address', retryable: false };
      const name = (error as { name?: string } | null)?.name;
      if (name === 'AbortError' || name === 'TimeoutError')
        return { ok: false, error: 'timeout', retryable: true };
      return { ok: false, error: 'network', retryable: true };
    };
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          accept: 'application/json',
          authorization: `Bearer ${token}`,
          'idempotency-key': idempotencyKey,
          'user-agent': 'Hashline-Exchange/1',
        },
        agent: false,
        signal: AbortSignal.timeout(options.timeoutMs),
        ...(options.allowPrivate ? {} : { lookup: guardedLookup }),
      },
      (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            response.destroy();
            finish({ ok: false, error: 'bad_response', retryable: false });
          } else chunks.push(chunk);
        });
        response.on('error', (error) => finish(failure(error)));
        response.on('end', () => finish(interpret(status, Buffer.concat(chunks).toString('utf8'))));
        response.on('close', () => {
          if (!response.complete) finish({ ok: false, error: 'network', retryable: true });
        });
      },
    );
    request.on('error', (error) => finish(failure(error)));
    request.end(body);
  });
}

/** The partner's answer as an attempt: a receipt, or a stable error code. */
function interpret(status: number, text: string): Attempt {
  if (status === 200 || status === 201) {
    try {
      const parsed = JSON.parse(text) as { receiptReference?: unknown };
      const receipt = parsed.receiptReference;
      if (
        typeof receipt === 'string' &&
        receipt.length >= 1 &&
        receipt.length <= 200 &&
        /^[\x21-\x7e]+$/.test(receipt)
      ) {
        return { ok: true, receiptReference: receipt };
      }
    } catch {
      // Falls through: an unreadable answer is a bad response.
    }
    return { ok: false, error: 'bad_response', retryable: false };
  }
  const retryable = status === 408 || status === 429 || status >= 500;
  return { ok: false, error: `http_${status}`, retryable };
}
