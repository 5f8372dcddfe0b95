import type { ApiScope } from '@hashline/domain';

/**
 * Who may call a route:
 * - `public`: anyone, no key (health, metrics, the API description);
 * - `authenticated`: any valid key, whatever its scopes;
 * - `session`: hotline staff signed in to the workbench (cookie + CSRF token, roles checked in
 *   the service); API keys are not accepted there;
 * - a list of scopes: a key holding any of them (`admin` holds every scope, `banks:write`
 *   implies `banks:read`; see `hasScope`).
 */
export type RouteAccess = 'public' | 'authenticated' | 'session' | readonly ApiScope[];

/** One row of the access table. */
export interface RouteScope {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
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
  { method: 'GET', url: '/favicon.ico', access: 'public' },
  { method: 'GET', url: '/favicon.svg', access: 'public' },
  { method: 'GET', url: '/v1/public/config', access: 'public' },
  { method: 'POST', url: '/v1/public/self-submissions', access: 'public' },
  { method: 'POST', url: '/v1/public/self-submissions/status', access: 'public' },
  { method: 'POST', url: '/v1/public/self-submissions/withdraw', access: 'public' },

  // The hotline's public side: the report form, its API and the receipt lookup.
  { method: 'GET', url: '/report', access: 'public' },
  { method: 'GET', url: '/workbench', access: 'public' },
  { method: 'GET', url: '/v1/public/hotline/config', access: 'public' },
  { method: 'POST', url: '/v1/public/reports', access: 'public' },
  { method: 'POST', url: '/v1/public/reports/status', access: 'public' },
  // The public yearly figures (aggregates only, small counts withheld) and their page.
  { method: 'GET', url: '/figures', access: 'public' },
  { method: 'GET', url: '/v1/public/figures', access: 'public' },

  // The analyst workbench: a signed-in session, never an API key.
  { method: 'POST', url: '/v1/workbench/session', access: 'session' },
  { method: 'GET', url: '/v1/workbench/session', access: 'session' },
  { method: 'DELETE', url: '/v1/workbench/session', access: 'session' },
  { method: 'PUT', url: '/v1/workbench/session/language', access: 'session' },
  { method: 'POST', url: '/v1/workbench/session/totp', access: 'session' },
  { method: 'POST', url: '/v1/workbench/session/totp/confirm', access: 'session' },
  { method: 'GET', url: '/v1/workbench/queue', access: 'session' },
  { method: 'GET', url: '/v1/workbench/reports/:id', access: 'session' },
  { method: 'POST', url: '/v1/workbench/reports/:id/status', access: 'session' },
  { method: 'GET', url: '/v1/workbench/media/:id/thumbnail', access: 'session' },
  { method: 'POST', url: '/v1/workbench/media/:id/reveal', access: 'session' },
  { method: 'GET', url: '/v1/workbench/media/:id/preview', access: 'session' },
  { method: 'POST', url: '/v1/workbench/media/:id/assessments', access: 'session' },
  // Recapture, capture attempts and screenshots (issue 16).
  { method: 'POST', url: '/v1/workbench/reports/:id/urls/:urlId/recapture', access: 'session' },
  { method: 'GET', url: '/v1/workbench/reports/:id/urls/:urlId/captures', access: 'session' },
  { method: 'GET', url: '/v1/workbench/captures/:jobId/screenshot/thumbnail', access: 'session' },
  { method: 'POST', url: '/v1/workbench/captures/:jobId/screenshot/reveal', access: 'session' },
  { method: 'GET', url: '/v1/workbench/captures/:jobId/screenshot/preview', access: 'session' },
  { method: 'POST', url: '/v1/workbench/reports/:id/assessments', access: 'session' },
  { method: 'POST', url: '/v1/workbench/analysts/:id/exposure-raise', access: 'session' },
  { method: 'GET', url: '/v1/workbench/audit', access: 'session' },
  { method: 'GET', url: '/v1/workbench/analysts', access: 'session' },
  // The 30-day exposure page (issue 17): supervisors all analysts, an analyst their own.
  { method: 'GET', url: '/v1/workbench/exposure', access: 'session' },
  // Issue 15: probing alerts and lifting a suspension (senior analysts and admins).
  { method: 'GET', url: '/v1/workbench/security/alerts', access: 'session' },
  { method: 'POST', url: '/v1/workbench/security/alerts/:keyId/lift', access: 'session' },
  { method: 'POST', url: '/v1/workbench/analysts', access: 'session' },
  // Statistics (issue 5): the dashboard's figures and their audited CSV export.
  { method: 'GET', url: '/v1/workbench/statistics', access: 'session' },
  { method: 'GET', url: '/v1/workbench/statistics.csv', access: 'session' },

