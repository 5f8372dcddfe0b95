import { requireRole, type Analyst, type HashExchangeService } from '@hashline/domain';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app.js';
import { problems } from '../http/schemas.js';
import { hashExchangeViews } from '../routes/hash-exchanges.routes.js';

const tags = ['hotline workbench'];

/**
 * The workbench's admin page of hash exchanges (issue 14): the list with each one's status, and
 * run now, pause and resume (admins). Configuring one stays on the API and the CLI (credentials
 * are a deployment's matter, not a browser's).
 *
 * Register it in the workbench's scope, after `workbenchRoutes`, whose hook signs the analyst in
 * and checks the CSRF token of every POST.
 */
export async function hashExchangeWorkbenchRoutes(
  app: FastifyInstance,
  context: AppContext,
  exchanges: HashExchangeService | undefined,
): Promise<void> {
  if (!app.hasRequestDecorator('analyst')) {
    throw new Error(
      'hashExchangeWorkbenchRoutes must be registered in the workbench scope, after workbenchRoutes.',
    );
  }
  const admin = (request: FastifyRequest): Analyst => {
    if (!request.analyst) throw new Error('No signed-in analyst on a workbench route.');
    const analyst = request.analyst.analyst;
    requireRole(analyst, 'admin');
    return analyst;
  };
  const views = (list: Awaited<ReturnType<HashExchangeService['list']>>) =>
    hashExchangeViews(list, context, exchanges);

  app.get(
    '/v1/workbench/hash-exchanges',
    { schema: { tags, summary: 'Hash exchanges and their status (admins)', response: problems(403) } },
    async (request) => {
      admin(request);
      return { items: exchanges ? await views(await exchanges.list()) : [] };
    },
  );

  app.post<{ Params: { exchange: string; action: string } }>(
    '/v1/workbench/hash-exchanges/:exchange/:action',
    {
      schema: {
        tags,
        summary: 'Run a hash exchange now, pause or resume it (admins)',
        params: {
          type: 'object',
          required: ['exchange', 'action'],
          properties: {
            exchange: { type: 'string', minLength: 1, maxLength: 64 },
            action: { type: 'string', enum: ['run', 'pause', 'resume'] },
          },
        },
        response: problems(403, 404, 409),
      },
    },
    async (request) => {
      const analyst = admin(request);
      if (!exchanges) return { item: null };
      const { exchange, action } = request.params;
      const changed =
        action === 'run'
          ? (await exchanges.runNow(exchange)).exchange
          : action === 'pause'
            ? await exchanges.pause(exchange, `analyst:${analyst.username}`)
            : await exchanges.resume(exchange, `analyst:${analyst.username}`);
      return { item: (await views([changed]))[0] };
    },
  );
}
