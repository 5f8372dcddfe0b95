// A loopback stand-in for Meta ThreatExchange's threat_updates endpoint (Graph API), written from
// the shapes python-threatexchange's ThreatExchange client reads (api.py, threat_updates.py):
// GET /v19.0/{privacy_group}/threat_updates/?access_token&start_time&stop_time&limit&fields[&after]
// answering { data: [{ id, indicator, type, last_updated, should_delete, descriptors: { data: [{
// id, owner: { id }, status, tags: { data: [{ id, text }] } }] } }], paging: { cursors, next } }
// where `next` is the full URL of the next page (access token included, as Graph writes it).
// Each indicator is held at its latest state; a deletion leaves a tombstone (should_delete, no
// descriptors). Errors are Graph's: HTTP 400 with { error: { message, type, code } } (190 for a
// bad token, 4 for throttling).
import { startMockServer, type MockFault, type MockRequest, type MockAnswer } from './mock-server.js';

/** An indicator as the mock holds it. */
export interface ThreatExchangeMockIndicator {
  readonly id: string;
  readonly type: string;
  readonly indicator: string;
  /** Descriptor statuses (one descriptor each), e.g. MALICIOUS, NON_MALICIOUS. */
  readonly statuses: readonly string[];
  readonly tags?: readonly string[];
}

/** The running mock. */
export interface ThreatExchangeMock {
  readonly baseUrl: string;
  readonly accessToken: string;
  readonly privacyGroupId: string;
  readonly calls: Record<string, number>;
  /** The query strings of every threat_updates call (to check what the client asks). */
  readonly queries: URLSearchParams[];
  /** Adds or replaces an indicator, updated at `at` (unix seconds). */
  put(indicator: ThreatExchangeMockIndicator, at: number): void;
  /** Deletes an indicator (a tombstone), at `at`. */
  remove(id: string, at: number): void;
  /** Answers the next calls with Graph's throttling error (code 4). */
  throttle(times?: number): void;
  /** Overrides every page's next link (to test links elsewhere). */
  nextLinkOverride: string | null;
  fail(endpoint: string, fault: MockFault, times?: number): void;
  close(): Promise<void>;
}

const VERSION = '/v19.0';

/** Starts the mock on 127.0.0.1. */
export async function startThreatExchangeMock(): Promise<ThreatExchangeMock> {
  const accessToken = '1234567890|mockSecretForLoopbackTests0';
  const privacyGroupId = '303636684709969';
  const indicators = new Map<
    string,
    { value: ThreatExchangeMockIndicator; deleted: boolean; at: number; sequence: number }
  >();
  const queries: URLSearchParams[] = [];
  const state = { sequence: 0, throttled: 0, nextLinkOverride: null as string | null };
  let origin = '';

  const json = (status: number, value: unknown): MockAnswer => ({
    status,
    contentType: 'application/json',
    body: JSON.stringify(value),
  });
  const endpointOf = (request: MockRequest) =>
    new RegExp(`^${VERSION}/\\d+/threat_updates/?$`).test(request.url.pathname) ? 'threat_updates' : 'other';

  const handle = (request: MockRequest): MockAnswer => {
    const q = request.url.searchParams;
    if (endpointOf(request) !== 'threat_updates' || request.method !== 'GET') {
      return json(400, {
        error: { message: 'Unsupported get request.', type: 'GraphMethodException', code: 100 },
      });
    }
    queries.push(new URLSearchParams(q));
    if (q.get('access_token') !== accessToken) {
      return json(400, {
        error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 },
      });
    }
    if (state.throttled > 0) {
      state.throttled--;
      return json(400, {
        error: { message: '(#4) Application request limit reached', type: 'OAuthException', code: 4 },
      });
    }
    const group = request.url.pathname.split('/')[2];
    if (group !== privacyGroupId) {
      return json(400, {
        error: { message: 'Unknown privacy group.', type: 'GraphMethodException', code: 100 },
      });
    }
    const start = q.has('start_time') ? Number(q.get('start_time')) : 0;
    const stop = q.has('stop_time') ? Number(q.get('stop_time')) : Number.MAX_SAFE_INTEGER;
    const limit = Number(q.get('limit') ?? '100');
    const offset = q.has('after') ? Number(Buffer.from(q.get('after')!, 'base64url').toString('utf8')) : 0;
    const all = [...indicators.values()]
      .filter((i) => i.at >= start && i.at < stop)
      .sort((a, b) => a.at - b.at || a.sequence - b.sequence);
    const page = all.slice(offset, offset + limit);
    const after = Buffer.from(String(offset + limit)).toString('base64url');
    let next: string | null = null;
    if (offset + limit < all.length) {
      const link = new URL(`${origin}${request.url.pathname}`);
      for (const [k, v] of q) if (k !== 'after') link.searchParams.set(k, v);
      link.searchParams.set('after', after);
      next = state.nextLinkOverride ?? link.href;
    }
    return json(200, {
      data: page.map(({ value, deleted, at }) => ({
        id: value.id,
        indicator: value.indicator,
        type: value.type,
        last_updated: at,
        should_delete: deleted,
        ...(deleted
          ? {}
          : {
              descriptors: {
                data: value.statuses.map((status, i) => ({
                  id: `${value.id}${i}`,
                  owner: { id: `49400${i}` },
                  status,
                  tags: { data: (value.tags ?? []).map((text, j) => ({ id: `7${j}`, text })) },
                })),
              },
            }),
      })),
      paging: {
        cursors: { before: Buffer.from(String(offset)).toString('base64url'), after },
        ...(next ? { next } : {}),
      },
    });
  };

  const server = await startMockServer(endpointOf, handle);
  origin = server.origin;
  return {
    baseUrl: `${server.origin}${VERSION}`,
    accessToken,
    privacyGroupId,
    calls: server.calls,
    queries,
    put(value, at) {
      indicators.set(value.id, { value, deleted: false, at, sequence: ++state.sequence });
    },
    remove(id, at) {
      const existing = indicators.get(id);
      if (!existing) throw new Error(`no indicator ${id}`);
      indicators.set(id, { ...existing, deleted: true, at, sequence: ++state.sequence });
    },
    throttle(times = 1) {
      state.throttled += times;
    },
    get nextLinkOverride() {
      return state.nextLinkOverride;
    },
    set nextLinkOverride(link: string | null) {
      state.nextLinkOverride = link;
    },
    fail: server.fail,
    close: server.close,
  };
}
