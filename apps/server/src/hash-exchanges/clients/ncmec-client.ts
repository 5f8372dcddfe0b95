import {
  HashExchangeError,
  parseNcmecXml,
  type HashExchangeAbortSignal,
  type HashExchangeClient,
  type HashExchangeFeedback,
  type HashExchangePage,
  type ImportRecord,
} from '@hashline/domain';
import { createExchangeHttp, type ExchangeHttpDeps, type ExchangeResponse } from './exchange-http.js';

/**
 * NCMEC's hash-sharing API (v2), as python-threatexchange's NCMEC client uses it
 * (`threatexchange/exchanges/clients/ncmec/hash_api.py`): HTTP Basic credentials; `GET
 * /v2/entries?from=…&to=…` answers a `<queryResult>` of `<images>`/`<videos>` with `<image>`,
 * `<video>`, `<deletedImage>` and `<deletedVideo>` entries and a `<paging><next>` link (relative
 * to the environment's root, e.g. `/v2/entries?from=…&to=…&start=2001&size=1000&max=3000`) until
 * the time range is exhausted; `GET /v2/feedback/{type}/reasons` lists the reasons a negative
 * vote may give; `PUT
 * /v2/entries/{member}/{id}/{type}/feedback` takes a `<feedbackSubmission>`.
 *
 * Decisions (the engine's ADR 0020 collects them):
 * - Checkpoint: NCMEC does not return a range's entries in time order, so the only safe "done up
 *   to" time is the end of a range fetched to its last page. A sync therefore fixes a range
 *   `[from, to)` (to = now − 5 s, so entries still being written are left for the next range) and
 *   walks its `next` links; the checkpoint holds the range and the next link, so a restart resumes
 *   on the page after the last one applied, and only the range's last page moves `from` on.
 *   NCMEC builds a cursor per range and large ones are slow, so (as python-threatexchange does) a
 *   range whose first page's `next` link (`start`, `max`) tells of more than `maxEntriesPerRange`
 *   entries is dropped for a shorter one, in proportion; each completed range lets the next be
 *   twice as long. Only the page that ends the range reaching "now" is `caughtUp`.
 * - An entry is read by the shared NCMEC XML parser (provenance source `ncmec`, the entry id, the
 *   entry's member id: NCMEC ids are unique per member); a later page's copy of an entry is an
 *   update, a deleted entry a withdrawal of (member, id).
 * - Feedback names the entry by its owner's member id and its id (the pair that identifies an
 *   entry). python-threatexchange puts the voter's own member id in that path and leaves out
 *   `/v2`; we follow the rest of the API (every resource under `/v2`, entries named by member and
 *   id). Votes on fingerprints NCMEC takes no feedback for (SHA-256) are left out.
 */

/** NCMEC's hash-sharing environments (the roots `/v2/…` is appended to). */
export const NCMEC_HASH_SHARING_ENVIRONMENTS = {
  industry: 'https://report.cybertip.org/hashsharing',
  ngo: 'https://hashsharing.ncmec.org/npo',
  exploitative: 'https://hashsharing.ncmec.org/exploitative',
  testIndustry: 'https://exttest.cybertip.org/hashsharing',
  testNgo: 'https://hashsharing-test.ncmec.org/npo',
  testExploitative: 'https://hashsharing-test.ncmec.org/exploitative',
} as const;

/** NCMEC's name of a fingerprint in feedback paths, per Hashline signal type. */
export const NCMEC_FEEDBACK_FINGERPRINT_TYPES: Readonly<Record<string, string>> = {
  md5: 'MD5',
  sha1: 'SHA1',
  pdq: 'PDQ',
}; // enumeration value

/** The element of a `<feedbackSubmission>` per verdict of ours. */
export const NCMEC_FEEDBACK_VOTES = { confirmed: 'affirmative', 'false-positive': 'negative' } as const; // enumeration value

