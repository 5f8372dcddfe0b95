import { HashExchangeError, type HashExchangeAbortSignal } from '@hashline/domain';

/**
 * The outbound HTTP of the hash-exchange clients (NCMEC, StopNCII, ThreatExchange), one helper so
 * that the three behave the same:
 *
 * - Requests go only under the configured base URL (same origin, path below the base path): a
 *   `next` link a source hands back that points elsewhere is a `protocol` error, never followed.
 *   Redirects are refused for the same reason (credentials must not follow one). Tests point the
 *   base URL at a loopback mock; nothing here resolves another name.
 * - https only, unless `allowHttpForTests` (the loopback mocks speak plain http).
 * - 5xx, 429, a timeout and a lost connection are tried again, a bounded number of times; a
 *   `Retry-After` is honoured when it is short, and when it is longer than `maxRetryWaitMs` the
 *   client gives up at once with a `transient` error carrying `retryAfterMs`, so the engine
 *   schedules the next try instead of a fetch sleeping for minutes (without a Retry-After the
 *   error has no `retryAfterMs`: the engine's own back-off applies). 401/403 are `unauthorized`.
 * - Bodies are read up to `maxResponseBytes` (a page larger than that is a `protocol` error).
 * - Nothing sent or received is logged (hashes of victims' images are sensitive too).
 */

/** Settings shared by the three clients' factories (their `deps`). */
export interface ExchangeHttpDeps {
  /** The fetch to use (default the global one). */
  readonly fetch?: typeof fetch;
  /** Time for one HTTP call, in ms (default 60 s). */
  readonly timeoutMs?: number;
  /** Tries per call, the first included (default 4). */
  readonly attempts?: number;
  /** Wait before try n+1 (n from 1), in ms, when the source gave no Retry-After; default 500·2ⁿ⁻¹. */
  readonly retryDelayMs?: (attempt: number) => number;
  /** The longest wait taken inside one call (default 10 s); a longer Retry-After ends the call. */
  readonly maxRetryWaitMs?: number;
  /** The largest response body read (default 64 MiB). */
  readonly maxResponseBytes?: number;
  /** Plain http (tests against a loopback mock only; the real APIs serve https). */
  readonly allowHttpForTests?: boolean;
}

/** One request: a path relative to the base URL (or an absolute URL under it), a method, a body. */
export interface ExchangeRequest {
  readonly target: string | URL;
  readonly method?: 'GET' | 'POST' | 'PUT';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Whether a failed try may be repeated (reads always; writes only when the API makes them idempotent). */
  readonly retry?: boolean;
}

/** A response the caller reads: any status other than 5xx, 429, 401 and 403 (those are handled here). */
export interface ExchangeResponse {
  readonly status: number;
  readonly text: string;
  readonly url: URL;
}

/** The helper bound to one source. */
export interface ExchangeHttp {
  readonly base: URL;
  /** Resolves `target` against the base URL; a `protocol` error when the result is not under it. */
  resolve(target: string | URL): URL;
  send(request: ExchangeRequest, signal: HashExchangeAbortSignal): Promise<ExchangeResponse>;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * Builds the helper for one source. `sourceName` is our name of the source, for messages
 * (`NCMEC`, `StopNCII`, `ThreatExchange`).
 */
export function createExchangeHttp(
  sourceName: string,
  baseUrl: string,
  deps: ExchangeHttpDeps = {},
): ExchangeHttp {
  let base: URL;
  try {
    base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  } catch {
    throw new RangeError(`The ${sourceName} base URL is not a URL: ${baseUrl}`);
  }
  if (base.protocol !== 'https:' && !(deps.allowHttpForTests && base.protocol === 'http:')) {
    throw new RangeError(`The ${sourceName} base URL must be https://`);
  }
  if (base.username || base.password || base.search || base.hash) {
    throw new RangeError(`The ${sourceName} base URL must not carry credentials, a query or a fragment.`);
  }
  const doFetch = deps.fetch ?? fetch;
  const timeoutMs = deps.timeoutMs ?? 60_000;
  const attempts = Math.max(1, deps.attempts ?? 4);
  const delay = deps.retryDelayMs ?? ((n: number) => Math.min(8_000, 500 * 2 ** (n - 1)));
  const maxRetryWaitMs = deps.maxRetryWaitMs ?? 10_000;
  const maxResponseBytes = deps.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  function resolve(target: string | URL): URL {
    let url: URL;
    try {
      url = new URL(target, base);
    } catch {
      throw new HashExchangeError('protocol', `${sourceName} gave a link that is not a URL.`);
    }
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) {
      // A next-page link elsewhere: never followed (credentials would go with it).
      throw new HashExchangeError(
        'protocol',
        `${sourceName} gave a link outside its configured base URL (${url.origin}${url.pathname}); not followed.`,
      );
    }
    return url;
  }

