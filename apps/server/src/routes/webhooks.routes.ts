import {
  WEBHOOK_DELIVERY_STATUSES,
  WebhookDeliveryService,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
} from '@hashline/domain';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app.js';
import { bankParams, idParams, problems, ref } from '../http/schemas.js';

/** Most deliveries one page of a listing returns. */
export const MAX_DELIVERIES_PAGE = 1000;

const pageQuery = {
  status: {
    type: 'string',
    enum: [...WEBHOOK_DELIVERY_STATUSES],
    description: '`failed` lists what gave up and can be redelivered.',
  },
  before: {
    type: 'integer',
    minimum: 1,
    description: 'Deliveries with id below this: the `nextBefore` of the previous page.',
  },
  limit: { type: 'integer', minimum: 1, maximum: MAX_DELIVERIES_PAGE, default: 100 },
} as const;

const deliveryPage = {
  type: 'object',
  required: ['deliveries', 'nextBefore'],
  properties: {
    deliveries: { type: 'array', items: ref('WebhookDelivery') },
    nextBefore: {
      type: ['integer', 'null'],
      description: 'Pass as `before` for the next page; null at the end.',
    },
  },
} as const;

interface PageQuery {
  status?: WebhookDeliveryStatus;
  before?: number;
  limit: number;
}

/**
 * The webhook outbox as the bank owner sees it: deliveries listed newest first (keyset pages),
 * and redelivery of one, or of all of a bank from a seq on. A key with `banks:write` (which owns
 * and changes banks; `admin` holds it) may do both: this is the scope that sets a bank's webhook.
 */
export function webhookRoutes(app: FastifyInstance, ctx: AppContext): void {
  const deliveries = new WebhookDeliveryService(ctx.store, ctx.clock);
  const page = (list: readonly WebhookDelivery[], limit: number) => ({
    deliveries: list,
    nextBefore: list.length === limit ? list[list.length - 1]!.id : null,
  });

  app.get<{ Querystring: PageQuery & { bank?: string } }>(
    '/v1/webhook-deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Webhook deliveries of every bank, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            bank: {
              type: 'string',
              minLength: 1,
              maxLength: 64,
              description: 'Only this bank (name or id).',
            },
            ...pageQuery,
          },
        },
        response: { 200: deliveryPage, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const q = request.query;
      const bankId = q.bank !== undefined ? (await ctx.banks.getBank(q.bank)).id : undefined;
      const list = await deliveries.list({
        limit: q.limit,
        ...(bankId !== undefined ? { bankId } : {}),
        ...(q.status !== undefined ? { status: q.status } : {}),
        ...(q.before !== undefined ? { beforeId: q.before } : {}),
      });
      return page(list, q.limit);
    },
  );

  app.get<{ Params: { bank: string }; Querystring: PageQuery }>(
    '/v1/banks/:bank/webhook-deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Webhook deliveries of a bank, newest first',
        params: bankParams,
        querystring: { type: 'object', additionalProperties: false, properties: pageQuery },
        response: { 200: deliveryPage, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const q = request.query;
      const bank = await ctx.banks.getBank(request.params.bank);
      const list = await deliveries.list({
        bankId: bank.id,
        limit: q.limit,
        ...(q.status !== undefined ? { status: q.status } : {}),
        ...(q.before !== undefined ? { beforeId: q.before } : {}),
      });
      return page(list, q.limit);
    },
  );

  app.get<{ Params: { id: number } }>(
    '/v1/webhook-deliveries/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Get a webhook delivery',
        params: idParams,
        response: { 200: ref('WebhookDelivery'), ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => deliveries.get(request.params.id),
  );

  app.post<{ Params: { id: number } }>(
    '/v1/webhook-deliveries/:id/redeliver',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Send a webhook delivery again',
        description:
          'Queues the delivery again now, whatever its status (failed, delivered, or waiting for a retry): ' +
          'attempts restart at 0 and the retry horizon restarts now; it goes to the bank’s current webhook URL, ' +
          'with the same `seq`, body and `Idempotency-Key`. Deliveries to one endpoint still go out in order: ' +
          'it is sent before anything newer that still waits for that endpoint, never beside a delivery in flight. ' +
          '404 `WEBHOOK_DELIVERY_NOT_FOUND`; 409 `WEBHOOK_DELIVERY_IN_FLIGHT` while an attempt is under way.',
        params: idParams,
        response: { 200: ref('WebhookDelivery'), ...problems(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => deliveries.redeliver(request.params.id),
  );

  app.post<{ Params: { bank: string }; Body: unknown }>(
    '/v1/banks/:bank/webhook-deliveries/redeliver',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Send a bank’s webhook deliveries again from a seq on',
        description:
          'Queues again every delivery of the bank with `seq >= sinceSeq`, whatever its status, except those ' +
          'in flight (they are being sent). They go out in seq order, before anything newer. For a receiver that ' +
          'lost notifications: send the first seq it is missing.',
        params: bankParams,
        documentedBody: {
          type: 'object',
          required: ['sinceSeq'],
          additionalProperties: false,
          properties: {
            sinceSeq: { type: 'integer', minimum: 1, description: 'The first seq to send again.' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['requeued', 'sinceSeq'],
            properties: {
              requeued: { type: 'integer', description: 'Deliveries queued again.' },
              sinceSeq: { type: 'integer' },
            },
          },
          ...problems(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      const bank = await ctx.banks.getBank(request.params.bank);
      return deliveries.redeliverSince(bank.id, request.body);
    },
  );
}
