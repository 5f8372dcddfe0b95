import { isDomainError } from '../../domain-error.js';
import {
  capturedHttpStatus,
  type FetchedResource,
  type PageMediaReference,
  type SafeFetcher,
} from '../capture-ports.js';
import type { TakedownCheckResult } from './takedown-records.js';

/** The media a notice was about: what a re-check looks for at the URL. */
export interface TargetMedia {
  /** Where the capture found it (fetched first). */
  readonly sourceUrl: string;
  /** SHA-256 of the original bytes, lower-case hex, as the capture recorded it. */
  readonly sha256: string;
}

/** What a re-check found, with a stable code saying why (never content or URLs). */
export interface ProbeOutcome {
  readonly result: TakedownCheckResult;
  readonly detail: string;
}

/** Re-checks a reported URL for the media a notice was about. */
export interface TakedownProbe {
  check(url: string, targets: readonly TargetMedia[]): Promise<ProbeOutcome>;
}

/** What {@link createFetchingProbe} needs: the capture's own SSRF-safe fetcher and media extractor. */
export interface FetchingProbeDependencies {
  readonly fetcher: SafeFetcher;
  /** Finds the media of an HTML page from its bytes (the capture's extractor). */
  readonly extractMedia: (page: Uint8Array, baseUrl: string) => readonly PageMediaReference[];
  /** SHA-256 of bytes as lower-case hex (injected: the domain imports no Node module). */
  readonly sha256Bytes: (bytes: Uint8Array) => string;
  /** Most media fetched from one page (default 50, as the capture). */
  readonly maxMedia?: number;
}

/**
 * HTTP statuses that mean the content is gone: 404 Not Found, 410 Gone, and 451 Unavailable For
 * Legal Reasons (what a host answers once it has disabled access after a notice). Any other
 * error status (5xx, 403, 429) says nothing certain and is an `error`, checked again later.
 */
const GONE_STATUSES: ReadonlySet<number> = new Set([404, 410, 451]);

/**
 * The re-check through the capture's SafeFetcher (the same SSRF protection, caps and pinning):
 * - the page answers 404/410/451, or its host no longer resolves → `offline`;
 * - the page is reachable and still serves one of the notice's media (same SHA-256, found among
 *   the page's media, or the URL itself is the media) → `online`;
 * - the page is reachable but none of those media are there any more → `offline` (`media_gone`),
 *   unless a media fetch failed in a way that may pass (a timeout): then `error`;
 * - with no target media (nothing known about the page's content) a reachable page is `online`;
 * - anything else (timeouts, resets, 5xx, refused addresses) → `error`, retried by the schedule.
 */
export function createFetchingProbe(deps: FetchingProbeDependencies): TakedownProbe {
  const maxMedia = deps.maxMedia ?? 50;
  return {
    async check(url, targets) {
      let page: FetchedResource;
      try {
        page = await deps.fetcher.fetch(url, 'page');
      } catch (error) {
        return classifyFetchError(error, 'page');
      }
      if (targets.length === 0) return { result: 'online', detail: 'page_reachable' };
      const wanted = new Set(targets.map((t) => t.sha256.toLowerCase()));
      if (!isHtml(page.contentType)) {
        return wanted.has(deps.sha256Bytes(page.bytes))
          ? { result: 'online', detail: 'media_present' }
          : { result: 'offline', detail: 'media_gone' };
      }
      // The notice's own media first: a still-present item is usually found with one fetch.
      const known = new Set(targets.map((t) => t.sourceUrl));
      const references = [...deps.extractMedia(page.bytes, page.finalUrl)]
        .slice(0, maxMedia)
        .sort((a, b) => Number(known.has(b.url)) - Number(known.has(a.url)));
      let uncertain = false;
      for (const reference of references) {
        try {
          const item = await deps.fetcher.fetch(reference.url, 'media');
          if (wanted.has(deps.sha256Bytes(item.bytes))) return { result: 'online', detail: 'media_present' };
        } catch (error) {
          if (classifyFetchError(error, 'media').result === 'error') uncertain = true;
        }
      }
      return uncertain
        ? { result: 'error', detail: 'media_unverified' }
        : { result: 'offline', detail: 'media_gone' };
    },
  };
}

function classifyFetchError(error: unknown, what: 'page' | 'media'): ProbeOutcome {
  if (!isDomainError(error)) throw error;
  switch (error.code) {
    case 'CAPTURE_HTTP_STATUS': {
      const status = capturedHttpStatus(error);
      return status !== null && GONE_STATUSES.has(status)
        ? { result: 'offline', detail: `http_${status}` }
        : { result: 'error', detail: status === null ? 'http_error' : `http_${status}` };
    }
    case 'CAPTURE_DNS_FAILED':
      return { result: 'offline', detail: 'dns_failed' };
    case 'CAPTURE_UNSUPPORTED_TYPE':
      // The URL now serves something that is neither a page nor media: what was there is not.
      return { result: 'offline', detail: `${what}_replaced` };
    case 'CAPTURE_TIMEOUT':
      return { result: 'error', detail: 'timeout' };
    case 'CAPTURE_BLOCKED_ADDRESS':
    case 'CAPTURE_BLOCKED_SCHEME':
      // Never fetched (the name now points inside, say): nothing can be said about the content.
      return { result: 'error', detail: 'blocked_address' };
    case 'CAPTURE_TOO_LARGE':
    case 'CAPTURE_TOO_MANY_REDIRECTS':
      return { result: 'error', detail: error.code.toLowerCase().replace('capture_', '') };
    default:
      if (error.code.startsWith('CAPTURE_')) return { result: 'error', detail: 'fetch_failed' };
      throw error;
  }
}

function isHtml(contentType: string): boolean {
  return contentType === 'text/html' || contentType === 'application/xhtml+xml';
}