/** The namespace of NCMEC's hash-sharing v2 documents. */
const NCMEC_NAMESPACE = 'https://hashsharing.ncmec.org/hashsharing/v2';

/** What an NCMEC exchange needs. */
export interface NcmecExchangeOptions {
  /** The environment's root, e.g. {@link NCMEC_HASH_SHARING_ENVIRONMENTS}.industry (tests: a loopback mock). */
  readonly baseUrl: string;
  readonly credentials: NcmecExchangeCredentials;
  /** Where the first sync starts (entries changed since then); default: everything. */
  readonly startTime?: Date | string | null;
  /** Take entries of these members only (their member ids); others are skipped with a reason. */
  readonly onlyMemberIds?: readonly string[] | null;
  /**
   * The reason a "false positive" vote gives (a reason guid or name from NCMEC's list for the
   * fingerprint type). Needed when NCMEC offers more than one reason.
   */
  readonly negativeFeedbackReason?: string | null;
}

/** NCMEC hash-sharing account (HTTP Basic). */
export interface NcmecExchangeCredentials {
  readonly username: string;
  readonly password: string;
}

/** Injected collaborators: HTTP settings and the clock. */
export interface NcmecExchangeDeps extends ExchangeHttpDeps {
  readonly now?: () => Date;
  /**
   * The most entries one range may hold (NCMEC's `next` link tells how many a range has); a
   * larger range is split by time. Default 400,000 (python-threatexchange's).
   */
  readonly maxEntriesPerRange?: number;
}

/** Where a sync stands: the range being fetched and the next page's link, or where the next range starts. */
interface NcmecCheckpoint {
  readonly v: 1;
  /** Start of the current range (or of the next, when `to` is null). */
  readonly from: string;
  /** End of the current range; null between ranges. */
  readonly to: string | null;
  /** The next page of the current range (NCMEC's `next`, relative to the root); null at a range's start. */
  readonly next: string | null;
  /** The length of range to try next, in ms, once a range proved too large; null: up to now. */
  readonly span: number | null;
  /** Whether the current range ends where the sync is caught up. */
  readonly last: boolean;
}

const BETWEEN = { v: 1, to: null, next: null, last: false } as const;

/** pytx's limit for one range (NCMEC builds a cursor per range; huge ones are slow to build). */
const DEFAULT_MAX_ENTRIES_PER_RANGE = 400_000;
/** The shortest range tried (NCMEC's timestamps have seconds). */
const MIN_SPAN_MS = 1_000;
/** Shrinks tried for one range before it is walked whatever its size. */
const MAX_SHRINKS = 30;

/** Entries still being written at NCMEC are left for the next range. */
const SETTLE_MS = 5_000;

