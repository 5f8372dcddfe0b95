import {
  HashExchangeError,
  isRecord,
  parseStopNciiJson,
  type HashExchangeAbortSignal,
  type HashExchangeClient,
  type HashExchangeFeedback,
  type HashExchangePage,
  type ImportRecord,
} from '@hashline/domain';
import { createExchangeHttp, type ExchangeHttpDeps } from './exchange-http.js';

/**
 * StopNCII.org's hash API, as python-threatexchange's StopNCII client uses it
 * (`threatexchange/exchanges/clients/stopncii/api.py`): every call carries the subscription key
 * (`Ocp-Apim-Subscription-Key`) and the endpoint's function key (`x-functions-key`); `GET
 * /FetchHashes?startTimestamp=…&pageSize=…[&nextPageToken=…]` answers `{ count, nextPageToken,
 * nextSetTimestamp, hasMoreRecords, hashRecords }`, each hash record the current state of one
 * hash (`signalType`, `hashValue`, `hashStatus`, `caseNumbers` as an object of case number →
 * status, `CSPFeedbacks`); `POST /SubmitFeedback` takes `{ count, hashFeedbacks: [{ hashValue,
 * tags, feedbackValue }] }`.
 *
 * Decisions (the engine's ADR 0020 collects them):
 * - Records are read by the shared StopNCII parser: each live case number is a source of the
 *   hash (provenance source `stopncii`, the case number as id), a withdrawn or deleted case a
 *   withdrawal of that case, a withdrawn or deleted hash a withdrawal of the hash. A hash seen
 *   again replaces what we had (the API sends snapshots), so reading a record twice is harmless.
 * - Checkpoint: the pass's `startTimestamp`, the next page's token and the page's
 *   `nextSetTimestamp`. A restart continues with the token; a token the API no longer takes
 *   (tokens do not live long) makes the client start again from the last page's
 *   `nextSetTimestamp`, which python-threatexchange stores as its only checkpoint. The last page
 *   of a pass moves the start to its `nextSetTimestamp`.
 * - Votes are sent without retries on our side (a repeated POST could count a vote twice); a
 *   failed send is a `transient` error and the engine sends it again later.
 */

/** StopNCII's API root. */
export const STOPNCII_BASE_URL = 'https://api.stopncii.org/v1';

/** StopNCII's signal type per Hashline signal type (those it shares that Hashline matches on). */
export const STOPNCII_SIGNAL_TYPES: Readonly<Record<string, string>> = { pdq: 'ImagePDQ', md5: 'VideoMD5' }; // enumeration value

/** StopNCII's `feedbackValue` per verdict of ours (Blocked: reviewed and found to be what the hash says). */
export const STOPNCII_FEEDBACK_VALUES = { confirmed: 'Blocked', 'false-positive': 'NotBlocked' } as const; // enumeration value

/** The first `startTimestamp` python-threatexchange asks for (the API's epoch for "everything"). */
const DEFAULT_START_TIMESTAMP = 10;

/** What a StopNCII exchange needs. */
export interface StopNciiExchangeOptions {
  /** Default {@link STOPNCII_BASE_URL} (tests: a loopback mock). */
  readonly baseUrl?: string;
  readonly credentials: StopNciiExchangeCredentials;
  /** Records per page (default 800, python-threatexchange's). */
  readonly pageSize?: number;
  /** Unix seconds the first sync starts from (default: everything). */
  readonly startTimestamp?: number | null;
}

/** StopNCII keys: the subscription key and one function key per endpoint. */
export interface StopNciiExchangeCredentials {
  readonly subscriptionKey: string;
  readonly fetchFunctionKey: string;
  /** Without it, no votes are sent (the client has no `sendFeedback`). */
  readonly feedbackFunctionKey?: string | null;
}

interface StopNciiCheckpoint {
  readonly v: 1;
  /** The pass's `startTimestamp`. */
  readonly start: number;
  /** The next page's token; null at a pass's start. */
  readonly token: string | null;
  /** The last page's `nextSetTimestamp`, where a pass restarts when the token has expired. */
  readonly resumeFrom: number | null;
}

interface FetchHashesPage {
  readonly nextPageToken: string;
  readonly nextSetTimestamp: number;
  readonly hasMoreRecords: boolean;
  readonly hashRecords: readonly unknown[];
}

