import { API_SCOPES, type ApiScope } from '@hashline/domain';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../src/app.js';
import { ROUTE_SCOPES, accessOf, type RouteAccess } from '../src/route-scopes.js';
import { createTestApp, NO_HASHING, problemBody, testConfig, type TestApp } from './support/test-app.js';

// What each scope grants, written out independently of `hasScope`: admin holds every scope, and
// banks:write implies banks:read. Nothing else implies anything.
const GRANTS: Record<ApiScope, readonly ApiScope[]> = {
  admin: API_SCOPES,
  'banks:write': ['banks:write', 'banks:read'],
  'banks:read': ['banks:read'],
  match: ['match'],
  'match:verdict': ['match:verdict'],
  'exchange:submit': ['exchange:submit'],
};

function expectedAllowed(scope: ApiScope, access: RouteAccess): boolean {
  if (access === 'public' || access === 'authenticated') return true;
  if (access === 'session') return false;
  return access.some((needed) => GRANTS[scope].includes(needed));
}

/** A concrete URL for a pattern, naming resources that do not exist (so allowed calls change nothing). */
function concrete(url: string): string {
  return url
    .replace(':bank', 'no-such-bank')
    .replace(':id', url.startsWith('/v1/api-keys') ? 'ffffffffffffffff' : '999999');
}

const guarded = ROUTE_SCOPES.filter((row) => row.access !== 'public' && row.access !== 'session');
const workbench = ROUTE_SCOPES.filter(
  (row) => row.access === 'session' && !(row.method === 'POST' && row.url === '/v1/workbench/session'),
);

let t: TestApp;
const tokens = new Map<ApiScope, string>();
beforeAll(async () => {
  t = await createTestApp();
  for (const scope of API_SCOPES) tokens.set(scope, await t.key([scope]));
});
afterAll(() => t.close());

describe('the access table', () => {
  test('has a row for every registered route, and every row is a registered route', () => {
    const registered = t.app
      .hashlineRoutes()
      .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && !r.url.startsWith('/docs'));
    for (const route of registered) {
      expect(accessOf(route.method, route.url), `${route.method} ${route.url}`).toBeDefined();
    }
    for (const row of ROUTE_SCOPES) {
      expect(t.app.hasRoute({ method: row.method, url: row.url }), `${row.method} ${row.url}`).toBe(true);
    }
  });

  test('a route missing from the table is refused to everyone (fails closed)', async () => {
    const app = await buildApp({ ...t, config: testConfig(), hashingPool: NO_HASHING });
    app.get('/v1/unlisted', async () => ({ secret: true }));
    const response = await app.inject({
      method: 'GET',
      url: '/v1/unlisted',
      headers: { authorization: `Bearer ${tokens.get('admin')}` },
    });
    expect(response.statusCode).toBe(403);
    expect(problemBody(response).code).toBe('FORBIDDEN');
    await app.close();
  });

  test('spot checks of the matrix', () => {
    expect(expectedAllowed('match:verdict', accessOf('GET', '/v1/banks')!)).toBe(false);
    expect(expectedAllowed('banks:read', accessOf('POST', '/v1/match')!)).toBe(false);
    expect(expectedAllowed('banks:write', accessOf('GET', '/v1/changes')!)).toBe(true);
    expect(expectedAllowed('match', accessOf('POST', '/v1/api-keys')!)).toBe(false);
    expect(expectedAllowed('admin', accessOf('DELETE', '/v1/api-keys/:id')!)).toBe(true);
  });
});

describe.each(guarded.map((row) => [`${row.method} ${row.url}`, row] as const))('%s', (_name, row) => {
  test('without a key: 401 UNAUTHENTICATED', async () => {
    const response = await t.call(null, { method: row.method, url: concrete(row.url), payload: {} });
    expect(response.statusCode).toBe(401);
    expect(problemBody(response).code).toBe('UNAUTHENTICATED');
  });

  test.each(API_SCOPES.map((scope) => [scope]))('with scope %s', async (scope) => {
    const response = await t.call(tokens.get(scope)!, {
      method: row.method,
      url: concrete(row.url),
      ...(row.method === 'POST' || row.method === 'PATCH' ? { payload: {} } : {}),
    });
    if (expectedAllowed(scope, row.access)) {
      expect(response.statusCode, response.body).not.toBe(403);
      expect(response.statusCode, response.body).not.toBe(401);
    } else {
      expect(response.statusCode, response.body).toBe(403);
      expect(problemBody(response).code).toBe('FORBIDDEN');
    }
  });
});

describe.each(workbench.map((row) => [`${row.method} ${row.url}`, row] as const))('%s', (_name, row) => {
  test('without a session: 401 SESSION_REQUIRED, even with an admin API key', async () => {
    for (const token of [null, tokens.get('admin')!]) {
      const response = await t.call(token, { method: row.method, url: concrete(row.url), payload: {} });
      expect(response.statusCode).toBe(401);
      expect(problemBody(response).code).toBe('SESSION_REQUIRED');
    }
  });
});