/** Builds the NCMEC hash-sharing client of one exchange. */
export function createNcmecExchangeClient(
  options: NcmecExchangeOptions,
  deps: NcmecExchangeDeps = {},
): HashExchangeClient {
  const { username, password } = options.credentials;
  if (!username || !password || username.includes(':')) {
    throw new RangeError('NCMEC credentials need a username (without ":") and a password.');
  }
  const http = createExchangeHttp('NCMEC', options.baseUrl, deps);
  const now = deps.now ?? (() => new Date());
  const startTime = options.startTime ? new Date(options.startTime) : new Date(0);
  if (Number.isNaN(startTime.getTime())) throw new RangeError('The NCMEC start time is not a date.');
  const onlyMembers = options.onlyMemberIds?.length ? new Set(options.onlyMemberIds) : null;
  const authorization = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  const headers = { authorization, accept: 'application/xml' };
  const root = http.base.pathname.replace(/\/$/, '');
  const maxEntriesPerRange = deps.maxEntriesPerRange ?? DEFAULT_MAX_ENTRIES_PER_RANGE;
  const reasonsByType = new Map<string, { guid: string; name: string }[]>();

  async function get(target: string, signal: HashExchangeAbortSignal): Promise<ExchangeResponse> {
    const response = await http.send({ target, headers }, signal);
    if (response.status !== 200) {
      throw new HashExchangeError(
        'protocol',
        `NCMEC answered HTTP ${response.status} to ${describe(target)}.`,
        {
          status: response.status,
        },
      );
    }
    return response;
  }

  /** NCMEC's next links are relative to the environment's root. */
  const underRoot = (link: string) => (link.startsWith('/') ? `${root}${link}` : link);

  /** A page and the checkpoint after it. */
  function finish(
    page: { records: ImportRecord[]; next: string | null },
    range: { from: string; to: string; span: number | null; last: boolean },
  ): HashExchangePage {
    const records = onlyMembers ? page.records.map((r) => keepMember(r, onlyMembers)) : page.records;
    if (page.next) {
      // Checked now, so a link elsewhere fails on the page that gave it, not on a later fetch.
      http.resolve(underRoot(page.next));
      return { records, checkpoint: write({ v: 1, ...range, next: page.next }), caughtUp: false };
    }
    // The range is done: the next starts at its end, twice as long (shrinking is quicker than growing).
    const span = range.span === null || range.span > 2 ** 40 ? null : range.span * 2;
    return { records, checkpoint: write({ ...BETWEEN, from: range.to, span }), caughtUp: range.last };
  }

  return {
    type: 'ncmec',

    async fetchPage(checkpointText, signal): Promise<HashExchangePage> {
      const checkpoint = checkpointText === null ? null : readCheckpoint(checkpointText);
      if (checkpoint?.to && checkpoint.next) {
        // NCMEC's next link is relative to the environment's root (`/v2/entries?…`).
        const page = await readEntriesPage((await get(underRoot(checkpoint.next), signal)).text);
        return finish(page, {
          from: checkpoint.from,
          to: checkpoint.to,
          span: checkpoint.span,
          last: checkpoint.last,
        });
      }
      const from = checkpoint ? (checkpoint.to ?? checkpoint.from) : startTime.toISOString();
      const end = now().getTime() - SETTLE_MS;
      const fromMs = Date.parse(from);
      if (end <= fromMs) {
        return {
          records: [],
          checkpoint: write({ ...BETWEEN, from, span: checkpoint?.span ?? null }),
          caughtUp: true,
        };
      }
      let span = checkpoint?.span ?? end - fromMs;
      for (let shrinks = 0; ; shrinks++) {
        const toMs = Math.min(end, fromMs + span);
        const range = { from, to: new Date(toMs).toISOString(), span, last: toMs === end };
        const target = `v2/entries?${new URLSearchParams({ from: range.from, to: range.to })}`;
        const page = await readEntriesPage((await get(target, signal)).text);
        const estimate = page.next ? estimateEntries(page.next, page.entries) : page.entries;
        if (estimate > maxEntriesPerRange && toMs - fromMs > MIN_SPAN_MS && shrinks < MAX_SHRINKS) {
          // Too much for one range: a smaller one, in proportion, with room to spare. This page is
          // read again as the smaller range's first.
          span = Math.max(MIN_SPAN_MS, Math.floor(((toMs - fromMs) * maxEntriesPerRange) / estimate / 2));
          continue;
        }
        return finish(page, range);
      }
    },

    takesFeedbackOn: (signalType: string): boolean =>
      Object.hasOwn(NCMEC_FEEDBACK_FINGERPRINT_TYPES, signalType),

    async sendFeedback(items: readonly HashExchangeFeedback[], signal): Promise<void> {
      for (const item of items) {
        const type = NCMEC_FEEDBACK_FINGERPRINT_TYPES[item.signalType];
        // NCMEC takes no votes on this fingerprint (SHA-256): the engine asks takesFeedbackOn first.
        if (!type) continue;
        if (!item.member) {
          throw new HashExchangeError(
            'protocol',
            `NCMEC feedback on entry ${item.externalId} needs the entry's member id (its provenance has none).`,
          );
        }
        let vote = `<${NCMEC_FEEDBACK_VOTES.confirmed}/>`;
        if (item.verdict === 'false-positive') {
          const reason = await negativeReason(type, signal);
          vote = `<${NCMEC_FEEDBACK_VOTES['false-positive']}><reasonIds><guid>${escapeXml(reason)}</guid></reasonIds></${NCMEC_FEEDBACK_VOTES['false-positive']}>`;
        }
        const body = `<?xml version="1.0" encoding="UTF-8"?>\n<feedbackSubmission xmlns="${NCMEC_NAMESPACE}">${vote}</feedbackSubmission>`;
        const path = ['v2', 'entries', item.member, item.externalId, type, 'feedback']
          .map(encodeURIComponent)
          .join('/');
        // A vote replaces the member's earlier vote on that fingerprint: repeating it is harmless.
        const response = await http.send(
          { target: path, method: 'PUT', headers: { ...headers, 'content-type': 'application/xml' }, body },
          signal,
        );
        if (response.status < 200 || response.status >= 300) {
          throw new HashExchangeError(
            'protocol',
            `NCMEC refused the feedback on entry ${item.externalId} (HTTP ${response.status}).`,
            { status: response.status },
          );
        }
      }
    },
  };

  /** The guid of the configured negative-feedback reason for a fingerprint type (NCMEC's list, read once). */
  async function negativeReason(type: string, signal: HashExchangeAbortSignal): Promise<string> {
    let reasons = reasonsByType.get(type);
    if (!reasons) {
      const response = await get(`v2/feedback/${type}/reasons`, signal);
      reasons = readFeedbackReasons(response.text);
      reasonsByType.set(type, reasons);
    }
    const wanted = options.negativeFeedbackReason?.trim().toLowerCase();
    const chosen = wanted
      ? reasons.find((r) => r.guid.toLowerCase() === wanted || r.name.toLowerCase() === wanted)
      : reasons.length === 1
        ? reasons[0]
        : undefined;
    if (!chosen) {
      throw new HashExchangeError(
        'protocol',
        wanted
          ? `NCMEC offers no negative-feedback reason "${options.negativeFeedbackReason}" for ${type} (it offers: ${reasons.map((r) => r.name).join(', ') || 'none'}).`
          : `NCMEC offers ${reasons.length} negative-feedback reasons for ${type} (${reasons.map((r) => r.name).join(', ')}): set negativeFeedbackReason in the exchange's options.`,
      );
    }
    return chosen.guid;
  }
}

