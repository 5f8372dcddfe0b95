import { BANK_KINDS, SIGNAL_TYPES } from '@hashline/domain';

const header = (name: string, description: string, type: 'string' | 'integer' = 'string') => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type },
});

/**
 * The notifications Hashline sends (OpenAPI 3.1 `webhooks`): what a bank's receiver gets, so the
 * signed body, its `seq` and the headers are documented beside the API that lists and redelivers
 * them.
 */
export const WEBHOOKS_OPENAPI: Readonly<Record<string, unknown>> = {
  match: {
    post: {
      summary: 'A query matched the bank (sent to the bank’s webhookUrl)',
      description:
        'Verify `Hashline-Signature` on the raw body, then order and deduplicate by `seq`: each bank numbers ' +
        'its notifications 1, 2, 3… without gaps, in commit order, and one endpoint receives them one at a ' +
        'time in that order (a later one waits while an earlier one is retried). Delivery is at least once: ' +
        'a seq you have already processed is a duplicate (retry or redelivery); a gap means you missed one: ' +
        'ask for `POST /v1/banks/{bank}/webhook-deliveries/redeliver` with `{ "sinceSeq": <first missing> }`. ' +
        'Answer 2xx once stored; anything else is retried with exponential back-off and jitter for ' +
        '`HASHLINE_WEBHOOK_RETRY_HOURS` (72 by default), then the delivery is marked failed and can be redelivered.',
      parameters: [
        header(
          'Hashline-Signature',
          '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; reject when |now − t| > 300 s.',
        ),
        header('Idempotency-Key', '`match-<recordId>-<bankId>`: the same on every attempt and redelivery.'),
        header('Hashline-Seq', 'The body’s `seq`, for routing before parsing.', 'integer'),
        header(
          'Hashline-Delivery',
          'The delivery id (as listed by `GET /v1/webhook-deliveries`).',
          'integer',
        ),
        header('Hashline-Attempt', 'Attempt number since the delivery was (re)queued, from 1.', 'integer'),
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: [
                'type',
                'id',
                'seq',
                'createdAt',
                'changeSeq',
                'recordId',
                'bank',
                'caller',
                'signalType',
                'contentRef',
                'matches',
                'actions',
              ],
              properties: {
                type: { type: 'string', const: 'match' },
                id: { type: 'string', description: 'Equal to the Idempotency-Key header.' },
                seq: {
                  type: 'integer',
                  minimum: 1,
                  description: 'The bank’s notification number: 1, 2, 3… without gaps, in commit order.',
                },
                createdAt: { type: 'string', format: 'date-time' },
                changeSeq: {
                  type: 'integer',
                  description:
                    'The bank change-log position (`GET /v1/changes`) the match was answered at: which entries existed.',
                },
                recordId: {
                  type: 'integer',
                  description: 'The match record (`GET /v1/match-records/{id}`).',
                },
                bank: {
                  type: 'object',
                  properties: {
                    id: { type: 'integer' },
                    name: { type: 'string' },
                    kind: { type: 'string', enum: [...BANK_KINDS] },
                  },
                },
                caller: { type: 'string', description: 'The API key id that asked.' },
                signalType: { type: 'string', enum: [...SIGNAL_TYPES] },
                contentRef: { type: ['string', 'null'] },
                matches: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      entryId: { type: 'integer' },
                      distance: { type: 'integer' },
                      classification: { type: 'object' },
                    },
                  },
                },
                actions: { type: 'array', items: { type: 'string' } },
              },
              description: 'The queried hash itself is never sent.',
            },
          },
        },
      },
      responses: { '200': { description: 'Any 2xx: stored; the delivery is marked delivered.' } },
    },
  },
};
