import {
  DomainError,
  HASH_EXCHANGE_ERROR_KINDS,
  HASH_EXCHANGE_TYPES,
  type HashExchange,
  type HashExchangeFeedbackStatus,
  type HashExchangeService,
} from '@hashline/domain';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app.js';
import { problems } from '../http/schemas.js';

const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

const countsSchema = {
  type: 'object',
  description: "The current run's counts while it runs, else the last run's.",
  required: ['pages', 'added', 'updated', 'withdrawn', 'unchanged', 'skipped', 'errors'],
  properties: Object.fromEntries(
    ['pages', 'added', 'updated', 'withdrawn', 'unchanged', 'skipped', 'errors'].map((k) => [
      k,
      { type: 'integer' },
    ]),
  ),
} as const;

/** An exchange as the API shows it: configuration and status, never its credentials. */
const exchangeSchema = {
  type: 'object',
  required: [
    'id',
    'name',
    'bank',
    'type',
    'endpointUrl',
    'intervalSeconds',
    'options',
    'upload',
    'feedback',
    'hasCredentials',
    'paused',
    'status',
  ],
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    bank: {
      type: ['string', 'null'],
      description: 'The bank its hashes go to (null if that bank was deleted).',
    },
    type: { type: 'string', enum: [...HASH_EXCHANGE_TYPES] },
    endpointUrl: { type: 'string' },
    intervalSeconds: { type: 'integer' },
    options: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
    upload: { type: 'boolean' },
    feedback: { type: 'boolean' },
    hasCredentials: { type: 'boolean', description: 'Whether credentials are kept (sealed; never shown).' },
    paused: { type: 'boolean' },
    pausedReason: { type: ['string', 'null'] },
    status: {
      type: 'object',
      required: ['running', 'nextRunAt', 'consecutiveFailures', 'counts'],
      properties: {
        running: { type: 'boolean', description: 'A process holds the run lease now.' },
        lastRunAt: nullableDateTime,
        lastSuccessAt: nullableDateTime,
        lastErrorKind: { type: ['string', 'null'], enum: [...HASH_EXCHANGE_ERROR_KINDS, null] },
        lastErrorMessage: { type: ['string', 'null'] },
        consecutiveFailures: { type: 'integer' },
        nextRunAt: dateTime,
        hasCheckpoint: { type: 'boolean', description: 'False until the first page is applied.' },
        counts: countsSchema,
        feedbackVotes: {
          type: 'object',
          description:
            "Votes (PATCH an entry's `feedback`, or `POST /v1/match-records/{id}/feedback`) on this exchange's entries: " +
            'pending (not yet sent; retried each run), sent, refused by the source (never repeated), and the last ' +
            'failure to send one. Counted only where the exchange sends feedback.',
          required: ['pending', 'sent', 'refused', 'lastError', 'lastErrorAt'],
          properties: {
            pending: { type: 'integer' },
            sent: { type: 'integer' },
            refused: { type: 'integer' },
            lastError: { type: ['string', 'null'] },
            lastErrorAt: nullableDateTime,
          },
        },
      },
    },
    createdBy: { type: 'string' },
    createdAt: dateTime,
    updatedAt: dateTime,
  },
} as const;

const exchangeParams = {
  type: 'object',
  required: ['exchange'],
  properties: {
    exchange: { type: 'string', minLength: 1, maxLength: 64, description: 'Exchange name or numeric id.' },
  },
} as const;