/** The records of one `<queryResult>` page and its next link; a `protocol` error when it is not one. */
async function readEntriesPage(
  xml: string,
): Promise<{ records: ImportRecord[]; entries: number; next: string | null }> {
  if (!/^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:[\w.-]+:)?queryResult[\s>/]/.test(xml)) {
    throw new HashExchangeError('protocol', 'NCMEC answered something other than a <queryResult> page.');
  }
  const records: ImportRecord[] = [];
  for await (const record of parseNcmecXml([xml])) {
    if (record.kind === 'error' && record.fatal) {
      throw new HashExchangeError(
        'protocol',
        `NCMEC sent a page that is not well-formed XML (${record.message}).`,
      );
    }
    records.push(record);
  }
  const paging = /<(?:[\w.-]+:)?paging(?:\s[^>]*)?>([\s\S]*?)<\/(?:[\w.-]+:)?paging>/.exec(xml)?.[1] ?? '';
  const next = /<(?:[\w.-]+:)?next(?:\s[^>]*)?>([^<]*)<\/(?:[\w.-]+:)?next>/.exec(paging)?.[1];
  const link = next === undefined ? '' : decodeXmlText(next.trim());
  // Entries on this page (an entry yields one record per fingerprint).
  const entries = (xml.match(/<(?:[\w.-]+:)?(?:image|video|deletedImage|deletedVideo)[\s>]/gi) ?? []).length;
  return { records, entries, next: link === '' ? null : link };
}

