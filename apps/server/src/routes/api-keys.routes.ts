import { DomainError } from '@hashline/domain';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app.js';
import { allAuditRowsOf } from '../hotline/security-alerts.routes.js';
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

  app.get<{ Querystring: { limit: number } }>(
    '/v1/security/alerts',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Probing alerts on verdict-only keys',
        description:
          "Newest first: keys whose match queries clustered in Hamming space or kept landing near one banked hash's match threshold (as probing a banked hash does), how many such queries were seen, and whether the key was suspended (revoked). The same rows are in the workbench's audit log.",
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['alerts'],
            properties: {
              alerts: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['keyId', 'at', 'nearQueries', 'suspended'],
                  properties: {
                    keyId: { type: 'string' },
                    at: { type: 'string', format: 'date-time' },
                    rule: {
                      type: 'string',
                      enum: ['cluster', 'threshold_edge'],
                      description:
                        "`cluster`: near queries within an hour; `threshold_edge`: distinct queries close to one banked entry's threshold.",
                    },
                    nearQueries: { type: 'integer' },
                    radius: { type: 'integer' },
                    suspended: { type: 'boolean' },
                  },
                },
              },
            },
          },
          ...problems(400, 401, 403, 429),
        },
      },
    },
    async (request) => {
      // The newest `limit` (the audit log lists oldest first).
      const rows = (await allAuditRowsOf(ctx.hotline.store, 'api_key_probing_suspected')).slice(
        -request.query.limit,
      );
      return {
        alerts: rows
          .sort((a, b) => b.seq - a.seq)
          .map((row) => ({
            keyId: row.subjectId,
            at: row.at.toISOString(),
            // Alerts raised before the threshold-edge rule existed came from the cluster rule.
            rule: row.details.rule === 'threshold_edge' ? 'threshold_edge' : 'cluster',
            nearQueries: Number(row.details.nearQueries ?? 0),
            radius: Number(row.details.radius ?? 0),
            suspended: row.details.suspended === true,
          })),
      };
    },
  );
}
