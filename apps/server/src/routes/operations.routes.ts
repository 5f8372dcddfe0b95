import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app.js';

/** Committed changes the index may trail by and still report ready (other processes' writes). */
export const READY_MAX_LAG = 10_000;

/** `/healthz`, `/readyz`, `/metrics` and `/openapi.json`: public, for probes and scrapers. */
export async function operationsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process answers',
        response: {
          200: {
            type: 'object',
            required: ['status'],
            properties: { status: { type: 'string', const: 'ok' } },
          },
        },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the store answers, the index is loaded and has applied the change log',
        description:
          `503 until the match index is loaded and within ${READY_MAX_LAG} changes of the store's change log, ` +
          'and while the store does not answer its health check in time (`storeAvailable: false`, with the ' +
          '`reason`; the check is bounded, so the answer never waits on a hung database). ' +
          '`lag` is the number of committed changes this process has not applied yet (from the last successful check).',
        response: {
          '2xx': { $ref: 'Readiness#' },
          503: { $ref: 'Readiness#' },
        },
      },
    },
    async (_request, reply) => {
      const health = await ctx.storeHealth.check();
      const status = ctx.engine.status();
      const latestSeq = health.latestSeq ?? status.appliedSeq;
      const lag = Math.max(0, latestSeq - status.appliedSeq);
      const ready = health.available && status.loaded && lag <= READY_MAX_LAG;
      const reason = !health.available
        ? `store unavailable: ${health.reason ?? 'no answer'}`
        : !status.loaded
          ? 'the match index is loading'
          : lag > READY_MAX_LAG
            ? `the match index trails the change log by ${lag} changes`
            : null;
      void reply.code(ready ? 200 : 503);
      return {
        ready,
        reason,
        storeAvailable: health.available,
        loaded: status.loaded,
        appliedSeq: status.appliedSeq,
        latestSeq,
        lag,
        store: ctx.store.engine,
        index: {
          banks: status.banks,
          pdqEntries: status.pdqEntries,
          exactEntries: status.exactEntries,
          pdqDeltaSize: status.pdqDeltaSize,
          rebuilding: status.rebuilding,
          lastRebuildMs: status.lastRebuildMs,
          source: status.source,
          loadMs: status.loadMs,
          snapshotSeq: status.snapshotSeq,
          snapshotProblem: status.snapshotProblem,
        },
      };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics',
        produces: ['text/plain'],
        response: { 200: { type: 'string', description: 'Prometheus text exposition format.' } },
      },
    },
    async (_request, reply) => {
      const body = await ctx.metrics.registry.metrics();
      void reply.type(ctx.metrics.registry.contentType);
      return body;
    },
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
