import {
  HashExchangeError,
  isRecord,
  type HashExchangeAbortSignal,
  type HashExchangeClient,
  type HashExchangePage,
  type ImportRecord,
  type SignalType,
} from '@hashline/domain';
import { createExchangeHttp, type ExchangeHttpDeps, type ExchangeResponse } from './exchange-http.js';

/**
 * Meta ThreatExchange's `threat_updates` of one privacy group, as python-threatexchange's
 * ThreatExchange client fetches it (`exchanges/clients/fb_threatexchange/api.py` and
 * `threat_updates.py`): `GET /v{N}/{privacy_group}/threat_updates/?access_token=…&start_time=…
 * &stop_time=…&limit=…&fields=…` answers `{ data: [update…], paging: { cursors, next } }`, each
 * update an indicator's current state (`id`, `indicator`, `type`, `last_updated`,
 * `should_delete`, its `descriptors` with their owner, status and tags), `paging.next` the full
 * URL of the next page until the range is exhausted.
 *
 * Decisions (the engine's ADR 0020 collects them):
 * - Checkpoint: a pass fixes `[start_time, stop_time)` (stop = now) and walks the `next` links;
 *   the checkpoint holds the range and the next link with the access token taken out (a
 *   checkpoint is stored unsealed; the token is added back on each call), so a restart resumes
 *   on the page after the last one applied. The next pass starts one second before the last
 *   stop: whether the API's bounds include their second is not documented, and reading an
 *   update twice is harmless (it states the indicator's current state), missing one is not.
 * - Indicator types: `HASH_PDQ` → pdq, `HASH_MD5` and `HASH_VIDEO_MD5` → md5 (a file's MD5,
 *   whatever the media), `HASH_SHA1` → sha1, `HASH_SHA256` → sha256. Others (`HASH_TMK`, URLs,
 *   text, …) are skipped with a reason. ThreatExchange has no vPDQ indicator type (pytx's vPDQ
 *   signal does not map to one), so videos arrive only as MD5s.
 * - Provenance: source `threatexchange`, the indicator id, and the privacy group as member, so
 *   that a deletion in one group never withdraws what another group (another exchange) vouches for.
 * - A deletion (`should_delete`, or an update without descriptors: python-threatexchange reads
 *   those as tombstones too) and an indicator every descriptor of which now says
 *   `NON_MALICIOUS` are withdrawals of the indicator.
 * - Graph API errors arrive as HTTP 400 with `{ error: { code, type } }`: an invalid or expired
 *   token (OAuthException, codes 102 and 190, permission codes 10 and 200–299) is
 *   `unauthorized`, throttling (codes 4, 17, 32, 613) `transient`.
 */

/** The Graph API root, with its version (`/v{N}`). */
export const THREATEXCHANGE_BASE_URL = 'https://graph.facebook.com/v19.0';

/** Our signal type per ThreatExchange indicator type. */
export const THREATEXCHANGE_INDICATOR_TYPES: Readonly<Record<string, SignalType>> = {
  HASH_PDQ: 'pdq',
  HASH_MD5: 'md5',
  HASH_VIDEO_MD5: 'md5',
  HASH_SHA1: 'sha1',
  HASH_SHA256: 'sha256',
}; // enumeration value (the keys)

/** A descriptor status saying the indicator is harmless after all. */
const NON_MALICIOUS_STATUS = 'NON_MALICIOUS'; // enumeration value

/** The fields asked of each update (descriptors with their owner, status and tags). */
const UPDATE_FIELDS = 'id,indicator,type,last_updated,should_delete,descriptors{id,owner{id},status,tags}';

/** Graph API error codes: the token or the app's permissions, and throttling. */
const AUTH_ERROR_CODES = new Set([10, 102, 190]);
const THROTTLE_ERROR_CODES = new Set([4, 17, 32, 613]);
/** Wait after throttling when the API names no time (Graph's windows are about an hour; try sooner). */
const THROTTLE_WAIT_MS = 5 * 60_000;

/** What a ThreatExchange exchange needs. */
export interface ThreatExchangeExchangeOptions {
  /** Default {@link THREATEXCHANGE_BASE_URL} (tests: a loopback mock). */
  readonly baseUrl?: string;
  readonly credentials: ThreatExchangeExchangeCredentials;
  /** The ThreatPrivacyGroup id. */
  readonly privacyGroupId: string;
  /** Updates per page (default 500). */
  readonly pageSize?: number;
  /** Unix seconds the first sync starts from (default: everything the API still holds). */
  readonly startTime?: number | null;
}

