import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DomainError,
  FIGURE_SECTIONS,
  StatisticsService,
  type Analyst,
  type HashlineStore,
  type HotlineFigures,
  type PublicFigures,
  type StatisticsStore,
} from '@hashline/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app.js';
import { RateLimiter } from '../auth/rate-limiter.js';
import { problems } from '../http/schemas.js';
import { WEB_CSP } from '../routes/self-submission.routes.js';
import type { Hotline } from './hotline-wiring.js';
import { SESSION_COOKIE, cookieValue } from './workbench.routes.js';

const workbenchTags = ['hotline workbench'];
const publicTags = ['hotline (public)'];
/** Public figure requests per minute per client address (counted in memory, never stored). */
const PUBLIC_REQUESTS_PER_MINUTE = 60;

const periodQuery = {
  type: 'object',
  properties: {
    from: {
      type: 'string',
      description: 'First day, YYYY-MM-DD (UTC), inclusive; default 1 January of this year.',
    },
    to: {
      type: 'string',
      description: 'Day after the last, YYYY-MM-DD (UTC), exclusive; default 1 January of next year.',
    },
  },
} as const;

/** The statistics a store computes on its own connection (`store.statistics` of the SQL stores), if any. */
export function statisticsStoreOf(store: HashlineStore): StatisticsStore | undefined {
  const candidate = (store as { readonly statistics?: unknown }).statistics;
  return typeof candidate === 'object' &&
    candidate !== null &&
    typeof (candidate as { countFigures?: unknown }).countFigures === 'function'
    ? (candidate as StatisticsStore)
    : undefined;
}

/** The statistics service for a deployment's configuration. */
export function createStatisticsService(
  context: Pick<AppContext, 'config' | 'clock'>,
  hotline: Pick<Hotline, 'store'>,
  store: StatisticsStore,
): StatisticsService {
  const figures = context.config.hotline.figures;
  return new StatisticsService({
    store,
    audit: hotline.store,
    clock: context.clock,
    publicFigures: {
      k: figures.k,
      publishCurrentYear: figures.publishCurrentYear,
      firstYear: figures.firstYear,
      cacheMs: figures.cacheSeconds * 1000,
    },
  });
}

/**
 * The hotline's statistics (issue 5, part 5):
 * - `GET /v1/workbench/statistics?from=&to=` — the dashboard's figures (any signed-in analyst);
 * - `GET /v1/workbench/statistics.csv?from=&to=` — the same as CSV (`section,key,subkey,count,share`),
 *   audited as `statistics_exported`;
 * - `GET /v1/public/figures?year=` — a completed year's figures for everyone, aggregates only, counts
 *   below k withheld (limited per client address in memory);
 * - `GET /figures` — the public figures page.
 *
 * The workbench routes run in a scope of their own with the workbench's session check (the cookie;
 * GET only, so no CSRF token is needed); API keys are never accepted there.
 */
export async function statisticsRoutes(
  app: FastifyInstance,
  context: Pick<AppContext, 'config' | 'clock'>,
  hotline: Pick<Hotline, 'store' | 'auth'>,
  store: StatisticsStore,
): Promise<void> {
  const statistics = createStatisticsService(context, hotline, store);
  const { config } = context;

  await app.register(async (scope) => {
    const signedIn = new WeakMap<FastifyRequest, Analyst>();
    scope.addHook('onRequest', async (request) => {
      if (request.is404) return;
      const found = await hotline.auth.authenticate(cookieValue(request.headers.cookie, SESSION_COOKIE));
      if (!found) throw new DomainError('SESSION_REQUIRED');
      signedIn.set(request, found.analyst);
    });
    const analyst = (request: FastifyRequest): Analyst => signedIn.get(request)!;

    scope.get<{ Querystring: { from?: string; to?: string } }>(
      '/v1/workbench/statistics',
      {
        schema: {
          tags: workbenchTags,
          summary: 'The figures of a period for the dashboard (counts, totals and shares)',
          querystring: periodQuery,
          response: problems(400, 401),
        },
      },
      async (request, reply) => {
        void reply.header('cache-control', 'no-store');
        return figuresView(await statistics.figures(analyst(request), request.query));
      },
    );

    scope.get<{ Querystring: { from?: string; to?: string } }>(
      '/v1/workbench/statistics.csv',
      {
        schema: {
          tags: workbenchTags,
          summary: 'The figures of a period as CSV (section, key, subkey, count, share); audited',
          querystring: periodQuery,
          produces: ['text/csv'],
          response: problems(400, 401),
        },
      },
      async (request, reply) => {
        const exported = await statistics.exportCsv(analyst(request), request.query);
        void reply
          .header('cache-control', 'no-store')
          .header('content-disposition', `attachment; filename="${exported.filename}"`)
          .header('x-content-type-options', 'nosniff')
          .type('text/csv; charset=utf-8');
        return exported.csv;
      },
    );
  });

  const limiter = new RateLimiter(60);
  const limitByAddress = async (request: { ip: string }, reply: FastifyReply): Promise<void> => {
    const decision = limiter.take(request.ip, PUBLIC_REQUESTS_PER_MINUTE / 60);
    if (!decision.allowed) {
      void reply.header('retry-after', String(decision.retryAfterSeconds));
      throw new DomainError(
        'RATE_LIMITED',
        `Too many requests from this address; retry in ${decision.retryAfterSeconds} s.`,
      );
    }
  };

  app.get<{ Querystring: { year?: string } }>(
    '/v1/public/figures',
    {
      onRequest: limitByAddress,
      schema: {
        tags: publicTags,
        summary: "A year's published figures: aggregates only, counts below k withheld",
        description:
          'Counts from 1 to k − 1 are withheld (`{"suppressed":"small"}`, shown as "< k"), and so is another ' +
          'count of the same row or column where the small one could otherwise be worked out ' +
          '(`{"suppressed":"complement"}`). No report ids, no URLs, no dates finer than a month. Only ' +
          'completed years are published unless the deployment says otherwise.',
        querystring: {
          type: 'object',
          properties: {
            year: { type: 'string', description: 'A four-digit year; default the last published one.' },
          },
        },
        response: problems(400, 404, 429),
      },
    },
    async (request, reply) => {
      const published = await statistics.publicFigures(request.query.year);
      void reply.header('cache-control', 'public, max-age=300');
      return { ...publicView(published), years: statistics.publishedYears() };
    },
  );

  app.get(
    '/figures',
    {
      schema: { tags: publicTags, summary: 'The public yearly figures page (HTML)', produces: ['text/html'] },
    },
    async (_request, reply) => {
      reply.header('content-security-policy', WEB_CSP);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('cross-origin-opener-policy', 'same-origin');
      reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
      const path = join(config.web.dir, 'figures.html');
      if (!existsSync(path))
        throw new DomainError('NOT_FOUND', 'The web app is not built (npm run build -w @hashline/web).');
      void reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
      return readFileSync(path);
    },
  );
}

const day = (date: Date) => date.toISOString().slice(0, 10);

/** The figures as JSON: the period as days, sections in their fixed order. */
export function figuresView(figures: HotlineFigures) {
  return {
    period: { from: day(figures.period.from), to: day(figures.period.to) },
    generatedAt: figures.generatedAt.toISOString(),
    sections: FIGURE_SECTIONS.map((id) => figures.sections[id]),
  };
}

/** The public figures as JSON. */
export function publicView(published: PublicFigures) {
  return { ...published, generatedAt: published.generatedAt.toISOString() };
}
