// A loopback stand-in for NCMEC's hash-sharing API (v2), written from the shapes
// python-threatexchange's NCMEC client reads and sends (its hash_api.py and test data): HTTP Basic
// auth; GET /v2/status; GET /v2/entries?from&to answering a <queryResult> with <images> and
// <videos> (count, maxTimestamp) of <image>/<video> and <deletedImage>/<deletedVideo> entries,
// paged by a <paging><next> link relative to the root (`/v2/entries?from&to&start&size&max`);
// GET /v2/feedback/{type}/reasons; PUT /v2/entries/{member}/{id}/{type}/feedback with a
// <feedbackSubmission>. Entries are held at their latest version (an update replaces an entry and
// moves its change time; a deletion leaves a deleted entry), and a range query pages through the
// entries changed in [from, to) in the order they were last changed, computed afresh on every
// call as NCMEC's cursor is.
import { startMockServer, type MockFault, type MockRequest, type MockAnswer } from './mock-server.js';

/** One entry as the mock holds it. */
export interface NcmecMockEntry {
  readonly member: { readonly id: string; readonly name: string };
  readonly id: string;
  readonly kind: 'image' | 'video';
  readonly deleted: boolean;
  readonly classification: string | null;
  /** Element name → value (`md5`, `sha1`, `pdq`, `pdna`, …); a value `href:<link>` is written as a link. */
  readonly fingerprints: Readonly<Record<string, string>>;
  /** When it last changed. */
  readonly changedAt: Date;
  /** Change order (NCMEC's cursor order). */
  readonly sequence: number;
}

/** A vote the mock received. */
export interface NcmecMockFeedback {
  readonly member: string;
  readonly entryId: string;
  readonly fingerprintType: string;
  readonly vote: 'affirmative' | 'negative';
  readonly reasonIds: readonly string[];
  readonly body: string;
}

/** The running mock. */
export interface NcmecMock {
  /** The environment root to configure (`…/hashsharing`). */
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  readonly calls: Record<string, number>;
  readonly feedback: NcmecMockFeedback[];
  /** The query of every entries call, in order. */
  readonly queries: URLSearchParams[];
  /** Entries per page (NCMEC's is 1000). */
  pageSize: number;
  /** Adds or replaces an entry (by member and id), changed at `at`. */
  put(entry: Omit<NcmecMockEntry, 'sequence' | 'changedAt' | 'deleted'>, at: Date): void;
  /** Deletes an entry (it becomes a deleted entry), changed at `at`. */
  remove(memberId: string, id: string, at: Date): void;
  /** Overrides the next link of every page (to test links elsewhere). */
  nextLinkOverride: string | null;
  /** Queues a fault for `entries`, `status`, `reasons` or `feedback`. */
  fail(endpoint: string, fault: MockFault, times?: number): void;
  close(): Promise<void>;
}

