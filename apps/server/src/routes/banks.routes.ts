import { randomBytes } from 'node:crypto';
import {
  DomainError,
  MAX_ENTRIES_PER_CALL,
  apiKeyActor,
  keyAllowsBank,
  SIGNAL_TYPES,
  formatVpdqReferenceLines,
  isRecord,
  type Bank,
  type BankChange,
  type BankEntry,
  type SignalType,
} from '@hashline/domain';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app.js';
import { bankParams, idParams, problems, ref } from '../http/schemas.js';

/** Most changes one page of the change feed returns. */
export const MAX_CHANGES_PAGE = 10_000;
/** Most entries one page of an entry listing returns. */
export const MAX_ENTRIES_PAGE = 10_000;

const bankList = {
  type: 'object',
  required: ['banks'],
  properties: { banks: { type: 'array', items: ref('Bank') } },
} as const;

const changesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    after: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description: 'Return changes with seq above this (the `nextAfter` of the previous page).',
    },
    limit: { type: 'integer', minimum: 1, maximum: MAX_CHANGES_PAGE, default: 1000 },
  },
} as const;

const changesPage = {
  type: 'object',
  required: ['changes', 'nextAfter', 'latestSeq', 'hasMore'],
  properties: {
    changes: { type: 'array', items: ref('Change') },
    nextAfter: {
      type: 'integer',
      description: 'Pass as `after` to get the next page (and keep it to resume later).',
    },
    latestSeq: { type: 'integer', description: 'The latest committed seq.' },
    hasMore: { type: 'boolean', description: 'More changes may follow: call again with `nextAfter`.' },
  },
} as const;