/**
 * Entries in a range, from its first page's next link: `start` is the position the next page
 * starts at and `max` the range's last position, so the range holds this page's entries and
 * `max − start + 1` more (python-threatexchange counts one fewer).
 */
function estimateEntries(next: string, onPage: number): number {
  const query = new URLSearchParams(next.split('?')[1] ?? '');
  const start = Number(query.get('start'));
  const max = Number(query.get('max'));
  return query.has('start') && query.has('max') && Number.isFinite(start) && Number.isFinite(max)
    ? max - start + 1 + onPage
    : onPage + 1;
}

/** NCMEC's list of negative-feedback reasons (`<availableFeedbackReasons><reason guid name type/>`). */
function readFeedbackReasons(xml: string): { guid: string; name: string }[] {
  const list =
    /<(?:[\w.-]+:)?availableFeedbackReasons(?:\s[^>]*)?>([\s\S]*?)<\/(?:[\w.-]+:)?availableFeedbackReasons>/.exec(
      xml,
    );
  if (!list) {
    if (/<(?:[\w.-]+:)?availableFeedbackReasons(?:\s[^>]*)?\/>/.test(xml)) return [];
    throw new HashExchangeError(
      'protocol',
      'NCMEC answered something other than a list of feedback reasons.',
    );
  }
  const reasons: { guid: string; name: string }[] = [];
  for (const match of list[1]!.matchAll(/<(?:[\w.-]+:)?reason\s([^>]*?)\/?>/g)) {
    const attribute = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(match[1]!)?.[1];
    const guid = attribute('guid');
    if (guid) reasons.push({ guid: decodeXmlText(guid), name: decodeXmlText(attribute('name') ?? guid) });
  }
  return reasons;
}

/** Entries of other members than the chosen ones become "not imported" lines. */
function keepMember(record: ImportRecord, members: ReadonlySet<string>): ImportRecord {
  let entry: { id: string | null | undefined; member: string | null | undefined };
  if (record.kind === 'hash') {
    entry = { id: record.hash.provenance?.externalId, member: record.hash.provenance?.member };
  } else if (record.kind === 'withdrawal' && 'source' in record.withdrawn) {
    entry = { id: record.withdrawn.externalId, member: record.withdrawn.member };
  } else {
    return record;
  }
  if (entry.member && members.has(entry.member)) return record;
  return {
    kind: 'skipped',
    line: record.line,
    reason: `Not imported: NCMEC entry ${entry.id ?? ''} of member ${entry.member ?? '(none)'} is not from a member this exchange takes.`,
  };
}

function readCheckpoint(text: string): NcmecCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = null;
  }
  const c = value as Partial<NcmecCheckpoint> | null;
  if (
    !c ||
    c.v !== 1 ||
    typeof c.from !== 'string' ||
    Number.isNaN(Date.parse(c.from)) ||
    !(c.to === null || (typeof c.to === 'string' && !Number.isNaN(Date.parse(c.to)))) ||
    !(c.next === null || typeof c.next === 'string') ||
    !(c.span === null || (typeof c.span === 'number' && c.span >= MIN_SPAN_MS)) ||
    typeof c.last !== 'boolean'
  ) {
    throw new HashExchangeError('protocol', 'The stored NCMEC checkpoint is not one this client wrote.');
  }
  return c as NcmecCheckpoint;
}

function write(checkpoint: NcmecCheckpoint): string {
  return JSON.stringify(checkpoint);
}

/** A target for messages: its path only (queries may be long; NCMEC's hold no secrets, others' do). */
function describe(target: string): string {
  return target.split('?')[0]!;
}

function decodeXmlText(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&amp;/g, '&');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