const NAMESPACE = 'https://hashsharing.ncmec.org/hashsharing/v2';
const ROOT = '/hashsharing';
/** The reasons the mock offers for negative votes, per fingerprint type. */
export const NCMEC_MOCK_REASONS = [
  { guid: '3f1c2a9e-0000-4000-8000-000000000001', name: 'Not the content described' },
  { guid: '3f1c2a9e-0000-4000-8000-000000000002', name: 'Hash collision with benign content' },
];

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** NCMEC's timestamp form, seconds precision. */
const stamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Starts the mock on 127.0.0.1. */
export async function startNcmecMock(): Promise<NcmecMock> {
  const username = 'hashline-exchange';
  const password = 'mock-password-7f3a';
  const entries = new Map<string, NcmecMockEntry>();
  const feedback: NcmecMockFeedback[] = [];
  const queries: URLSearchParams[] = [];
  let sequence = 0;
  const state = { pageSize: 1000, nextLinkOverride: null as string | null };

  const endpointOf = (request: MockRequest): string => {
    const path = request.url.pathname.slice(ROOT.length);
    if (path === '/v2/status') return 'status';
    if (path === '/v2/entries') return 'entries';
    if (/^\/v2\/feedback\/[^/]+\/reasons$/.test(path)) return 'reasons';
    if (/^\/v2\/entries\/[^/]+\/[^/]+\/[^/]+\/feedback$/.test(path)) return 'feedback';
    return 'other';
  };

  const xml = (body: string, status = 200): MockAnswer => ({
    status,
    contentType: 'application/xml',
    body: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${body}`,
  });

  const renderEntry = (e: NcmecMockEntry): string => {
    const element = e.deleted ? `deleted${e.kind === 'image' ? 'Image' : 'Video'}` : e.kind;
    const parts = [
      `<member id="${xmlText(e.member.id)}">${xmlText(e.member.name)}</member>`,
      `<timestamp>${stamp(e.changedAt)}</timestamp>`,
      `<id>${xmlText(e.id)}</id>`,
    ];
    if (!e.deleted) {
      if (e.classification) parts.push(`<classification>${xmlText(e.classification)}</classification>`);
      const prints = Object.entries(e.fingerprints).map(([name, value]) =>
        value.startsWith('href:')
          ? `<${name} rel="self" href="${xmlText(value.slice(5))}"/>`
          : `<${name}>${xmlText(value)}</${name}>`,
      );
      parts.push(`<fingerprints>${prints.join('')}</fingerprints>`);
    }
    return `<${element}>${parts.join('')}</${element}>`;
  };

  const handle = (request: MockRequest): MockAnswer => {
    const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    if (request.headers.authorization !== expected) {
      return { status: 401, contentType: 'text/plain', body: 'Unauthorized' };
    }
    const endpoint = endpointOf(request);
    const path = request.url.pathname.slice(ROOT.length);
    if (endpoint === 'status' && request.method === 'GET') {
      return xml(
        `<status xmlns="${NAMESPACE}"><ipAddress>127.0.0.1</ipAddress><username>${username}</username><member id="7">Hashline test hotline</member></status>`,
      );
    }
    if (endpoint === 'entries' && request.method === 'GET') {
      const q = request.url.searchParams;
      queries.push(new URLSearchParams(q));
      const from = Date.parse(q.get('from') ?? '');
      const to = Date.parse(q.get('to') ?? '');
      if (Number.isNaN(from) || Number.isNaN(to))
        return { status: 400, contentType: 'text/plain', body: 'from/to' };
      const start = Number(q.get('start') ?? '1');
      const size = Number(q.get('size') ?? String(state.pageSize));
      const inRange = [...entries.values()]
        .filter((e) => e.changedAt.getTime() >= from && e.changedAt.getTime() < to)
        .sort((a, b) => a.sequence - b.sequence);
      const max = q.has('max') ? Number(q.get('max')) : inRange.length;
      const page = inRange.slice(start - 1, start - 1 + size);
      const section = (kind: 'image' | 'video', tag: string) => {
        const items = page.filter((e) => e.kind === kind);
        if (items.length === 0) return '';
        const maxTimestamp = stamp(new Date(Math.max(...items.map((e) => e.changedAt.getTime()))));
        return `<${tag} count="${items.length}" maxTimestamp="${maxTimestamp}">${items.map(renderEntry).join('')}</${tag}>`;
      };
      const nextStart = start + size;
      const next =
        nextStart <= Math.min(max, inRange.length)
          ? (state.nextLinkOverride ??
            `/v2/entries?${new URLSearchParams({
              from: q.get('from')!,
              to: q.get('to')!,
              start: String(nextStart),
              size: String(size),
              max: String(max),
            })}`)
          : null;
      return xml(
        `<queryResult xmlns="${NAMESPACE}">${section('image', 'images')}${section('video', 'videos')}` +
          (next ? `<paging><next>${xmlText(next)}</next></paging>` : '') +
          `</queryResult>`,
      );
    }
    if (endpoint === 'reasons' && request.method === 'GET') {
      const type = path.split('/')[3]!;
      return xml(
        `<feedbackReasons xmlns="${NAMESPACE}"><availableFeedbackReasons>` +
          NCMEC_MOCK_REASONS.map(
            (r) => `<reason guid="${r.guid}" name="${xmlText(r.name)}" type="${type}"/>`,
          ).join('') +
          `</availableFeedbackReasons></feedbackReasons>`,
      );
    }
    if (endpoint === 'feedback' && request.method === 'PUT') {
      const [, , , member, entryId, type] = path.split('/').map(decodeURIComponent);
      if (!['MD5', 'SHA1', 'PDNA', 'PDQ', 'NETCLEAN', 'VIDENTIFIER', 'TMK_PDQF'].includes(type!)) {
        return { status: 400, contentType: 'text/plain', body: 'unknown feedback type' };
      }
      const entry = entries.get(`${member}/${entryId}`);
      if (!entry || entry.deleted) return { status: 404, contentType: 'text/plain', body: 'no such entry' };
      const body = request.body;
      const root = new RegExp(
        `^<\\?xml[^>]*\\?>\\s*<feedbackSubmission xmlns="${NAMESPACE}">([\\s\\S]*)</feedbackSubmission>\\s*$`,
      ).exec(body);
      const vote = root && /^\s*<(affirmative|negative)[\s/>]/.exec(root[1]!)?.[1];
      if (!vote) return { status: 400, contentType: 'text/plain', body: 'not a feedbackSubmission' };
      const reasonIds = [...root[1]!.matchAll(/<guid>([^<]*)<\/guid>/g)].map((m) => m[1]!);
      if (
        vote === 'negative' &&
        (reasonIds.length === 0 || !reasonIds.every((g) => NCMEC_MOCK_REASONS.some((r) => r.guid === g)))
      ) {
        return { status: 400, contentType: 'text/plain', body: 'negative feedback needs known reason ids' };
      }
      feedback.push({
        member: member!,
        entryId: entryId!,
        fingerprintType: type!,
        vote: vote as 'affirmative' | 'negative',
        reasonIds,
        body,
      });
      return xml(`<submissionResult xmlns="${NAMESPACE}"/>`);
    }
    return { status: 404, contentType: 'text/plain', body: 'not found' };
  };

  const server = await startMockServer(endpointOf, handle);
  return {
    baseUrl: `${server.origin}${ROOT}`,
    username,
    password,
    calls: server.calls,
    feedback,
    queries,
    get pageSize() {
      return state.pageSize;
    },
    set pageSize(size: number) {
      state.pageSize = size;
    },
    get nextLinkOverride() {
      return state.nextLinkOverride;
    },
    set nextLinkOverride(link: string | null) {
      state.nextLinkOverride = link;
    },
    put(entry, at) {
      entries.set(`${entry.member.id}/${entry.id}`, {
        ...entry,
        deleted: false,
        changedAt: at,
        sequence: ++sequence,
      });
    },
    remove(memberId, id, at) {
      const entry = entries.get(`${memberId}/${id}`);
      if (!entry) throw new Error(`no entry ${memberId}/${id}`);
      entries.set(`${memberId}/${id}`, { ...entry, deleted: true, changedAt: at, sequence: ++sequence });
    },
    fail: server.fail,
    close: server.close,
  };
}
