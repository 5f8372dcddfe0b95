import {
  DomainError,
  MAX_MATCH_BATCH,
  hasScope,
  isRecord,
  parseVpdqReferenceLines,
  type ApiKey,
  type MatchAnswer,
  type MatchCaller,
  type MatchRecord,
  type MatchRequestItem,
  FEEDBACK_VERDICTS,
} from '@hashline/domain';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app.js';
import { idParams, problems, ref } from '../http/schemas.js';
import { matchBanksFor } from '../auth/bank-limits.js';

/** Most banks a match request may restrict itself to. */
export const MAX_BANK_FILTER = 100;

/** The matching identity of a key: verdict-only unless it also holds a full-result scope. */
export function callerOf(key: ApiKey): MatchCaller {
  return { id: key.id, verdictOnly: !hasScope(key.scopes, ['match']) };
}

/** Validates the optional `banks` filter of a match request. */
export function parseBankFilter(input: unknown, at: string): string[] | undefined {
  if (input === undefined || input === null) return undefined;
  const list = typeof input === 'string' ? input.split(',').filter((s) => s.length > 0) : input;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.length > MAX_BANK_FILTER ||
    list.some((b) => (typeof b !== 'string' && typeof b !== 'number') || String(b).length > 64)
  ) {
    throw new DomainError('VALIDATION_FAILED', `${at}: a list of 1–${MAX_BANK_FILTER} bank names or ids.`, [
      { at, code: 'VALIDATION_FAILED', message: `A list of 1–${MAX_BANK_FILTER} bank names or ids.` },
    ]);
  }
  return list.map(String);
}

/** Counts matched and unmatched hashes in the metrics. */
export function countMatches(
  ctx: AppContext,
  source: 'hash' | 'media',
  items: readonly MatchRequestItem[],
  answers: readonly MatchAnswer[],
): void {
  for (let i = 0; i < items.length; i++) {
    ctx.metrics.matchQueries.inc({
      source,
      signal_type: items[i]!.signalType,
      result: answers[i]!.matched ? 'matched' : 'unmatched',
    });
  }
}

const recordsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    bank: { type: 'string', maxLength: 64, description: 'Only records that matched this bank (name or id).' },
    caller: { type: 'string', maxLength: 64, description: 'Only records of this API key id (admin only).' },
    since: { type: 'string', format: 'date-time' },
    until: { type: 'string', format: 'date-time' },
    before: {
      type: 'integer',
      minimum: 1,
      description: 'Records with id below this (the `nextBefore` of the previous page).',
    },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const;