/** The app's access token (`<app id>|<secret>`). */
export interface ThreatExchangeExchangeCredentials {
  readonly accessToken: string;
}

/** Injected collaborators: HTTP settings and the clock. */
export interface ThreatExchangeExchangeDeps extends ExchangeHttpDeps {
  readonly now?: () => Date;
}

interface ThreatExchangeCheckpoint {
  readonly v: 1;
  /** The pass's start_time (null: from the beginning), or the next pass's when `stop` is null. */
  readonly start: number | null;
  /** The pass's stop_time; null between passes. */
  readonly stop: number | null;
  /** The next page's URL without the access token; null at a pass's start. */
  readonly next: string | null;
}

/** Builds the ThreatExchange client of one exchange. */
export function createThreatExchangeClient(
  options: ThreatExchangeExchangeOptions,
  deps: ThreatExchangeExchangeDeps = {},
): HashExchangeClient {
  const token = options.credentials.accessToken;
  if (!token) throw new RangeError('ThreatExchange needs an access token.');
  if (!/^\d+$/.test(options.privacyGroupId))
    throw new RangeError('A ThreatExchange privacy group id is a number.');
  const pageSize = options.pageSize ?? 500;
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new RangeError('The ThreatExchange page size must be a positive integer.');
  const http = createExchangeHttp('ThreatExchange', options.baseUrl ?? THREATEXCHANGE_BASE_URL, deps);
  const now = deps.now ?? (() => new Date());
  const group = options.privacyGroupId;

  async function get(url: URL, signal: HashExchangeAbortSignal): Promise<ExchangeResponse> {
    const withToken = new URL(url);
    withToken.searchParams.set('access_token', token);
    const response = await http.send({ target: withToken, headers: { accept: 'application/json' } }, signal);
    if (response.status === 200) return response;
    const error = graphError(response.text);
    // Throttling first: Graph gives it the OAuthException type too.
    if (error && THROTTLE_ERROR_CODES.has(error.code)) {
      throw new HashExchangeError(
        'transient',
        `ThreatExchange is throttling this app (code ${error.code}).`,
        {
          status: response.status,
          retryAfterMs: THROTTLE_WAIT_MS,
        },
      );
    }
    if (
      error &&
      (AUTH_ERROR_CODES.has(error.code) ||
        (error.code >= 200 && error.code < 300) ||
        error.type === 'OAuthException')
    ) {
      throw new HashExchangeError(
        'unauthorized',
        `ThreatExchange refused the access token (${error.message}).`,
        {
          status: response.status,
        },
      );
    }
    throw new HashExchangeError(
      'protocol',
      `ThreatExchange answered HTTP ${response.status} to threat_updates${error ? ` (${error.message})` : ''}.`,
      { status: response.status },
    );
  }

  return {
    type: 'threatexchange',

    async fetchPage(checkpointText, signal): Promise<HashExchangePage> {
      const checkpoint = checkpointText === null ? null : readCheckpoint(checkpointText);
      let range: { start: number | null; stop: number };
      let url: URL;
      if (checkpoint?.stop != null && checkpoint.next) {
        range = { start: checkpoint.start, stop: checkpoint.stop };
        url = http.resolve(checkpoint.next);
      } else {
        const start = checkpoint ? checkpoint.start : (options.startTime ?? null);
        const stop = Math.floor(now().getTime() / 1000);
        if (start !== null && stop <= start) {
          return { records: [], checkpoint: write({ v: 1, start, stop: null, next: null }), caughtUp: true };
        }
        range = { start, stop };
        url = http.resolve(`${group}/threat_updates/`);
        if (start !== null) url.searchParams.set('start_time', String(start));
        url.searchParams.set('stop_time', String(stop));
        url.searchParams.set('limit', String(pageSize));
        url.searchParams.set('fields', UPDATE_FIELDS);
      }
      const response = await get(url, signal);
      const { updates, next } = readPage(response.text);
      const records = updates.map((update, i) => toRecord(update, i + 1, group));
      if (next) {
        const nextUrl = http.resolve(next); // a link elsewhere fails here, on the page that gave it
        nextUrl.searchParams.delete('access_token');
        return { records, checkpoint: write({ v: 1, ...range, next: nextUrl.href }), caughtUp: false };
      }
      // One second of overlap with the next pass: see the module comment.
      return {
        records,
        checkpoint: write({ v: 1, start: range.stop - 1, stop: null, next: null }),
        caughtUp: true,
      };
    },
  };
}