  // Hotline-to-hotline exchange (issue 5): forwarding from the workbench, and a partner
  // hotline's key forwarding a case here (scope exchange:submit, nothing else).
  { method: 'GET', url: '/v1/workbench/exchange/partners', access: 'session' },
  { method: 'POST', url: '/v1/workbench/reports/:id/exchange', access: 'session' },
  { method: 'GET', url: '/v1/workbench/reports/:id/exchanges', access: 'session' },
  { method: 'GET', url: '/v1/workbench/reports/:id/partner-assessments', access: 'session' },
  { method: 'POST', url: '/v1/exchange/reports', access: ['exchange:submit'] },

  // Referrals (issue 5 part 1): the plan, referral records and the referral package.
  { method: 'GET', url: '/v1/workbench/reports/:id/referrals/plan', access: 'session' },
  { method: 'POST', url: '/v1/workbench/reports/:id/referrals', access: 'session' },
  { method: 'GET', url: '/v1/workbench/reports/:id/referrals', access: 'session' },
  { method: 'POST', url: '/v1/workbench/referrals/:id', access: 'session' },
  { method: 'GET', url: '/v1/workbench/reports/:id/package.json', access: 'session' },
  { method: 'GET', url: '/v1/workbench/reports/:id/package.pdf', access: 'session' },
  // The CyberTipline export for platforms (issue 5 part 4): a match key's own records only.
  { method: 'POST', url: '/v1/cybertipline/reports', access: ['match'] },
  // Submission to NCMEC's Reporting API (issue 14), when configured: the same key's records only.
  { method: 'POST', url: '/v1/cybertipline/submissions', access: ['match'] },
  { method: 'POST', url: '/v1/cybertipline/match-records/:id/file-views', access: ['match'] },

  // Notice and takedown (issue 5 part 3): notices, their re-checks, a re-check on request.
  { method: 'POST', url: '/v1/workbench/reports/:id/takedowns', access: 'session' },
  { method: 'GET', url: '/v1/workbench/reports/:id/takedowns', access: 'session' },
  { method: 'POST', url: '/v1/workbench/takedowns/:id/check', access: 'session' },

  // Hash exchanges in the workbench (issue 14): the admin page lists them, runs, pauses, resumes.
  { method: 'GET', url: '/v1/workbench/hash-exchanges', access: 'session' },
  { method: 'POST', url: '/v1/workbench/hash-exchanges/:exchange/:action', access: 'session' },

  { method: 'GET', url: '/v1/me', access: 'authenticated' },