/** Builds the StopNCII client of one exchange. */
export function createStopNciiExchangeClient(
  options: StopNciiExchangeOptions,
  deps: ExchangeHttpDeps = {},
): HashExchangeClient {
  const { subscriptionKey, fetchFunctionKey, feedbackFunctionKey } = options.credentials;
  if (!subscriptionKey || !fetchFunctionKey) {
    throw new RangeError('StopNCII credentials need the subscription key and the FetchHashes function key.');
  }
  const pageSize = options.pageSize ?? 800;
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new RangeError('The StopNCII page size must be a positive integer.');
  const http = createExchangeHttp('StopNCII', options.baseUrl ?? STOPNCII_BASE_URL, deps);
  const headers = (functionKey: string) => ({
    'ocp-apim-subscription-key': subscriptionKey,
    'x-functions-key': functionKey,
    accept: 'application/json',
  });

  async function fetchHashes(
    start: number,
    token: string | null,
    signal: HashExchangeAbortSignal,
  ): Promise<FetchHashesPage | 'token-refused'> {
    const query = new URLSearchParams({ startTimestamp: String(start), pageSize: String(pageSize) });
    if (token) query.set('nextPageToken', token);
    const response = await http.send(
      { target: `FetchHashes?${query}`, headers: headers(fetchFunctionKey) },
      signal,
    );
    if (token && [400, 404, 410].includes(response.status)) return 'token-refused';
    if (response.status !== 200) {
      throw new HashExchangeError('protocol', `StopNCII answered HTTP ${response.status} to FetchHashes.`, {
        status: response.status,
      });
    }
    return readPage(response.text);
  }

  const client: HashExchangeClient = {
    type: 'stopncii',

    async fetchPage(checkpointText, signal): Promise<HashExchangePage> {
      const checkpoint = checkpointText === null ? null : readCheckpoint(checkpointText);
      let start = checkpoint?.start ?? options.startTimestamp ?? DEFAULT_START_TIMESTAMP;
      let page = await fetchHashes(start, checkpoint?.token ?? null, signal);
      if (page === 'token-refused') {
        // The token expired: start again where the last page said a set ends (snapshots: re-reading is harmless).
        start = checkpoint?.resumeFrom ?? start;
        page = await fetchHashes(start, null, signal);
        if (page === 'token-refused')
          throw new HashExchangeError('protocol', 'StopNCII refused a fetch without a token.');
      }
      const records: ImportRecord[] = [];
      for await (const record of parseStopNciiJson([JSON.stringify({ hashRecords: page.hashRecords })])) {
        records.push(record);
      }
      const next: StopNciiCheckpoint = page.hasMoreRecords
        ? { v: 1, start, token: page.nextPageToken, resumeFrom: page.nextSetTimestamp }
        : // Never backwards: an empty set may name an earlier (or no) timestamp.
          { v: 1, start: Math.max(start, page.nextSetTimestamp), token: null, resumeFrom: null };
      return { records, checkpoint: JSON.stringify(next), caughtUp: !page.hasMoreRecords };
    },
  };

  if (feedbackFunctionKey) {
    client.sendFeedback = async (items: readonly HashExchangeFeedback[], signal): Promise<void> => {
      // StopNCII's feedback names the hash only (no signal type, no case): one vote per hash.
      const votes = new Map<string, string>();
      for (const item of items) {
        if (!STOPNCII_SIGNAL_TYPES[item.signalType]) continue; // not a hash StopNCII shares
        votes.set(item.value, STOPNCII_FEEDBACK_VALUES[item.verdict]);
      }
      if (votes.size === 0) return;
      const body = JSON.stringify({
        count: votes.size,
        hashFeedbacks: [...votes].map(([hashValue, feedbackValue]) => ({
          hashValue,
          tags: [],
          feedbackValue,
        })),
      });
      const response = await http.send(
        {
          target: 'SubmitFeedback',
          method: 'POST',
          headers: { ...headers(feedbackFunctionKey), 'content-type': 'application/json' },
          body,
          retry: false,
        },
        signal,
      );
      if (response.status < 200 || response.status >= 300) {
        throw new HashExchangeError('protocol', `StopNCII refused the feedback (HTTP ${response.status}).`, {
          status: response.status,
        });
      }
    };
  }
  return client;
}

/** A FetchHashes answer, checked for the fields the sync relies on. */
function readPage(text: string): FetchHashesPage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HashExchangeError('protocol', 'StopNCII answered FetchHashes with something that is not JSON.');
  }
  if (
    !isRecord(value) ||
    !Array.isArray(value.hashRecords) ||
    typeof value.hasMoreRecords !== 'boolean' ||
    typeof value.nextSetTimestamp !== 'number' ||
    !Number.isFinite(value.nextSetTimestamp) ||
    (value.hasMoreRecords && (typeof value.nextPageToken !== 'string' || value.nextPageToken === ''))
  ) {
    throw new HashExchangeError(
      'protocol',
      'StopNCII answered FetchHashes without hashRecords, hasMoreRecords, nextSetTimestamp and (when more follow) nextPageToken.',
    );
  }
  return {
    nextPageToken: typeof value.nextPageToken === 'string' ? value.nextPageToken : '',
    nextSetTimestamp: value.nextSetTimestamp,
    hasMoreRecords: value.hasMoreRecords,
    hashRecords: value.hashRecords,
  };
}

function readCheckpoint(text: string): StopNciiCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = null;
  }
  const c = value as Partial<StopNciiCheckpoint> | null;
  if (
    !c ||
    c.v !== 1 ||
    typeof c.start !== 'number' ||
    !(c.token === null || typeof c.token === 'string') ||
    !(c.resumeFrom === null || typeof c.resumeFrom === 'number')
  ) {
    throw new HashExchangeError('protocol', 'The stored StopNCII checkpoint is not one this client wrote.');
  }
  return c as StopNciiCheckpoint;
}
