import type { ApiScope } from '@hashline/domain';

/**
 * Who may call a route:
 * - `public`: anyone, no key (health, metrics, the API description);
 * - `authenticated`: any valid key, whatever its scopes;
 * - a list of scopes: a key holding any of them (`admin` holds every scope, `banks:write`
 *   implies `banks:read`; see `hasScope`).
 */
export type RouteAccess = 'public' | 'authenticated' | readonly ApiScope[];

/** One row of the access table. */
export interface RouteScope {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The route pattern as registered in Fastify (`/v1/banks/:bank`). */
  readonly url: string;
  readonly access: RouteAccess;
}

/**
 * The access table: every route of the API and who may call it. The auth hook reads it (a route
 * missing here is refused to everyone, so forgetting a row fails closed) and the role × endpoint
 * test is generated from it.
 */
export const ROUTE_SCOPES: readonly RouteScope[] = [
  { method: 'GET', url: '/healthz', access: 'public' },
  { method: 'GET', url: '/readyz', access: 'public' },
  { method: 'GET', url: '/metrics', access: 'public' },
  { method: 'GET', url: '/openapi.json', access: 'public' },

  // The web app and the self-submission API: for anyone, limited per address, no key.
  { method: 'GET', url: '/', access: 'public' },
  { method: 'GET', url: '/self-submission', access: 'public' },
  { method: 'GET', url: '/v1/public/config', access: 'public' },
  { method: 'POST', url: '/v1/public/self-submissions', access: 'public' },
  { method: 'POST', url: '/v1/public/self-submissions/status', access: 'public' },
  { method: 'POST', url: '/v1/public/self-submissions/withdraw', access: 'public' },

  { method: 'GET', url: '/v1/me', access: 'authenticated' },

  { method: 'GET', url: '/v1/banks', access: ['banks:read'] },
  { method: 'POST', url: '/v1/banks', access: ['banks:write'] },
  { method: 'GET', url: '/v1/banks/:bank', access: ['banks:read'] },
  { method: 'PATCH', url: '/v1/banks/:bank', access: ['banks:write'] },
  { method: 'DELETE', url: '/v1/banks/:bank', access: ['banks:write'] },
  { method: 'GET', url: '/v1/banks/:bank/entries', access: ['banks:read'] },
  { method: 'POST', url: '/v1/banks/:bank/entries', access: ['banks:write'] },
  { method: 'GET', url: '/v1/banks/:bank/changes', access: ['banks:read'] },
  { method: 'GET', url: '/v1/banks/:bank/webhook-deliveries', access: ['banks:write'] },
  { method: 'GET', url: '/v1/entries/:id', access: ['banks:read'] },
  { method: 'PATCH', url: '/v1/entries/:id', access: ['banks:write'] },
  { method: 'DELETE', url: '/v1/entries/:id', access: ['banks:write'] },
  { method: 'GET', url: '/v1/changes', access: ['banks:read'] },

  { method: 'POST', url: '/v1/match', access: ['match', 'match:verdict'] },
  { method: 'POST', url: '/v1/match/media', access: ['match', 'match:verdict'] },
  { method: 'POST', url: '/v1/hash', access: ['match', 'match:verdict', 'banks:write'] },
  // A `match` key sees its own records only; `admin` sees all (filtered in the route).
  { method: 'GET', url: '/v1/match-records', access: ['match'] },
  { method: 'GET', url: '/v1/match-records/:id', access: ['match'] },

  { method: 'POST', url: '/v1/api-keys', access: ['admin'] },
  { method: 'GET', url: '/v1/api-keys', access: ['admin'] },
  { method: 'GET', url: '/v1/api-keys/:id', access: ['admin'] },
  { method: 'DELETE', url: '/v1/api-keys/:id', access: ['admin'] },
];

/** Path prefixes served without a key (the interactive API docs, the web app's static assets). */
export const PUBLIC_PREFIXES: readonly string[] = ['/docs', '/assets'];

const byRoute = new Map(ROUTE_SCOPES.map((row) => [`${row.method} ${row.url}`, row.access]));

/**
 * The access rule of a registered route, or undefined when the table has no row for it (then
 * nobody may call it). `HEAD` follows `GET`.
 */
export function accessOf(method: string, url: string): RouteAccess | undefined {
  if (PUBLIC_PREFIXES.some((prefix) => url === prefix || url.startsWith(`${prefix}/`))) return 'public';
  const verb = method === 'HEAD' ? 'GET' : method;
  return byRoute.get(`${verb} ${url}`);
}
