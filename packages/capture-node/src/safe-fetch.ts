import type { LookupAddress, LookupOptions } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import {
  DomainError,
  isDomainError,
  type ConditionalFetch,
  type FetchPurpose,
  type FetchedResource,
  type SafeFetcher,
} from '@hashline/domain';
import { checkCaptureUrl, hostLiteral, isAllowedAddress } from './capture-url.js';
import { systemResolver, type HostResolver } from './host-resolver.js';
import { parseIp } from './ip-address.js';

/** 20 MiB: the largest response body a capture keeps (SECURITY.md G13). */
export const DEFAULT_CAPTURE_MAX_BYTES = 20 * 1024 * 1024;
/** 10 s for a whole fetch: every DNS look-up, connection, redirect and the body. */
export const DEFAULT_CAPTURE_TIMEOUT_MS = 10_000;
/** Redirects followed before `CAPTURE_TOO_MANY_REDIRECTS`. */
export const DEFAULT_CAPTURE_MAX_REDIRECTS = 5;
/** The User-Agent a capture sends unless told otherwise. */
export const DEFAULT_CAPTURE_USER_AGENT = 'HashlineCapture/0.1 (hotline URL capture)';

/** Media types a `media` fetch accepts by default (lower case, no parameters). */
export const DEFAULT_MEDIA_TYPES: readonly string[] = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/bmp',
  'image/tiff',
  'image/avif',
  'video/mp4',
  'video/webm',
];

/** Media types a `page` fetch accepts by default: HTML, and media (a reported URL may be an image). */
export const DEFAULT_PAGE_TYPES: readonly string[] = [
  'text/html',
  'application/xhtml+xml',
  ...DEFAULT_MEDIA_TYPES,
];

/**
 * Media types a browser capture's sub-requests (`resource` fetches) accept by default: what a page
 * needs to render (markup, scripts, styles, fonts, data, images, media). Anything else is refused.
 */
export const DEFAULT_RESOURCE_TYPES: readonly string[] = [
  ...DEFAULT_PAGE_TYPES,
  'image/svg+xml',
  'image/x-icon',
  'image/vnd.microsoft.icon',
  'text/css',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'text/plain',
  'application/json',
  'text/xml',
  'application/xml',
  'font/woff',
  'font/woff2',
  'font/ttf',
  'font/otf',
  'application/font-woff',
  'application/vnd.apple.mpegurl',
  'application/x-mpegurl',
  'video/mp2t',
  'video/ogg',
  'audio/mpeg',
  'audio/ogg',
  'audio/mp4',
  'audio/webm',
];

