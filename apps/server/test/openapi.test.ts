import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROUTE_SCOPES } from '../src/route-scopes.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const COMMITTED = fileURLToPath(new URL('../openapi.json', import.meta.url));

let t: TestApp;
let spec: {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; tags?: string[]; requestBody?: unknown }>>;
  components: { schemas: Record<string, unknown> };
};
beforeAll(async () => {
  t = await createTestApp();
  spec = JSON.parse(JSON.stringify(t.app.swagger()));
});
afterAll(() => t.close());

describe('OpenAPI', () => {
  test('the committed apps/server/openapi.json is the live spec (run `npm run openapi -w @hashline/server` to update)', () => {
    if (process.env.HASHLINE_UPDATE_OPENAPI === '1')
      writeFileSync(COMMITTED, `${JSON.stringify(spec, null, 2)}\n`);
    expect(existsSync(COMMITTED), 'apps/server/openapi.json is missing').toBe(true);
    // Compared as data, so formatting the file (prettier) is not drift.
    expect(JSON.parse(readFileSync(COMMITTED, 'utf8'))).toEqual(spec);
  });

  test('is OpenAPI 3.1 and documents every API route with its security', () => {
    expect(spec.openapi).toBe('3.1.0');
    for (const row of ROUTE_SCOPES) {
      if (row.url === '/openapi.json') continue;
      const path = row.url.replace(/:(\w+)/g, '{$1}');
      const operation = spec.paths[path]?.[row.method.toLowerCase()];
      expect(operation, `${row.method} ${path}`).toBeDefined();
      if (row.access === 'public') expect(operation!.security).toBeUndefined();
      else if (row.access === 'session')
        expect(operation!.security, `${row.method} ${path}`).toEqual([{ sessionCookie: [] }]);
      else
        expect(operation!.security, `${row.method} ${path}`).toEqual([
          { bearerAuth: [] },
          { apiKeyHeader: [] },
        ]);
    }
    expect(spec.paths['/v1/match']!.post!.requestBody).toBeDefined();
    expect(Object.keys(spec.components.schemas)).toEqual(
      expect.arrayContaining(['Problem', 'Bank', 'Entry', 'MatchAnswer', 'MatchRecord', 'ApiKey', 'Change']),
    );
  });

  test('is served at /openapi.json', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(spec);
  });

  test('interactive docs at /docs load only local assets', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs' });
    const html =
      page.statusCode === 302
        ? (await t.app.inject({ method: 'GET', url: String(page.headers.location) })).body
        : page.body;
    expect(html).toContain('swagger-ui');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) expect(asset, asset).not.toMatch(/^(https?:)?\/\//);
    for (const asset of assets) {
      const url = new URL(asset, 'http://localhost/docs/').pathname;
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toMatch(/https:|validator\.swagger\.io|upgrade-insecure-requests/);
  });
});
