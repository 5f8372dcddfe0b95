import { timingSafeEqual } from 'node:crypto';
import {
  DomainError,
  MAX_EXCHANGE_MEDIA,
  type Analyst,
  type OutgoingExchange,
  type PartnerAssessmentsView,
} from '@hashline/domain';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app.js';
import { problems } from '../http/schemas.js';
import type { Exchange } from './exchange-wiring.js';
import type { Hotline } from './hotline-wiring.js';
import { SESSION_COOKIE, cookieValue } from './workbench.routes.js';

/**
 * Largest exchange message: 1,000 items of about 900 bytes and 20 URLs with traces, with room.
 * Far below anything that could carry images; the parser caps counts and sizes field by field.
 */
export const EXCHANGE_BODY_LIMIT = 2 * 1024 * 1024;

/** Options of {@link exchangeRoutes}. */
export interface ExchangeRouteOptions {
  readonly exchange: Exchange;
  /** Called with the id of each report made from a partner's case (wakes the capture worker). */
  readonly onReport?: (reportId: string) => void;
}

const exchangeBody = {
  type: 'object',
  required: ['version', 'sender', 'reference', 'sentAt', 'concerns', 'urls', 'media'],
  additionalProperties: false,
  description:
    'An exchange message, version 1: URLs with trace, hashes, classification and an assessment summary. ' +
    'Never media bytes, thumbnails, report text, reporter contact or analysts.',
  properties: {
    version: { type: 'integer', enum: [1] },
    sender: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'country'],
      properties: { name: { type: 'string' }, country: { type: 'string', pattern: '^[A-Z]{2}$' } },
    },
    reference: { type: 'string', maxLength: 128 },
    sentAt: { type: 'string', format: 'date-time' },
    concerns: { type: 'array', items: { type: 'string' } },
    imminentDanger: { type: 'boolean' },
    urls: {
      type: 'array',
      minItems: 1,
      maxItems: 20,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['url'],
        properties: {
          url: { type: 'string' },
          siteType: { type: ['string', 'null'] },
          trace: {
            type: ['object', 'null'],
            properties: {
              ipAddress: { type: ['string', 'null'] },
              country: { type: ['string', 'null'] },
              asn: { type: ['integer', 'null'] },
              network: { type: ['string', 'null'] },
              dataset: { type: 'string' },
              datasetDate: { type: 'string' },
              tracedAt: { type: 'string', format: 'date-time' },
            },
          },
        },
      },
    },
    media: {
      type: 'array',
      maxItems: MAX_EXCHANGE_MEDIA,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          urlIndex: { type: 'integer' },
          mediaType: { type: 'string' },
          md5: { type: 'string' },
          sha256: { type: 'string' },
          pdq: { type: ['string', 'null'] },
          pdqQuality: { type: ['integer', 'null'] },
          classification: {
            type: 'object',
            properties: {
              industry: { type: 'string' },
              uk: { type: 'string' },
              baseline: { type: 'boolean' },
            },
          },
          knownMaterial: { type: 'boolean' },
          assessment: { type: ['object', 'null'] },
        },
      },
    },
  },
} as const;

/**
 * The hotline-to-hotline exchange over HTTP:
 * - `POST /v1/exchange/reports`: a partner hotline forwards a case (API key with scope
 *   `exchange:submit`; the app's auth hook checks it). 201 `{ receiptReference, status }`; a
 *   resend answers the same with `Idempotent-Replayed: true`.
 * - Workbench (session cookie, CSRF token on POST, as the workbench routes): the partners,
 *   forwarding a report to one, the report's exchanges, and what a partner said about a case it
 *   sent.
 */