/** Options of {@link createSafeFetcher}. */
export interface SafeFetcherOptions {
  /** Largest body kept, in bytes (decoded size when the host compresses). Default 20 MiB. */
  readonly maxBytes?: number;
  /** Time for the whole fetch including DNS, redirects and body, in ms. Default 10 s. */
  readonly timeoutMs?: number;
  /** Redirects followed (each re-checked). Default 5. */
  readonly maxRedirects?: number;
  readonly userAgent?: string;
  /** Host name → addresses. Default: the system resolver (`dns.lookup`, all addresses). */
  readonly resolver?: HostResolver;
  /**
   * TEST ONLY. Opens exactly 127.0.0.1 and ::1 (nothing else in 127/8, no IPv4-mapped form, no
   * private range) so tests can run a site on the loopback interface and still prove that a
   * redirect to 127.0.0.2, 10.0.0.1 or 169.254.169.254 is refused. Never set it in production.
   */
  readonly allowLoopbackForTests?: boolean;
  /** Content types a `page` fetch accepts (lower case, no parameters). */
  readonly pageTypes?: readonly string[];
  /** Content types a `media` fetch accepts (lower case, no parameters). */
  readonly mediaTypes?: readonly string[];
  /** Content types a `resource` fetch (a browser capture's sub-request) accepts. */
  readonly resourceTypes?: readonly string[];
  /**
   * PEM certificates trusted in addition to Node's bundled roots (tests use it for a
   * self-signed site; a deployment behind a TLS-inspecting proxy would too).
   */
  readonly extraCaCertificates?: readonly string[];
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Creates the capture's HTTP client. Every hop (the URL and each redirect) is checked the same
 * way: http/https only, no credentials, the host resolved once, every address it resolves to
 * vetted, and the connection pinned to the first vetted address (a custom `lookup` that only
 * ever answers that address, plus a check of the socket's remote address). No cookies, no
 * authentication, no connection reuse. Bytes and time are capped while streaming. Errors are
 * `DomainError`s with `CAPTURE_*` codes whose messages never hold the response body or the URL.
 */
export function createSafeFetcher(options: SafeFetcherOptions = {}): SafeFetcher {
  const settings = {
    maxBytes: options.maxBytes ?? DEFAULT_CAPTURE_MAX_BYTES,
    timeoutMs: options.timeoutMs ?? DEFAULT_CAPTURE_TIMEOUT_MS,
    maxRedirects: options.maxRedirects ?? DEFAULT_CAPTURE_MAX_REDIRECTS,
    userAgent: options.userAgent ?? DEFAULT_CAPTURE_USER_AGENT,
    resolver: options.resolver ?? systemResolver,
    allowLoopback: options.allowLoopbackForTests === true,
    types: {
      page: new Set(options.pageTypes ?? DEFAULT_PAGE_TYPES),
      media: new Set(options.mediaTypes ?? DEFAULT_MEDIA_TYPES),
      resource: new Set(options.resourceTypes ?? DEFAULT_RESOURCE_TYPES),
    } satisfies Record<FetchPurpose, Set<string>>,
    ca: options.extraCaCertificates?.length
      ? [...rootCertificates, ...options.extraCaCertificates]
      : undefined,
  };
  for (const [name, value, min] of [
    ['maxBytes', settings.maxBytes, 1],
    ['timeoutMs', settings.timeoutMs, 1],
    ['maxRedirects', settings.maxRedirects, 0],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < min)
      throw new RangeError(`${name} must be an integer ≥ ${min}`);
  }
  return {
    async fetch(
      url: string,
      purpose: FetchPurpose,
      conditional?: ConditionalFetch,
    ): Promise<FetchedResource> {
      if (purpose !== 'page' && purpose !== 'media' && purpose !== 'resource') {
        throw new DomainError('CAPTURE_FAILED', 'The fetch purpose must be page, media or resource.');
      }
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
      try {
        return await fetchFollowingRedirects(url, purpose, settings, controller.signal, conditional);
      } catch (error) {
        if (controller.signal.aborted && !(isDomainError(error) && error.code !== 'CAPTURE_FAILED')) {
          throw timeoutError();
        }
        if (isDomainError(error)) throw error;
        throw new DomainError('CAPTURE_FAILED', `The URL could not be fetched (${errorCode(error)}).`);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

type Settings = {
  readonly maxBytes: number;
  readonly maxRedirects: number;
  readonly userAgent: string;
  readonly resolver: HostResolver;
  readonly allowLoopback: boolean;
  readonly types: Record<FetchPurpose, ReadonlySet<string>>;
  readonly ca: string[] | undefined;
};

async function fetchFollowingRedirects(
  url: string,
  purpose: FetchPurpose,
  settings: Settings,
  signal: AbortSignal,
  conditional?: ConditionalFetch,
): Promise<FetchedResource> {
  const checkOptions = { allowLoopbackForTests: settings.allowLoopback };
  const visited: string[] = [];
  let current = checkCaptureUrl(url, checkOptions);
  for (let hop = 0; ; hop++) {
    visited.push(current.href);
    const address = await vetHost(current, settings, signal);
    const { request, response } = await sendRequest(current, address, purpose, settings, signal, conditional);
    try {
      assertPinned(response, address);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (REDIRECT_STATUSES.has(status) && location !== undefined) {
        if (hop >= settings.maxRedirects) {
          throw new DomainError(
            'CAPTURE_TOO_MANY_REDIRECTS',
            `More than ${settings.maxRedirects} redirects.`,
          );
        }
        current = checkCaptureUrl(resolveLocation(location, current), checkOptions);
        continue;
      }
      const validators = {
        etag: headerText(response.headers.etag),
        lastModified: headerText(response.headers['last-modified']),
      };
      if (status === 304 && conditional !== undefined) {
        // Not modified since the validators the caller passed: nothing to read.
        return {
          finalUrl: current.href,
          status,
          contentType: '',
          bytes: new Uint8Array(0),
          redirects: visited,
          remoteAddress: address,
          validators,
        };
      }
      if (status < 200 || status > 299) {
        throw Object.assign(
          new DomainError('CAPTURE_HTTP_STATUS', `The host answered with status ${status}.`),
          { httpStatus: status },
        );
      }
      const contentType = mediaTypeOf(response.headers['content-type']);
      if (!settings.types[purpose].has(contentType)) {
        throw new DomainError(
          'CAPTURE_UNSUPPORTED_TYPE',
          `The content type is not accepted for a ${purpose} capture.`,
        );
      }
      const bytes = await readBody(response, settings.maxBytes, signal);
      return {
        finalUrl: current.href,
        status,
        contentType,
        bytes,
        redirects: visited,
        remoteAddress: address,
        validators,
      };
    } finally {
      // One request per connection (no agent): closing it frees the socket, whatever happened.
      request.destroy();
    }
  }
}

/**
 * Resolves the host once and vets every address; returns the address to pin. An IP literal
 * was vetted by `checkCaptureUrl` already and is used as it is, without DNS.
 */
async function vetHost(url: URL, settings: Settings, signal: AbortSignal): Promise<string> {
  const literal = hostLiteral(url);
  if (literal !== null) return literal;
  let addresses: readonly string[];
  try {
    addresses = await untilAborted(settings.resolver(url.hostname), signal);
  } catch (error) {
    if (isDomainError(error)) throw error;
    throw new DomainError('CAPTURE_DNS_FAILED', `The host name did not resolve (${errorCode(error)}).`);
  }
  if (!Array.isArray(addresses) || addresses.length === 0) {
    throw new DomainError('CAPTURE_DNS_FAILED', 'The host name has no address.');
  }
  // One blocked answer refuses the host: a name that also points inside is not a public site,
  // and picking the "good" answer would let a rebinding attacker choose which one we use.
  for (const address of addresses) {
    if (typeof address !== 'string' || !isAllowedAddress(address, settings.allowLoopback)) {
      throw new DomainError('CAPTURE_BLOCKED_ADDRESS', 'The host name resolves to a blocked address.');
    }
  }
  const first = addresses[0] as string;
  return first.startsWith('[') ? first.slice(1, -1) : first;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

function sendRequest(
  url: URL,
  address: string,
  purpose: FetchPurpose,
  settings: Settings,
  signal: AbortSignal,
  conditional?: ConditionalFetch,
): Promise<{ request: http.ClientRequest; response: http.IncomingMessage }> {
  const family = isIP(address);
  // The connection goes to the vetted address whatever the host name resolves to now: this
  // lookup never asks DNS. Host header, SNI and certificate checks still use the host name.
  const pinnedLookup = (_hostname: string, lookupOptions: LookupOptions, callback: LookupCallback): void => {
    if (lookupOptions.all === true) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const requestOptions: https.RequestOptions = {
    method: 'GET',
    protocol: url.protocol,
    host: hostLiteral(url) ?? url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    family,
    lookup: pinnedLookup as unknown as https.RequestOptions['lookup'], // overloads of dns.lookup's type
    agent: false,
    signal,
    insecureHTTPParser: false,
    headers: {
      host: url.host,
      'user-agent': settings.userAgent,
      accept: acceptHeader(settings.types[purpose]),
      'accept-encoding': 'identity',
      ...(conditional?.etag ? { 'if-none-match': conditional.etag } : {}),
      ...(conditional?.lastModified ? { 'if-modified-since': conditional.lastModified } : {}),
    },
    ...(url.protocol === 'https:' && settings.ca !== undefined ? { ca: settings.ca } : {}),
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(requestOptions, (response) => resolve({ request, response }));
    request.on('error', reject);
    request.end();
  });
}

/** A tripwire behind the pinned lookup: the socket must be connected to the vetted address. */
function assertPinned(response: http.IncomingMessage, address: string): void {
  const remote = response.socket?.remoteAddress;
  const expected = parseIp(address);
  const actual = remote === undefined ? null : parseIp(remote);
  if (
    expected === null ||
    actual === null ||
    expected.family !== actual.family ||
    expected.value !== actual.value
  ) {
    throw new DomainError('CAPTURE_BLOCKED_ADDRESS', 'The connection was not made to the vetted address.');
  }
}

/** A single response header's text (validators are short; anything else is ignored). */
function headerText(value: string | string[] | undefined): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= 512 ? value : null;
}

function resolveLocation(location: string, base: URL): string {
  try {
    return new URL(location, base).href;
  } catch {
    throw new DomainError('CAPTURE_FAILED', 'The host redirected to an invalid URL.');
  }
}

/** `text/HTML; charset=utf-8` → `text/html`; a missing header is the empty string (never allowed). */
function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function acceptHeader(types: ReadonlySet<string>): string {
  return [...types].join(', ');
}

async function readBody(
  response: http.IncomingMessage,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const encoding = (response.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  let body: Readable = response;
  if (encoding !== 'identity' && encoding !== '') {
    // We asked for identity; a host that compresses anyway is decoded, and the cap applies to
    // the decoded bytes too, so a compression bomb stops at maxBytes + 1.
    const decoder =
      encoding === 'gzip' || encoding === 'x-gzip'
        ? createGunzip()
        : encoding === 'deflate'
          ? createInflate()
          : encoding === 'br'
            ? createBrotliDecompress()
            : null;
    if (decoder === null)
      throw new DomainError('CAPTURE_FAILED', 'The response uses an unsupported encoding.');
    let raw = 0;
    response.on('data', (chunk: Buffer) => {
      raw += chunk.length;
      if (raw > maxBytes) decoder.destroy(tooLarge(maxBytes));
    });
    response.on('error', (error) => decoder.destroy(error));
    body = response.pipe(decoder);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  if (signal.aborted) throw timeoutError();
  if (!response.complete)
    throw new DomainError('CAPTURE_FAILED', 'The connection closed before the response ended.');
  return new Uint8Array(Buffer.concat(chunks, total));
}

/** Rejects with `CAPTURE_TIMEOUT` when the signal fires first (e.g. a resolver that never answers). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(timeoutError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(timeoutError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function tooLarge(maxBytes: number): DomainError {
  return new DomainError('CAPTURE_TOO_LARGE', `The response is larger than ${maxBytes} bytes.`);
}

function timeoutError(): DomainError {
  return new DomainError('CAPTURE_TIMEOUT', 'The host took too long to answer.');
}

/** A system error code (`ECONNREFUSED`) or the error's name: never its message, which may hold the URL. */
function errorCode(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && /^[A-Za-z]{2,40}$/.test(name)) return name;
  }
  return 'unknown error';
}