const newExchangeBody = {
  type: 'object',
  required: ['name', 'bank', 'type', 'endpointUrl'],
  properties: {
    name: { type: 'string', description: 'Unique; 1–64 of a-z 0-9 - _. Entries and the audit log name it.' },
    bank: { type: 'string', description: 'The bank its hashes go to (not a bank of published material).' },
    type: { type: 'string', enum: [...HASH_EXCHANGE_TYPES] },
    endpointUrl: { type: 'string', description: "The source's base URL (the file's URL for a feed)." },
    intervalSeconds: { type: 'integer', description: 'How often it runs (default 3600).' },
    options: {
      type: 'object',
      description:
        'Per type. hashline: `bank` (the partner bank to follow; default every bank), `pageSize`, `uploadBank` + ' +
        '`partnerBank` (uploads). feed: `format` (default: detected).',
    },
    credentials: {
      type: 'object',
      description: 'Sealed at rest, never shown again. hashline: `{ "apiKey": "hl_…" }`.',
    },
    upload: { type: 'boolean', description: 'Offer our confirmed hashes to the source (default false).' },
    feedback: {
      type: 'boolean',
      description: 'Send our votes back where the source takes them (default false).',
    },
  },
} as const;

/** The exchange as the API answers it (credentials never; the bank by name). */
export function hashExchangeView(
  exchange: HashExchange,
  bankNames: ReadonlyMap<number, string>,
  now: Date,
  feedbackVotes?: HashExchangeFeedbackStatus,
) {
  return {
    id: exchange.id,
    name: exchange.name,
    bank: bankNames.get(exchange.bankId) ?? null,
    type: exchange.type,
    endpointUrl: exchange.endpointUrl,
    intervalSeconds: exchange.intervalSeconds,
    options: exchange.options,
    upload: exchange.upload,
    feedback: exchange.feedback,
    hasCredentials: exchange.hasCredentials,
    paused: exchange.paused,
    pausedReason: exchange.pausedReason,
    status: {
      running: exchange.leaseUntil !== null && exchange.leaseUntil.getTime() > now.getTime(),
      lastRunAt: exchange.lastRunAt,
      lastSuccessAt: exchange.lastSuccessAt,
      lastErrorKind: exchange.lastErrorKind,
      lastErrorMessage: exchange.lastErrorMessage,
      consecutiveFailures: exchange.consecutiveFailures,
      nextRunAt: exchange.nextRunAt,
      hasCheckpoint: exchange.checkpoint !== null,
      counts: exchange.counts,
      ...(feedbackVotes ? { feedbackVotes } : {}),
    },
    createdBy: exchange.createdBy,
    createdAt: exchange.createdAt,
    updatedAt: exchange.updatedAt,
  };
}

/**
 * Exchanges as the API and the workbench answer them: banks by name, and the votes' status of
 * those that send votes back.
 */
export async function hashExchangeViews(
  list: readonly HashExchange[],
  context: Pick<AppContext, 'banks' | 'clock'>,
  exchanges: HashExchangeService | undefined,
) {
  const banks = new Map((await context.banks.listBanks()).map((b) => [b.id, b.name]));
  const now = context.clock.now();
  return Promise.all(
    list.map(async (e) =>
      hashExchangeView(
        e,
        banks,
        now,
        e.feedback && exchanges ? await exchanges.feedbackStatus(e) : undefined,
      ),
    ),
  );
}

/**
 * Scheduled hash exchanges (issue 14): `/v1/exchanges` CRUD, run now, pause and resume. Admin
 * only (see route-scopes.ts): an exchange writes into a bank on its own schedule and holds a
 * partner's credentials.
 */