  { method: 'GET', url: '/v1/banks', access: ['banks:read'] },
  { method: 'POST', url: '/v1/banks', access: ['banks:write'] },
  { method: 'GET', url: '/v1/banks/:bank', access: ['banks:read'] },
  { method: 'PATCH', url: '/v1/banks/:bank', access: ['banks:write'] },
  { method: 'DELETE', url: '/v1/banks/:bank', access: ['banks:write'] },
  { method: 'GET', url: '/v1/banks/:bank/entries', access: ['banks:read'] },
  { method: 'POST', url: '/v1/banks/:bank/entries', access: ['banks:write'] },
  // A partner withdrawing the entries it gave (issue 14: a Hashline exchange's upload withdrawals).
  { method: 'POST', url: '/v1/banks/:bank/withdrawals', access: ['banks:write'] },
  { method: 'GET', url: '/v1/banks/:bank/changes', access: ['banks:read'] },
  // Bulk imports (issue 12): the same right as adding entries; jobs are seen by who may import.
  { method: 'POST', url: '/v1/banks/:bank/imports', access: ['banks:write'] },
  { method: 'GET', url: '/v1/banks/:bank/imports', access: ['banks:write'] },
  { method: 'GET', url: '/v1/imports/:id', access: ['banks:write'] },
  // The webhook outbox (issue 11): who owns and changes a bank sees and redelivers its deliveries.
  { method: 'GET', url: '/v1/banks/:bank/webhook-deliveries', access: ['banks:write'] },
  { method: 'POST', url: '/v1/banks/:bank/webhook-deliveries/redeliver', access: ['banks:write'] },
  { method: 'GET', url: '/v1/webhook-deliveries', access: ['banks:write'] },
  { method: 'GET', url: '/v1/webhook-deliveries/:id', access: ['banks:write'] },
  { method: 'POST', url: '/v1/webhook-deliveries/:id/redeliver', access: ['banks:write'] },
  { method: 'GET', url: '/v1/entries/:id', access: ['banks:read'] },
  { method: 'PATCH', url: '/v1/entries/:id', access: ['banks:write'] },
  { method: 'DELETE', url: '/v1/entries/:id', access: ['banks:write'] },
  { method: 'GET', url: '/v1/changes', access: ['banks:read'] },

  { method: 'POST', url: '/v1/match', access: ['match', 'match:verdict'] },
  { method: 'POST', url: '/v1/match/video', access: ['match', 'match:verdict'] },
  { method: 'POST', url: '/v1/match/media', access: ['match', 'match:verdict'] },
  { method: 'POST', url: '/v1/hash', access: ['match', 'match:verdict', 'banks:write'] },
  // HMA-compatible endpoints (issue 14): by URL as by upload; compare needs no bank; adding by
  // media writes a bank; the index status is for who reads banks or matches.
  { method: 'POST', url: '/v1/hash/url', access: ['match', 'match:verdict', 'banks:write'] },
  { method: 'POST', url: '/v1/match/url', access: ['match', 'match:verdict'] },
  { method: 'POST', url: '/v1/compare', access: ['match', 'match:verdict', 'banks:read'] },
  { method: 'POST', url: '/v1/banks/:bank/media', access: ['banks:write'] },
  { method: 'GET', url: '/v1/index/status', access: ['match', 'match:verdict', 'banks:read'] },
  // A video job answered 202 by the two routes above; only its uploader's key sees it.
  { method: 'GET', url: '/v1/media-jobs/:id', access: ['match', 'match:verdict', 'banks:write'] },
  // A `match` key sees its own records only; `admin` sees all (filtered in the route).
  { method: 'GET', url: '/v1/match-records', access: ['match'] },
  { method: 'GET', url: '/v1/match-records/:id', access: ['match'] },
  // A platform's vote on a match record of its own (issue 14; checked in the route).
  { method: 'POST', url: '/v1/match-records/:id/feedback', access: ['match'] },

  { method: 'POST', url: '/v1/api-keys', access: ['admin'] },
  { method: 'GET', url: '/v1/api-keys', access: ['admin'] },
  { method: 'GET', url: '/v1/api-keys/:id', access: ['admin'] },
  { method: 'DELETE', url: '/v1/api-keys/:id', access: ['admin'] },
  // Issue 15: probing alerts raised on verdict-only keys (and the suspensions they caused).
  { method: 'GET', url: '/v1/security/alerts', access: ['admin'] },
  // Scheduled hash exchanges (issue 14): they write into banks on their own and hold partners'
  // credentials, so only admins configure, run, pause or read them.
  { method: 'GET', url: '/v1/exchanges', access: ['admin'] },
  { method: 'POST', url: '/v1/exchanges', access: ['admin'] },
  { method: 'GET', url: '/v1/exchanges/:exchange', access: ['admin'] },
  { method: 'PATCH', url: '/v1/exchanges/:exchange', access: ['admin'] },
  { method: 'DELETE', url: '/v1/exchanges/:exchange', access: ['admin'] },
  { method: 'POST', url: '/v1/exchanges/:exchange/run', access: ['admin'] },
  { method: 'POST', url: '/v1/exchanges/:exchange/pause', access: ['admin'] },
  { method: 'POST', url: '/v1/exchanges/:exchange/resume', access: ['admin'] },
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