  async function send(request: ExchangeRequest, signal: HashExchangeAbortSignal): Promise<ExchangeResponse> {
    const url = resolve(request.target);
    const tries = request.retry === false ? 1 : attempts;
    let lastProblem = '';
    let retryAfterMs: number | undefined;
    let status: number | undefined;
    for (let attempt = 1; attempt <= tries; attempt++) {
      if (attempt > 1) {
        const wait = retryAfterMs ?? delay(attempt - 1);
        if (wait > maxRetryWaitMs) break;
        await sleep(wait, signal);
      }
      throwIfAborted(signal, sourceName);
      retryAfterMs = undefined;
      let response: Response;
      try {
        response = await doFetch(url, {
          method: request.method ?? 'GET',
          headers: request.headers,
          ...(request.body !== undefined ? { body: request.body } : {}),
          redirect: 'manual',
          signal: combinedSignal(signal, timeoutMs),
        });
      } catch (error) {
        throwIfAborted(signal, sourceName);
        lastProblem =
          (error as { name?: string }).name === 'TimeoutError'
            ? 'the call timed out'
            : 'the connection failed';
        status = undefined;
        continue;
      }
      status = response.status;
      if (status >= 300 && status < 400) {
        await response.body?.cancel();
        throw new HashExchangeError(
          'protocol',
          `${sourceName} answered with a redirect (HTTP ${status}); redirects are not followed.`,
          { status },
        );
      }
      if (status === 401 || status === 403) {
        await response.body?.cancel();
        throw new HashExchangeError(
          'unauthorized',
          `${sourceName} refused the credentials (HTTP ${status}): check or renew them.`,
          { status },
        );
      }
      if (status >= 500 || status === 429) {
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        await response.body?.cancel();
        lastProblem = status === 429 ? 'HTTP 429 (rate limited)' : `HTTP ${status}`;
        continue;
      }
      let text: string;
      try {
        text = await readLimited(response, maxResponseBytes);
      } catch (error) {
        throwIfAborted(signal, sourceName);
        if (error instanceof HashExchangeError) throw error;
        lastProblem = 'the connection was lost while reading the answer';
        continue;
      }
      return { status, text, url };
    }
    // `retryAfterMs` only when the source said (the engine keeps its own back-off otherwise).
    throw new HashExchangeError(
      'transient',
      `${sourceName} did not answer usefully after ${tries === 1 ? 'one try' : `${tries} tries`} (${lastProblem}).`,
      {
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        ...(status !== undefined ? { status } : {}),
      },
    );
  }

  return { base, resolve, send };
}

/** Retry-After in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The engine's signal (when it is a platform AbortSignal) and the per-call timeout, combined. */
function combinedSignal(signal: HashExchangeAbortSignal, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal instanceof AbortSignal ? AbortSignal.any([signal, timeout]) : timeout;
}

function throwIfAborted(signal: HashExchangeAbortSignal, sourceName: string): void {
  if (signal.aborted) {
    throw new HashExchangeError('transient', `The sync with ${sourceName} was stopped.`);
  }
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new HashExchangeError('protocol', `The answer is larger than ${maxBytes} bytes.`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new HashExchangeError('protocol', `The answer is larger than ${maxBytes} bytes.`);
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

/** Waits `ms`, ending early (the caller then sees the signal aborted) when the engine stops the sync. */
function sleep(ms: number, signal: HashExchangeAbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      if (signal instanceof AbortSignal) signal.removeEventListener('abort', done);
      resolve();
    }
    if (signal instanceof AbortSignal) signal.addEventListener('abort', done, { once: true });
  });
}