export async function hashExchangeRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  exchanges: HashExchangeService | undefined,
): Promise<void> {
  const service = (): HashExchangeService => {
    if (!exchanges) {
      throw new DomainError(
        'HASH_EXCHANGE_TYPE_UNAVAILABLE',
        'This store keeps no hash exchanges (use SQLite or PostgreSQL).',
      );
    }
    return exchanges;
  };
  const views = (list: readonly HashExchange[]) => hashExchangeViews(list, ctx, exchanges);
  const one = async (exchange: HashExchange) => (await views([exchange]))[0]!;
  const tags = ['exchanges'];

  app.get(
    '/v1/exchanges',
    {
      schema: {
        tags,
        summary: 'List hash exchanges with their status',
        response: {
          200: {
            type: 'object',
            required: ['exchanges', 'availableTypes'],
            properties: {
              exchanges: { type: 'array', items: exchangeSchema },
              availableTypes: {
                type: 'array',
                items: { type: 'string' },
                description: 'The types this server can run.',
              },
            },
          },
          ...problems(401, 403, 429),
        },
      },
    },
    async () => ({
      exchanges: exchanges ? await views(await exchanges.list()) : [],
      availableTypes: exchanges ? exchanges.availableTypes() : [],
    }),
  );

  app.post<{ Body: unknown }>(
    '/v1/exchanges',
    {
      schema: {
        tags,
        summary: 'Configure a hash exchange',
        description:
          'A scheduled sync of a bank with an outside source: another Hashline instance (`hashline`, its change feed), ' +
          'a hash-list file at a URL (`feed`, a full snapshot each time), and NCMEC, StopNCII or ThreatExchange where ' +
          'this server has their clients. It runs first at the next round, then every `intervalSeconds`.',
        documentedBody: newExchangeBody,
        response: { 201: exchangeSchema, ...problems(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const created = await service().create(request.body, `api-key:${request.apiKey!.id}`);
      void reply.code(201).header('location', `/v1/exchanges/${created.name}`);
      return one(created);
    },
  );

  app.get<{ Params: { exchange: string } }>(
    '/v1/exchanges/:exchange',
    {
      schema: {
        tags,
        summary: "A hash exchange's configuration and status",
        params: exchangeParams,
        response: { 200: exchangeSchema, ...problems(401, 403, 404, 429) },
      },
    },
    async (request) => one(await service().get(request.params.exchange)),
  );

  app.patch<{ Params: { exchange: string }; Body: unknown }>(
    '/v1/exchanges/:exchange',
    {
      schema: {
        tags,
        summary: 'Change a hash exchange',
        description:
          '`endpointUrl`, `intervalSeconds`, `options`, `credentials` (null removes them; new ones resume an exchange the ' +
          'source had refused), `upload`, `feedback`, `resetCheckpoint: true` (the next run starts from the beginning).',
        params: exchangeParams,
        documentedBody: { type: 'object' },
        response: { 200: exchangeSchema, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) =>
      one(await service().update(request.params.exchange, request.body, `api-key:${request.apiKey!.id}`)),
  );

  app.delete<{ Params: { exchange: string } }>(
    '/v1/exchanges/:exchange',
    {
      schema: {
        tags,
        summary: 'Remove a hash exchange',
        description: 'The entries it brought stay in the bank, with their provenance.',
        params: exchangeParams,
        response: { 204: { type: 'null', description: 'Removed.' }, ...problems(401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      await service().remove(request.params.exchange, `api-key:${request.apiKey!.id}`);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { exchange: string } }>(
    '/v1/exchanges/:exchange/run',
    {
      schema: {
        tags,
        summary: 'Run a hash exchange now',
        description:
          'Runs it in this request (up to the page budget of one run) and answers its status after the run; a failed ' +
          'run answers 200 too, with the failure in `status.lastErrorKind`/`lastErrorMessage`.',
        params: exchangeParams,
        response: { 200: exchangeSchema, ...problems(401, 403, 404, 409, 429) },
      },
    },
    async (request) => one((await service().runNow(request.params.exchange)).exchange),
  );

  for (const action of ['pause', 'resume'] as const) {
    app.post<{ Params: { exchange: string } }>(
      `/v1/exchanges/:exchange/${action}`,
      {
        schema: {
          tags,
          summary: action === 'pause' ? 'Pause a hash exchange' : 'Resume a paused hash exchange',
          params: exchangeParams,
          response: { 200: exchangeSchema, ...problems(401, 403, 404, 429) },
        },
      },
      async (request) =>
        one(
          action === 'pause'
            ? await service().pause(request.params.exchange, `api-key:${request.apiKey!.id}`)
            : await service().resume(request.params.exchange, `api-key:${request.apiKey!.id}`),
        ),
    );
  }
}