/** The updates and next link of one page; a `protocol` error when it is not a threat_updates page. */
function readPage(text: string): { updates: unknown[]; next: string | null } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HashExchangeError(
      'protocol',
      'ThreatExchange answered threat_updates with something that is not JSON.',
    );
  }
  if (!isRecord(value) || !Array.isArray(value.data)) {
    throw new HashExchangeError('protocol', 'ThreatExchange answered threat_updates without a data list.');
  }
  const paging = isRecord(value.paging) ? value.paging : {};
  const next = typeof paging.next === 'string' && paging.next !== '' ? paging.next : null;
  return { updates: value.data, next };
}

/** One update as an import record. */
function toRecord(update: unknown, line: number, group: string): ImportRecord {
  if (
    !isRecord(update) ||
    (typeof update.id !== 'string' && typeof update.id !== 'number') ||
    typeof update.type !== 'string' ||
    typeof update.indicator !== 'string'
  ) {
    return { kind: 'error', line, message: `threat_updates item ${line} has no id, type or indicator.` };
  }
  const id = String(update.id);
  const signalType = THREATEXCHANGE_INDICATOR_TYPES[update.type];
  if (!signalType) {
    return {
      kind: 'skipped',
      line,
      reason: `Not imported: ThreatExchange indicator ${id} of type ${update.type} is not a signal Hashline matches on.`,
    };
  }
  const descriptors =
    isRecord(update.descriptors) && Array.isArray(update.descriptors.data) ? update.descriptors.data : null;
  const withdrawal: ImportRecord = {
    kind: 'withdrawal',
    line,
    withdrawn: { source: 'threatexchange', externalId: id, member: group },
  };
  if (update.should_delete === true || descriptors === null) return withdrawal;
  const statuses = descriptors.map((d) => (isRecord(d) && typeof d.status === 'string' ? d.status : null));
  if (statuses.length > 0 && statuses.every((s) => s === NON_MALICIOUS_STATUS)) return withdrawal;
  const tags = new Set<string>();
  for (const d of descriptors) {
    const list = isRecord(d) ? d.tags : null;
    const items = Array.isArray(list) ? list : isRecord(list) && Array.isArray(list.data) ? list.data : [];
    for (const tag of items) {
      const text =
        typeof tag === 'string' ? tag : isRecord(tag) && typeof tag.text === 'string' ? tag.text : null;
      if (text) tags.add(text);
    }
  }
  return {
    kind: 'hash',
    line,
    hash: {
      signalType,
      value: update.indicator.trim().toLowerCase(),
      provenance: { source: 'threatexchange', externalId: id, member: group },
      note: tags.size > 0 ? `ThreatExchange tags: ${[...tags].sort().join(', ')}` : null,
    },
  };
}

/** A Graph API error body (`{ error: { message, type, code } }`), or null. */
function graphError(text: string): { message: string; type: string; code: number } | null {
  try {
    const value: unknown = JSON.parse(text);
    if (isRecord(value) && isRecord(value.error)) {
      const { message, type, code } = value.error;
      return {
        message: typeof message === 'string' ? message : 'no message',
        type: typeof type === 'string' ? type : '',
        code: typeof code === 'number' ? code : -1,
      };
    }
  } catch {
    // not JSON: no Graph error
  }
  return null;
}

function readCheckpoint(text: string): ThreatExchangeCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = null;
  }
  const c = value as Partial<ThreatExchangeCheckpoint> | null;
  if (
    !c ||
    c.v !== 1 ||
    !(c.start === null || typeof c.start === 'number') ||
    !(c.stop === null || typeof c.stop === 'number') ||
    !(c.next === null || typeof c.next === 'string')
  ) {
    throw new HashExchangeError(
      'protocol',
      'The stored ThreatExchange checkpoint is not one this client wrote.',
    );
  }
  return c as ThreatExchangeCheckpoint;
}

function write(checkpoint: ThreatExchangeCheckpoint): string {
  return JSON.stringify(checkpoint);
}