/** `POST /v1/match` and the match records. */
export async function matchRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Body: unknown }>(
    '/v1/match',
    {
      schema: {
        tags: ['match'],
        summary: `Match hashes (1–${MAX_MATCH_BATCH} per request)`,
        description:
          'Takes one rate-limit token per hash. ' +
          "Each hash is matched against every enabled bank (or those in `banks`) with each bank's own PDQ threshold; " +
          'an allow-list match holds back the rest. Answers are in request order. A hash that matched is stored as a ' +
          "match record and notifies the banks' webhooks. PDQ hashes with quality below 50, and all-zero or all-one " +
          'hashes, are refused. Keys with `match:verdict` receive `{ "matched": true|false }` per hash and nothing more.',
        documentedBody: {
          type: 'object',
          required: ['hashes'],
          properties: {
            hashes: { type: 'array', minItems: 1, maxItems: MAX_MATCH_BATCH, items: ref('MatchItem') },
            banks: {
              type: 'array',
              maxItems: MAX_BANK_FILTER,
              items: { type: 'string' },
              description: 'Only report matches in these banks (names or ids). Allow-lists always apply.',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['results'],
            properties: { results: { type: 'array', items: ref('MatchAnswer') } },
          },
          ...problems(400, 401, 403, 404, 413, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!isRecord(body))
        throw new DomainError('VALIDATION_FAILED', 'The body must be an object { hashes: [...] }.');
      for (const key of Object.keys(body)) {
        if (key !== 'hashes' && key !== 'banks') {
          throw new DomainError('VALIDATION_FAILED', `${key}: Unknown field.`, [
            { at: key, code: 'VALIDATION_FAILED', message: 'Unknown field.' },
          ]);
        }
      }
      const items = ctx.matcher.parseItems(body.hashes);
      const banks = matchBanksFor(request.apiKey!, parseBankFilter(body.banks, 'banks'), ctx.engine);
      // Limits count hashes: the request paid one token on arrival, each further hash pays one.
      await ctx.rateLimit.charge(request.apiKey!, reply, items.length - 1, 1);
      // A verdict-only key: small batches, hourly and daily hash quotas, probing detection.
      if (callerOf(request.apiKey!).verdictOnly) await ctx.verdict.admit(request.apiKey!, reply, items);
      const results = await ctx.matcher.match(callerOf(request.apiKey!), items, {
        source: 'hash',
        ...(banks ? { banks } : {}),
      });
      countMatches(ctx, 'hash', items, results);
      return { results };
    },
  );

  app.post<{ Body: unknown }>(
    '/v1/match/video',
    {
      bodyLimit: ctx.config.maxJsonBytes,
      schema: {
        tags: ['match'],
        summary: 'Match a video by its vPDQ frames',
        description:
          'The frames of a query video (from a vPDQ hasher: `hashline hash` or the reference `vpdq-hash-video`) are ' +
          'matched against every banked video (`vpdq` entries) of the enabled banks, or those in `banks`: frames of ' +
          "quality below 50 are dropped, identical hashes counted once, a frame matches within the bank's " +
          "`pdqThreshold`. A banked video matches when the share of its frames the query matched reaches the bank's " +
          "`vpdqMatchPercent` (default 80) and the share of the query's frames reaches `vpdqQueryMatchPercent` " +
          '(default 0); both shares are returned. A match is recorded (signal type `vpdq`, value the SHA-256 of the ' +
          "query's frame lines) and notifies webhooks, as for hashes. Takes one rate-limit token.",
        documentedBody: {
          type: 'object',
          required: ['frames'],
          additionalProperties: false,
          properties: {
            frames: {
              description:
                "The query video's frames: `{frameNumber, quality, pdqHex, timestampSeconds}` objects, or the reference hasher's lines as one string.",
              oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object' } }],
            },
            banks: { type: 'array', maxItems: MAX_BANK_FILTER, items: { type: 'string' } },
            contentRef: { type: ['string', 'null'], maxLength: 256 },
          },
        },
        response: {
          200: ref('VideoMatchAnswer'),
          ...problems(400, 401, 403, 404, 413, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!isRecord(body))
        throw new DomainError('VALIDATION_FAILED', 'The body must be an object { frames: [...] }.');
      for (const key of Object.keys(body)) {
        if (key !== 'frames' && key !== 'banks' && key !== 'contentRef') {
          throw new DomainError('VALIDATION_FAILED', `${key}: Unknown field.`, [
            { at: key, code: 'VALIDATION_FAILED', message: 'Unknown field.' },
          ]);
        }
      }
      const banks = matchBanksFor(request.apiKey!, parseBankFilter(body.banks, 'banks'), ctx.engine);
      const contentRef = body.contentRef;
      if (
        contentRef !== undefined &&
        contentRef !== null &&
        (typeof contentRef !== 'string' || contentRef.length > 256)
      )
        throw new DomainError(
          'VALIDATION_FAILED',
          'contentRef: a string of at most 256 characters, or null.',
        );
      if (callerOf(request.apiKey!).verdictOnly) {
        await ctx.verdict.admit(request.apiKey!, reply, framesOf(body.frames), { batch: false });
      }
      const answer = await ctx.matcher.matchVideo(callerOf(request.apiKey!), body.frames, {
        source: 'hash',
        ...(banks ? { banks } : {}),
        contentRef: (contentRef as string | null | undefined) ?? null,
      });
      ctx.metrics.matchQueries.inc({
        source: 'hash',
        signal_type: 'vpdq',
        result: answer.matched ? 'matched' : 'unmatched',
      });
      return answer;
    },
  );

  app.get<{
    Querystring: {
      bank?: string;
      caller?: string;
      since?: string;
      until?: string;
      before?: number;
      limit: number;
    };
  }>(
    '/v1/match-records',
    {
      schema: {
        tags: ['match-records'],
        summary: 'List match records, newest first',
        description: 'A `match` key sees the records of its own queries; an `admin` key sees all.',
        querystring: recordsQuery,
        response: {
          200: {
            type: 'object',
            required: ['records', 'nextBefore'],
            properties: {
              records: { type: 'array', items: ref('MatchRecord') },
              nextBefore: {
                type: ['integer', 'null'],
                description: 'Pass as `before` for the next page; null at the end.',
              },
            },
          },
          ...problems(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      const key = request.apiKey!;
      const q = request.query;
      const admin = key.scopes.includes('admin');
      if (q.caller !== undefined && !admin && q.caller !== key.id) {
        throw new DomainError('FORBIDDEN', 'Only an admin key may list the records of other keys.');
      }
      const bankId = q.bank !== undefined ? (await ctx.banks.getBank(q.bank)).id : undefined;
      const records = await ctx.store.listMatchRecords({
        limit: q.limit,
        ...(admin ? (q.caller !== undefined ? { caller: q.caller } : {}) : { caller: key.id }),
        ...(bankId !== undefined ? { bankId } : {}),
        ...(q.since !== undefined ? { since: new Date(q.since) } : {}),
        ...(q.until !== undefined ? { until: new Date(q.until) } : {}),
        ...(q.before !== undefined ? { beforeId: q.before } : {}),
      });
      const last = records[records.length - 1];
      return {
        records: records.map((r) => describeRecord(ctx, r)),
        nextBefore: records.length === q.limit && last ? last.id : null,
      };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/v1/match-records/:id',
    {
      schema: {
        tags: ['match-records'],
        summary: 'Get a match record',
        params: idParams,
        response: { 200: ref('MatchRecord'), ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const key = request.apiKey!;
      const record = await ctx.store.getMatchRecord(request.params.id);
      // Another key's record is reported as absent, not forbidden: ids reveal nothing.
      if (!record || (!key.scopes.includes('admin') && record.caller !== key.id)) {
        throw new DomainError('MATCH_RECORD_NOT_FOUND', `No match record with id ${request.params.id}.`);
      }
      return describeRecord(ctx, record);
    },
  );

  app.post<{ Params: { id: number }; Body: { verdict: string; entryId?: number } }>(
    '/v1/match-records/:id/feedback',
    {
      schema: {
        tags: ['match-records'],
        summary: 'Vote on a match you received (confirmed or false positive)',
        description:
          "A platform's verdict on the entries a match record of its own matched (or on one of them, `entryId`). " +
          'The vote is kept durably (answered after it is committed) and sent back, by the next run of each hash ' +
          'exchange that sends feedback, to the source the entry came from (NCMEC, StopNCII). A later vote on the ' +
          'same entry replaces one not yet sent. Only the key whose query made the record may vote on it.',
        params: idParams,
        body: {
          type: 'object',
          required: ['verdict'],
          additionalProperties: false,
          properties: {
            verdict: { type: 'string', enum: [...FEEDBACK_VERDICTS] },
            entryId: { type: 'integer', minimum: 1, description: 'One matched entry (default: every one).' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['matchRecordId', 'verdict', 'entryIds'],
            properties: {
              matchRecordId: { type: 'integer' },
              verdict: { type: 'string', enum: [...FEEDBACK_VERDICTS] },
              entryIds: { type: 'array', items: { type: 'integer' }, description: 'The entries voted on.' },
            },
          },
          ...problems(400, 401, 403, 404, 429, 503),
        },
      },
    },
    async (request) => {
      const key = request.apiKey!;
      const record = await ctx.store.getMatchRecord(request.params.id);
      // Only the record's own key votes; another key's record is reported as absent (ids reveal nothing).
      if (!record || record.caller !== key.id) {
        throw new DomainError('MATCH_RECORD_NOT_FOUND', `No match record with id ${request.params.id}.`);
      }
      const exchanges = app.hashlineExchanges;
      if (!exchanges) {
        throw new DomainError(
          'HASH_EXCHANGE_TYPE_UNAVAILABLE',
          'This store keeps no hash exchanges, so no votes (use SQLite or PostgreSQL).',
        );
      }
      const { verdict, entryId } = request.body;
      const matched = [...new Set(record.matches.map((m) => m.entryId))];
      if (entryId !== undefined && !matched.includes(entryId)) {
        throw new DomainError('VALIDATION_FAILED', 'The vote is invalid', [
          { at: 'entryId', code: 'VALIDATION_FAILED', message: 'An entry this match record matched.' },
        ]);
      }
      const entryIds = entryId !== undefined ? [entryId] : matched;
      await exchanges.recordVotes(
        entryIds.map((id) => ({
          entryId: id,
          verdict,
          votedBy: `api-key:${key.id}`,
          matchRecordId: record.id,
        })),
      );
      return { matchRecordId: record.id, verdict, entryIds };
    },
  );
}

function describeRecord(ctx: AppContext, record: MatchRecord) {
  return {
    ...record,
    matches: record.matches.map((m) => ({ ...m, bank: ctx.engine.bank(m.bankId)?.name ?? null })),
  };
}

/**
 * A video query's frame hashes, for the verdict guard's quotas and probing detection; whatever
 * does not parse is left to the matcher, which refuses it with its own error.
 */
function framesOf(input: unknown): { signalType: 'pdq'; value: string }[] {
  try {
    const frames = typeof input === 'string' ? parseVpdqReferenceLines(input) : input;
    if (!Array.isArray(frames)) return [];
    return frames
      .map((f: unknown) => (isRecord(f) && typeof f.pdqHex === 'string' ? f.pdqHex.toLowerCase() : ''))
      .filter((v) => v !== '')
      .map((value) => ({ signalType: 'pdq' as const, value }));
  } catch {
    return [];
  }
}