export async function exchangeRoutes(
  app: FastifyInstance,
  context: AppContext,
  hotline: Hotline,
  options: ExchangeRouteOptions,
): Promise<void> {
  const exchange = options.exchange.service;
  void context;

  app.post(
    '/v1/exchange/reports',
    {
      bodyLimit: EXCHANGE_BODY_LIMIT,
      schema: {
        tags: ['hotline exchange'],
        summary:
          'Receive a case from a partner hotline (ICCAM-like: URLs, trace, hashes, classification; never media)',
        documentedBody: exchangeBody,
        response: problems(400, 401, 403, 413, 422, 429),
      },
    },
    async (request, reply) => {
      const received = await exchange.receive(request.apiKey!.id, request.body);
      if (received.replayed) void reply.header('idempotent-replayed', 'true');
      else options.onReport?.(received.reportId);
      void reply.header('cache-control', 'no-store');
      return reply.code(201).send({ receiptReference: received.receiptReference, status: received.status });
    },
  );

  await app.register(async (scope) => {
    // The workbench's own guard (its hook lives in the workbench routes' scope): a session
    // cookie, and the session's CSRF token on every state-changing request. No API key.
    const analysts = new WeakMap<FastifyRequest, Analyst>();
    scope.addHook('onRequest', async (request) => {
      if (request.is404) return;
      const sessionId = cookieValue(request.headers.cookie, SESSION_COOKIE);
      const found = await hotline.auth.authenticate(sessionId);
      if (!found || sessionId === undefined) throw new DomainError('SESSION_REQUIRED');
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        const sent = request.headers['x-csrf-token'];
        const expected = Buffer.from(found.session.csrfToken);
        if (
          typeof sent !== 'string' ||
          sent.length !== expected.length ||
          !timingSafeEqual(Buffer.from(sent), expected)
        ) {
          throw new DomainError('CSRF_FAILED');
        }
      }
      analysts.set(request, found.analyst);
    });
    const me = (request: FastifyRequest): Analyst => analysts.get(request)!;
    const tags = ['hotline workbench'];

    scope.get(
      '/v1/workbench/exchange/partners',
      { schema: { tags, summary: 'Partner hotlines a case can be forwarded to (no tokens or URLs)' } },
      async (_request, reply) => {
        void reply.header('cache-control', 'no-store');
        return { items: exchange.partners() };
      },
    );

    scope.post<{ Params: { id: string } }>(
      '/v1/workbench/reports/:id/exchange',
      {
        bodyLimit: 1024,
        schema: {
          tags,
          summary:
            "Forward a report to a partner hotline's exchange API (confirmed and known items only; never media)",
          documentedBody: {
            type: 'object',
            required: ['partner'],
            additionalProperties: false,
            properties: {
              partner: { type: 'string', description: "The partner's country code (NL) or name." },
            },
          },
          response: problems(400, 404, 409, 502),
        },
      },
      async (request, reply) => {
        const sent = await exchange.forward(me(request), request.params.id, request.body);
        return reply.code(201).send(outgoingView(sent));
      },
    );

    scope.get<{ Params: { id: string } }>(
      '/v1/workbench/reports/:id/exchanges',
      {
        schema: { tags, summary: 'The exchanges of a report with partner hotlines', response: problems(404) },
      },
      async (request, reply) => {
        void reply.header('cache-control', 'no-store');
        return { items: (await exchange.outgoing(me(request), request.params.id)).map(outgoingView) };
      },
    );

    scope.get<{ Params: { id: string } }>(
      '/v1/workbench/reports/:id/partner-assessments',
      {
        schema: {
          tags,
          summary:
            'What the partner hotline said about a case it forwarded, matched to the re-captured media',
          response: problems(404),
        },
      },
      async (request, reply) => {
        if (!(await hotline.store.getReport(request.params.id)))
          throw new DomainError('REPORT_NOT_FOUND', 'No report has that id.');
        const view = await exchange.partnerAssessments(request.params.id);
        if (!view) throw new DomainError('NOT_FOUND', 'This report did not come from a partner hotline.');
        void reply.header('cache-control', 'no-store');
        return partnerView(view);
      },
    );
  });
}

/** An outgoing exchange as the workbench shows it. */
export function outgoingView(e: OutgoingExchange) {
  return {
    exchangeId: e.id,
    reportId: e.reportId,
    partner: { country: e.partnerCountry, name: e.partnerName },
    status: e.status,
    attempts: e.attempts,
    receiptReference: e.receiptReference,
    lastError: e.lastError,
    urlCount: e.urlCount,
    mediaCount: e.mediaCount,
    createdAt: e.createdAt.toISOString(),
    deliveredAt: e.deliveredAt?.toISOString() ?? null,
    updatedAt: e.updatedAt.toISOString(),
  };
}

/** A partner's case as the workbench shows it ("partner assessment: …" beside the capture). */
export function partnerView(v: PartnerAssessmentsView) {
  return {
    sender: { name: v.senderName, country: v.senderCountry },
    reference: v.reference,
    sentAt: v.sentAt.toISOString(),
    receivedAt: v.receivedAt.toISOString(),
    urls: v.urls,
    items: v.items.map((i) => ({
      url: i.url,
      mediaType: i.mediaType,
      md5: i.md5,
      sha256: i.sha256,
      pdq: i.pdq,
      pdqQuality: i.pdqQuality,
      classification: i.classification,
      knownMaterial: i.knownMaterial,
      assessment: i.summary,
      matches: i.matches,
    })),
  };
}
