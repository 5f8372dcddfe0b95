import { DomainError } from '@hashline/domain';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app.js';
import { createApiKey, parseNewApiKey } from '../auth/api-key-tokens.js';
import { problems, ref } from '../http/schemas.js';

const keyIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[a-z0-9]{4,32}$' } },
} as const;

/** API key management (admin) and `GET /v1/me`. */
export async function apiKeyRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/v1/me',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'The calling API key',
        description: 'Its id, name, scopes and effective rate limit: a cheap way to check a token.',
        response: {
          200: {
            type: 'object',
            required: ['id', 'name', 'scopes', 'rateLimitPerSecond'],
            properties: {
              id: { type: 'string' },
              name: { type: 'string' },
              scopes: { type: 'array', items: { type: 'string' } },
              rateLimitPerSecond: {
                type: 'integer',
                description: 'Effective rate (the server default when unset).',
              },
            },
          },
          ...problems(401, 429),
        },
      },
    },
    async (request) => {
      const key = request.apiKey!;
      return {
        id: key.id,
        name: key.name,
        scopes: key.scopes,
        rateLimitPerSecond: key.rateLimitPerSecond ?? ctx.config.rateLimit.perSecond,
      };
    },
  );

  app.post<{ Body: unknown }>(
    '/v1/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key',
        description:
          'The response carries the token `hl_<id>_<secret>` once; only the SHA-256 of the secret is stored, so a lost ' +
          'token cannot be recovered (revoke the key and create another).',
        documentedBody: ref('NewApiKey'),
        response: {
          201: {
            type: 'object',
            required: ['apiKey', 'token'],
            properties: { apiKey: ref('ApiKey'), token: { type: 'string', description: 'Shown once.' } },
          },
          ...problems(400, 401, 403, 429),
        },
      },
    },
    async (request, reply) => {
      const created = await createApiKey(ctx.store, parseNewApiKey(request.body));
      void reply.code(201).header('location', `/v1/api-keys/${created.apiKey.id}`);
      return created;
    },
  );

  app.get(
    '/v1/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys (revoked ones included)',
        response: {
          200: {
            type: 'object',
            required: ['apiKeys'],
            properties: { apiKeys: { type: 'array', items: ref('ApiKey') } },
          },
          ...problems(401, 403, 429),
        },
      },
    },
    async () => ({ apiKeys: await ctx.store.listApiKeys() }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/api-keys/:id',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Get an API key',
        params: keyIdParams,
        response: { 200: ref('ApiKey'), ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const key = await ctx.store.getApiKey(request.params.id);
      if (!key) throw new DomainError('API_KEY_NOT_FOUND', `No API key has id ${request.params.id}.`);
      return key;
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/api-keys/:id',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key',
        description: 'Takes effect at once in this process, and within the key cache time in others.',
        params: keyIdParams,
        response: { 200: ref('ApiKey'), ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const revoked = await ctx.store.revokeApiKey(request.params.id);
      ctx.authenticator.forget(revoked.id);
      return revoked;
    },
  );
}
