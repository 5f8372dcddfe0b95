import { removalBucketOf, timeToRemovalHours, type Analyst, type Takedown } from '@hashline/domain';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app.js';
import { problems } from '../http/schemas.js';
import type { Hotline } from './hotline-wiring.js';
import type { TakedownModule } from './takedown-wiring.js';

const tags = ['hotline workbench'];

/**
 * Notice and takedown in the workbench (issue 5 part 3): create a takedown for one URL of a report
 * (the notice is sent at once), list a report's takedowns with their re-checks and removal time,
 * and re-check a URL now.
 *
 * Register it in the workbench's scope, after `workbenchRoutes`, whose hook signs the analyst in
 * (session cookie) and checks the CSRF token of every POST; it refuses to start anywhere else, so
 * these routes can never be reached without a session:
 *
 *     await app.register(async (scope) => {
 *       await workbenchRoutes(scope, context, context.hotline);
 *       await takedownRoutes(scope, context, context.hotline, takedown);
 *     });
 */
export async function takedownRoutes(
  app: FastifyInstance,
  context: AppContext,
  hotline: Hotline,
  module: TakedownModule,
): Promise<void> {
  void context;
  void hotline;
  if (!app.hasRequestDecorator('analyst')) {
    throw new Error(
      'takedownRoutes must be registered in the workbench scope, after workbenchRoutes (its hook signs analysts in).',
    );
  }
  const { takedowns } = module;
  const me = (request: FastifyRequest): Analyst => {
    // The workbench hook has run for every route of this scope; a missing analyst is a wiring bug.
    if (!request.analyst) throw new Error('No signed-in analyst on a workbench route.');
    return request.analyst.analyst;
  };

  app.post<{ Params: { id: string } }>(
    '/v1/workbench/reports/:id/takedowns',
    {
      bodyLimit: 8 * 1024,
      schema: {
        tags,
        summary:
          'Send a notice-and-takedown for one URL of the report (to the host, or handed to the police unit)',
        documentedBody: {
          type: 'object',
          required: ['urlId', 'recipient'],
          properties: {
            urlId: {
              type: 'integer',
              description: "One of the report's URLs, with media assessed illegal or known.",
            },
            recipient: { type: 'string', description: "The e-mail address of the host's abuse desk." },
            language: {
              type: 'string',
              enum: ['nl', 'fr', 'de', 'en'],
              description: "The notice's language (default: the deployment's).",
            },
            via: {
              type: 'string',
              enum: ['hotline', 'police'],
              description:
                'Who delivers it (default: police for domestic hosting where configured, else the hotline).',
            },
            referralReference: {
              type: 'string',
              description: 'The police or referral reference (police hand-overs).',
            },
          },
        },
        response: problems(400, 404, 409),
      },
    },
    async (request, reply) => {
      const created = await takedowns.create(me(request), request.params.id, request.body);
      return reply.code(201).header('cache-control', 'no-store').send(takedownView(created));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/workbench/reports/:id/takedowns',
    {
      schema: {
        tags,
        summary: "The report's takedowns with their re-checks and removal times",
        response: problems(404),
      },
    },
    async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      return { items: (await takedowns.list(me(request), request.params.id)).map(takedownView) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/workbench/takedowns/:id/check',
    {
      schema: {
        tags,
        summary: "Re-check the takedown's URL now (through the capture's safe fetcher)",
        response: problems(404, 409),
      },
    },
    async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      return takedownView(await takedowns.checkNow(me(request), request.params.id));
    },
  );
}

/** A takedown as the workbench shows it, with the derived removal time and bucket. */
export function takedownView(t: Takedown) {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: t.id,
    reportId: t.reportId,
    urlId: t.urlId,
    url: t.url,
    recipient: t.recipient,
    language: t.language,
    via: t.via,
    status: t.status,
    sentBy: t.sentBy,
    sentTo: t.sentTo,
    referralReference: t.referralReference,
    noticeSentAt: iso(t.noticeSentAt),
    messageId: t.messageId,
    sendAttempts: t.sendAttempts,
    lastError: t.lastError,
    removedConfirmedAt: iso(t.removedConfirmedAt),
    timeToRemovalHours: timeToRemovalHours(t),
    removalBucket: removalBucketOf(t),
    nextCheckAt: iso(t.nextCheckAt),
    checks: t.checks.map((c) => ({
      checkedAt: c.checkedAt.toISOString(),
      result: c.result,
      detail: c.detail,
    })),
    createdAt: t.createdAt.toISOString(),
    createdBy: t.createdBy,
  };
}