/** Banks, entries, the change feed and webhook delivery status. */
export async function bankRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/v1/banks',
    {
      schema: {
        tags: ['banks'],
        summary: 'List banks',
        response: { 200: bankList, ...problems(401, 403, 429) },
      },
    },
    async (request) => {
      // A key limited to named banks sees only those (issue 15).
      const banks = (await ctx.banks.listBanks()).filter((bank) => keyAllowsBank(request.apiKey!, bank.name));
      return { banks: await Promise.all(banks.map((bank) => withCount(ctx, bank))) };
    },
  );

  app.post<{ Body: unknown }>(
    '/v1/banks',
    {
      schema: {
        tags: ['banks'],
        summary: 'Create a bank',
        description:
          'A bank holds hashes and its matching policy: `pdqThreshold` (0–63, default 31), `kind` (`allow_list` banks ' +
          'suppress matches of known false positives), advised `defaultActions`, and an optional signed webhook.',
        documentedBody: ref('NewBank'),
        response: { 201: ref('Bank'), ...problems(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      const { input, generatedSecret } = withGeneratedSecret(request.body, false);
      const bank = await ctx.banks.createBank(input, apiKeyActor(request.apiKey!));
      void reply.code(201).header('location', `/v1/banks/${bank.name}`);
      return { ...bank, entryCount: 0, ...(generatedSecret ? { webhookSecret: generatedSecret } : {}) };
    },
  );

  app.get<{ Params: { bank: string } }>(
    '/v1/banks/:bank',
    {
      schema: {
        tags: ['banks'],
        summary: 'Get a bank by name or id',
        params: bankParams,
        response: { 200: ref('Bank'), ...problems(401, 403, 404, 429) },
      },
    },
    async (request) => withCount(ctx, await ctx.banks.getBank(request.params.bank)),
  );

  app.patch<{ Params: { bank: string }; Body: unknown }>(
    '/v1/banks/:bank',
    {
      schema: {
        tags: ['banks'],
        summary: 'Change a bank',
        description: 'Threshold, enabled state and kind apply to the very next match; no reindexing.',
        params: bankParams,
        documentedBody: ref('BankPatch'),
        response: { 200: ref('Bank'), ...problems(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => {
      const bank = await ctx.banks.getBank(request.params.bank);
      const hasSecret = (await ctx.store.getWebhookSecret(bank.id)) !== null;
      const { input, generatedSecret } = withGeneratedSecret(request.body, hasSecret);
      const updated = await ctx.banks.updateBank(bank.id, input, apiKeyActor(request.apiKey!));
      return {
        ...(await withCount(ctx, updated)),
        ...(generatedSecret ? { webhookSecret: generatedSecret } : {}),
      };
    },
  );

  app.delete<{ Params: { bank: string } }>(
    '/v1/banks/:bank',
    {
      schema: {
        tags: ['banks'],
        summary: 'Delete a bank and all its entries',
        description: 'Each entry deletion appears in the change feed, then the bank deletion.',
        params: bankParams,
        response: { 204: { type: 'null', description: 'Deleted.' }, ...problems(401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      await ctx.banks.deleteBank(request.params.bank, apiKeyActor(request.apiKey!));
      return reply.code(204).send();
    },
  );

  app.get<{
    Params: { bank: string };
    Querystring: { after?: number; limit: number; signalType?: SignalType; includeDisabled: boolean };
  }>(
    '/v1/banks/:bank/entries',
    {
      schema: {
        tags: ['banks'],
        summary: 'List the entries of a bank (keyset pagination)',
        params: bankParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: {
              type: 'integer',
              minimum: 0,
              description: 'Entries with id above this (the `nextAfter` of the previous page).',
            },
            limit: { type: 'integer', minimum: 1, maximum: MAX_ENTRIES_PAGE, default: 100 },
            signalType: { type: 'string', enum: [...SIGNAL_TYPES] },
            includeDisabled: { type: 'boolean', default: false },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['entries', 'nextAfter'],
            properties: {
              entries: { type: 'array', items: ref('Entry') },
              nextAfter: {
                type: ['integer', 'null'],
                description: 'Pass as `after` for the next page; null at the end.',
              },
            },
          },
          ...problems(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const { entries } = await ctx.banks.listEntries(request.params.bank, {
        limit: q.limit,
        includeDisabled: q.includeDisabled,
        ...(q.after !== undefined ? { afterId: q.after } : {}),
        ...(q.signalType !== undefined ? { signalType: q.signalType } : {}),
      });
      const last = entries[entries.length - 1];
      return { entries, nextAfter: entries.length === q.limit && last ? last.id : null };
    },
  );

  app.post<{ Params: { bank: string }; Body: unknown }>(
    '/v1/banks/:bank/entries',
    {
      bodyLimit: ctx.config.maxJsonBytes,
      schema: {
        tags: ['banks'],
        summary: `Add entries (up to ${MAX_ENTRIES_PER_CALL.toLocaleString('en')} per call)`,
        description:
          'All or nothing: any invalid entry rejects the call, with every problem listed in `errors[]`. Entries already ' +
          'in the bank (same signal type and value) come back in `existing`. PDQ hashes of quality below 50 and ' +
          'all-zero/all-one hashes are refused. The entries match from the very next request.',
        params: bankParams,
        documentedBody: {
          type: 'object',
          required: ['entries'],
          properties: {
            entries: { type: 'array', minItems: 1, maxItems: MAX_ENTRIES_PER_CALL, items: ref('NewEntry') },
          },
        },
        response: {
          '2xx': {
            type: 'object',
            required: ['created', 'existing', 'seq'],
            description: '201 when something was created, 200 when every entry existed already.',
            properties: {
              created: { type: 'array', items: ref('Entry') },
              existing: { type: 'array', items: ref('Entry') },
              seq: { type: 'integer', description: 'Change-log seq of the commit.' },
            },
          },
          ...problems(400, 401, 403, 404, 413, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!isRecord(body))
        throw new DomainError('VALIDATION_FAILED', 'The body must be an object { entries: [...] }.');
      const result = await ctx.banks.addEntries(
        request.params.bank,
        body.entries,
        apiKeyActor(request.apiKey!),
      );
      void reply.code(result.created.length > 0 ? 201 : 200);
      return result;
    },
  );

  app.post<{
    Params: { bank: string };
    Body: { withdrawals: { source: string; externalId: string; member?: string | null }[] };
  }>(
    '/v1/banks/:bank/withdrawals',
    {
      bodyLimit: ctx.config.maxJsonBytes,
      schema: {
        tags: ['banks'],
        summary: `Withdraw entries by their source's ids (up to ${MAX_ENTRIES_PER_CALL.toLocaleString('en')} per call)`,
        description:
          'A source taking back what it gave (a partner Hashline exchange withdrawing an uploaded entry it deleted or ' +
          'disabled): each withdrawal names a provenance (`source`, `externalId`, and `member` where the source has ' +
          'members). That source is removed from the entries it vouches for, and an entry no other source vouches for ' +
          'is deleted (stops matching from the next request). Repeating a withdrawal changes nothing (`unmatched`).',
        params: bankParams,
        body: {
          type: 'object',
          required: ['withdrawals'],
          additionalProperties: false,
          properties: {
            withdrawals: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_ENTRIES_PER_CALL,
              items: {
                type: 'object',
                required: ['source', 'externalId'],
                additionalProperties: false,
                properties: {
                  source: { type: 'string', minLength: 1, maxLength: 200 },
                  externalId: { type: 'string', minLength: 1, maxLength: 200 },
                  member: { type: ['string', 'null'], maxLength: 200 },
                },
              },
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['withdrawn', 'unmatched', 'seq'],
            properties: {
              withdrawn: {
                type: 'integer',
                description: 'Entries deleted (no source left vouching for them).',
              },
              unmatched: { type: 'integer', description: 'Withdrawals that named nothing live.' },
              seq: { type: 'integer', description: 'Change-log seq of the commit.' },
            },
          },
          ...problems(400, 401, 403, 404, 413, 429),
        },
      },
    },
    async (request) => {
      const bank = await ctx.banks.getBank(request.params.bank);
      const result = await ctx.banks.applyImport(
        bank.id,
        request.body.withdrawals.map((w) => ({
          kind: 'withdraw' as const,
          withdrawn: { source: w.source, externalId: w.externalId, member: w.member ?? null },
        })),
        apiKeyActor(request.apiKey!),
      );
      return { withdrawn: result.withdrawn, unmatched: result.withdrawalsUnmatched, seq: result.seq };
    },
  );

  app.get<{ Params: { bank: string }; Querystring: { after: number; limit: number } }>(
    '/v1/banks/:bank/changes',
    {
      schema: {
        tags: ['banks'],
        summary: "Follow one bank's changes (incremental sync)",
        description:
          'The change feed of one bank: additions, updates (`active` says whether the entry matches) and deletions, in ' +
          'commit order. Store `nextAfter` and poll with it to stay in sync.',
        params: bankParams,
        querystring: changesQuery,
        response: { 200: changesPage, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const bank = await ctx.banks.getBank(request.params.bank);
      return readChanges(ctx, request.query.after, request.query.limit, bank.id);
    },
  );

  app.get<{ Querystring: { after: number; limit: number } }>(
    '/v1/changes',
    {
      schema: {
        tags: ['banks'],
        summary: 'Follow every bank change (incremental sync)',
        description:
          'Every committed bank and entry change, deletions included, in `seq` order. A platform mirroring the banks ' +
          'stores `nextAfter` and polls with it.',
        querystring: changesQuery,
        response: { 200: changesPage, ...problems(400, 401, 403, 429) },
      },
    },
    async (request) => readChanges(ctx, request.query.after, request.query.limit),
  );

  app.get<{ Params: { id: number } }>(
    '/v1/entries/:id',
    {
      schema: {
        tags: ['banks'],
        summary: 'Get an entry',
        description:
          "With `otherSources`: every further source that sent the same hash. A video (`vpdq`) entry comes with its frames (`frames`, the reference hasher's lines) and the file digests it was added with.",
        params: idParams,
        response: { 200: ref('Entry'), ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const found = await ctx.banks.getEntry(request.params.id);
      const entry = {
        ...found,
        otherSources: (await ctx.banks.getEntrySources([found.id])).get(found.id) ?? [],
      };
      if (entry.signalType !== 'vpdq') return entry;
      const video = (await ctx.banks.getVideoSignals([entry.id])).get(entry.id);
      return video
        ? {
            ...entry,
            frames: formatVpdqReferenceLines(video.frames),
            fileMd5: video.fileMd5 ?? null,
            fileSha256: video.fileSha256 ?? null,
          }
        : entry;
    },
  );

  app.patch<{ Params: { id: number }; Body: unknown }>(
    '/v1/entries/:id',
    {
      schema: {
        tags: ['banks'],
        summary: 'Change an entry (disable, classify, feedback)',
        description: 'A disabled entry is kept but stops matching from the next request.',
        params: idParams,
        documentedBody: ref('EntryPatch'),
        response: { 200: ref('Entry'), ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => ctx.banks.updateEntry(request.params.id, request.body, apiKeyActor(request.apiKey!)),
  );

  app.delete<{ Params: { id: number } }>(
    '/v1/entries/:id',
    {
      schema: {
        tags: ['banks'],
        summary: 'Delete an entry',
        params: idParams,
        response: { 204: { type: 'null', description: 'Deleted.' }, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      await ctx.banks.deleteEntry(request.params.id, apiKeyActor(request.apiKey!));
      return reply.code(204).send();
    },
  );
}

async function withCount(ctx: AppContext, bank: Bank): Promise<Bank & { entryCount: number }> {
  return { ...bank, entryCount: await ctx.store.countEntries(bank.id) };
}

/**
 * When a webhook URL is set and no secret is given (and the bank has none yet), generates one:
 * the response shows it once, so the bank owner can verify signatures.
 */
function withGeneratedSecret(
  body: unknown,
  hasSecret: boolean,
): { input: unknown; generatedSecret?: string } {
  if (
    !isRecord(body) ||
    typeof body.webhookUrl !== 'string' ||
    body.webhookSecret !== undefined ||
    hasSecret
  ) {
    return { input: body };
  }
  const generatedSecret = `whsec_${randomBytes(24).toString('base64url')}`;
  return { input: { ...body, webhookSecret: generatedSecret }, generatedSecret };
}

/** Scans the change log from `after`, keeping the changes of `bankId` (or all), up to `limit`. */
async function readChanges(ctx: AppContext, after: number, limit: number, bankId?: number) {
  const kept: BankChange[] = [];
  let cursor = after;
  // A bank filter may skip many changes of other banks: bound the work of one request.
  const scanBudget = bankId === undefined ? limit : Math.max(limit * 10, 50_000);
  let scanned = 0;
  outer: while (kept.length < limit && scanned < scanBudget) {
    const want = bankId === undefined ? limit - kept.length : 5_000;
    const page = await ctx.store.changesSince(cursor, want);
    for (const change of page) {
      cursor = change.seq;
      scanned++;
      if (bankId === undefined || change.bankId === bankId) {
        kept.push(change);
        if (kept.length === limit) break outer;
      }
    }
    if (page.length < want) break;
  }
  const entryIds = kept.flatMap((c) => (c.op === 'entry_upsert' ? [c.entryId] : []));
  const [entries, banks, latestSeq] = await Promise.all([
    entryIds.length > 0 ? ctx.store.getEntries(entryIds) : Promise.resolve([] as BankEntry[]),
    ctx.store.listBanks(),
    ctx.store.latestSeq(),
  ]);
  const entryById = new Map(entries.map((e) => [e.id, e]));
  const bankName = new Map(banks.map((b) => [b.id, b.name]));
  const changes = kept.map((change) => {
    const base = {
      seq: change.seq,
      op: change.op,
      bankId: change.bankId,
      bank: bankName.get(change.bankId) ?? null,
      at: change.at,
    };
    switch (change.op) {
      case 'entry_upsert':
        return {
          ...base,
          entryId: change.entryId,
          signalType: change.signalType,
          value: change.value,
          active: change.active,
          ...(change.pdqVariants ? { pdqVariants: change.pdqVariants } : {}),
          entry: entryById.get(change.entryId) ?? null,
        };
      case 'entry_delete':
        return { ...base, entryId: change.entryId, signalType: change.signalType, value: change.value };
      default:
        return base;
    }
  });
  return { changes, nextAfter: cursor, latestSeq, hasMore: cursor < latestSeq };
}
