// A loopback stand-in for StopNCII.org's hash API, written from the shapes python-threatexchange's
// StopNCII client reads and sends (its api.py): the subscription key header and one function key
// per endpoint; GET /v1/FetchHashes?startTimestamp&pageSize[&nextPageToken] answering
// { count, nextPageToken, nextSetTimestamp, hasMoreRecords, hashRecords } with each hash record
// the hash's current state (lastModtimestamp, signalType, hashValue, hashStatus, caseNumbers as
// an object of case number → status, CSPFeedbacks); POST /v1/SubmitFeedback taking
// { count, hashFeedbacks: [{ hashValue, tags, feedbackValue }] }. Records are served in the order
// they last changed; a page token names the pass and the offset, and `expireTokens()` makes the
// tokens handed out so far invalid (the API's tokens do not live long), answered with HTTP 400.
import { startMockServer, type MockFault, type MockRequest, type MockAnswer } from './mock-server.js';

/** A hash record as the API sends it. */
export interface StopNciiMockRecord {
  readonly signalType: string;
  readonly hashValue: string;
  readonly hashStatus: string;
  readonly caseNumbers: Readonly<Record<string, string>>;
  readonly CSPFeedbacks?: readonly { feedbackValue: string; tags: string[]; source: string }[];
}

/** A feedback call the mock received. */
export interface StopNciiMockFeedback {
  readonly count: number;
  readonly hashFeedbacks: readonly { hashValue: string; tags: string[]; feedbackValue: string }[];
}

/** The running mock. */
export interface StopNciiMock {
  readonly baseUrl: string;
  readonly subscriptionKey: string;
  readonly fetchFunctionKey: string;
  readonly feedbackFunctionKey: string;
  readonly calls: Record<string, number>;
  readonly feedback: StopNciiMockFeedback[];
  /** Adds or replaces the record of a hash, changed at `at` (unix seconds). */
  put(record: StopNciiMockRecord, at: number): void;
  /** Invalidates every token handed out so far. */
  expireTokens(): void;
  /** Queues a fault for `FetchHashes` or `SubmitFeedback`. */
  fail(endpoint: string, fault: MockFault, times?: number): void;
  close(): Promise<void>;
}

const FEEDBACK_VALUES = [
  'Unknown',
  'None',
  'QualityUnknown',
  'PendingReview',
  'Blocked',
  'NotBlocked',
  'Withdrawn',
  'Deleted',
];

/** Starts the mock on 127.0.0.1. */
export async function startStopNciiMock(): Promise<StopNciiMock> {
  const keys = { subscription: 'sub-key-1d4e', fetch: 'fetch-fn-key-88a1', feedback: 'feedback-fn-key-2c0b' };
  const records = new Map<string, { record: StopNciiMockRecord; at: number; sequence: number }>();
  const feedback: StopNciiMockFeedback[] = [];
  let sequence = 0;
  let generation = 1;

  const json = (status: number, value: unknown): MockAnswer => ({
    status,
    contentType: 'application/json',
    body: JSON.stringify(value),
  });
  const endpointOf = (request: MockRequest) => request.url.pathname.replace(/^\/v1\//, '');

  const handle = (request: MockRequest): MockAnswer => {
    const endpoint = endpointOf(request);
    if (request.headers['ocp-apim-subscription-key'] !== keys.subscription) {
      return json(401, { statusCode: 401, message: 'Access denied due to invalid subscription key.' });
    }
    if (endpoint === 'FetchHashes' && request.method === 'GET') {
      if (request.headers['x-functions-key'] !== keys.fetch) return json(401, { message: 'Unauthorized' });
      const q = request.url.searchParams;
      const pageSize = Number(q.get('pageSize') ?? '800');
      let start = Number(q.get('startTimestamp') ?? '10');
      let offset = 0;
      const token = q.get('nextPageToken');
      if (token) {
        let parsed: { generation: number; start: number; offset: number } | null = null;
        try {
          parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
        } catch {
          parsed = null;
        }
        if (!parsed || parsed.generation !== generation)
          return json(400, { message: 'The nextPageToken is not valid.' });
        start = parsed.start;
        offset = parsed.offset;
      }
      const all = [...records.values()]
        .filter((r) => r.at >= start)
        .sort((a, b) => a.at - b.at || a.sequence - b.sequence);
      const page = all.slice(offset, offset + pageSize);
      const hasMoreRecords = offset + pageSize < all.length;
      const nextSetTimestamp = page.length > 0 ? page.at(-1)!.at + 1 : start;
      return json(200, {
        count: page.length,
        nextPageToken: hasMoreRecords
          ? Buffer.from(JSON.stringify({ generation, start, offset: offset + pageSize })).toString(
              'base64url',
            )
          : '',
        nextSetTimestamp,
        hasMoreRecords,
        hashRecords: page.map((r) => ({ lastModtimestamp: r.at, CSPFeedbacks: [], ...r.record })),
      });
    }
    if (endpoint === 'SubmitFeedback' && request.method === 'POST') {
      if (request.headers['x-functions-key'] !== keys.feedback) return json(401, { message: 'Unauthorized' });
      let body: StopNciiMockFeedback;
      try {
        body = JSON.parse(request.body) as StopNciiMockFeedback;
      } catch {
        return json(400, { message: 'Not JSON.' });
      }
      const valid =
        Array.isArray(body.hashFeedbacks) &&
        body.count === body.hashFeedbacks.length &&
        body.hashFeedbacks.every(
          (f) =>
            typeof f.hashValue === 'string' &&
            Array.isArray(f.tags) &&
            FEEDBACK_VALUES.includes(f.feedbackValue),
        );
      if (!valid)
        return json(400, {
          message: 'Expected { count, hashFeedbacks: [{ hashValue, tags, feedbackValue }] }.',
        });
      feedback.push(body);
      return json(200, { count: body.count });
    }
    return json(404, { message: 'Not found.' });
  };

  const server = await startMockServer(endpointOf, handle);
  return {
    baseUrl: `${server.origin}/v1`,
    subscriptionKey: keys.subscription,
    fetchFunctionKey: keys.fetch,
    feedbackFunctionKey: keys.feedback,
    calls: server.calls,
    feedback,
    put(record, at) {
      records.set(`${record.signalType}/${record.hashValue}`, { record, at, sequence: ++sequence });
    },
    expireTokens() {
      generation++;
    },
    fail: server.fail,
    close: server.close,
  };
}
