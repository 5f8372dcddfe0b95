import { DomainError } from '@hashline/domain';
import { isBlockedAddress, isTestLoopback } from './blocked-address.js';
import { parseIp } from './ip-address.js';

/** Options of {@link checkCaptureUrl}. */
export interface CaptureUrlCheckOptions {
  /** Test-only: lets exactly 127.0.0.1 and ::1 through (see `SafeFetcherOptions`). */
  readonly allowLoopbackForTests?: boolean;
}

/**
 * Checks a URL before any DNS look-up: it must parse (WHATWG), use http or https, carry no user
 * name or password, and, when its host is an IP literal in any encoding the URL parser accepts
 * (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`, `[::ffff:7f00:1]`, …, all normalised by
 * `new URL`), that address must not be blocked. Returns the parsed URL without its fragment.
 * Throws `DomainError` `CAPTURE_FAILED` (unparseable, credentials), `CAPTURE_BLOCKED_SCHEME` or
 * `CAPTURE_BLOCKED_ADDRESS`.
 */
export function checkCaptureUrl(url: string, options: CaptureUrlCheckOptions = {}): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DomainError('CAPTURE_FAILED', 'The URL is not a valid absolute URL.');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new DomainError('CAPTURE_BLOCKED_SCHEME', 'Only http and https URLs are captured.');
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new DomainError('CAPTURE_FAILED', 'URLs with a user name or password are not captured.');
  }
  const literal = hostLiteral(parsed);
  if (literal !== null && !isAllowedAddress(literal, options.allowLoopbackForTests === true)) {
    throw new DomainError('CAPTURE_BLOCKED_ADDRESS', 'The URL points at a blocked address.');
  }
  parsed.hash = '';
  return parsed;
}

/** The IP literal a URL's host is (brackets removed), or null when the host is a name. */
export function hostLiteral(url: URL): string | null {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return parseIp(host) === null ? null : host;
}

/** The fetcher's address rule: not blocked, or the test loopback when the test switch is on. */
export function isAllowedAddress(ip: string, allowLoopbackForTests: boolean): boolean {
  return (allowLoopbackForTests && isTestLoopback(ip)) || !isBlockedAddress(ip);
}
