// Issue 15, finding 7 (the smaller items at the HTTP edge): HSTS, a 414 with our own code, audit
// query parameters that must be whole numbers, and reported URLs stored without invisible controls.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MatchEngine } from '@hashline/domain';
import { openStore, type HashlineStoreWithHotline } from '@hashline/storage';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import type { ServerConfig } from '../src/config.js';
import { NO_HASHING, problemBody, testConfig } from './support/test-app.js';

const PASSWORD = 'correct horse battery';
let store: HashlineStoreWithHotline;
const apps: FastifyInstance[] = [];

async function appWith(overrides: Partial<ServerConfig> = {}): Promise<FastifyInstance> {
  const engine = new MatchEngine(store);
  await engine.load();
  const base = testConfig();
  const app = await buildApp({
    config: { ...base, ...overrides, hotline: { ...base.hotline, reportsPerMinute: 10_000 } },
    store,
    engine,
    hashingPool: NO_HASHING,
  });
  await app.ready();
  apps.push(app);
  return app;
}

beforeAll(async () => {
  store = (await openStore(
    `sqlite:${join(mkdtempSync(join(tmpdir(), 'hashline-hardening-')), 'hashline.db')}`,
  )) as HashlineStoreWithHotline;
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await store?.close();
});

describe('Strict-Transport-Security', () => {
  it('is not sent by default, and is sent on every response once configured', async () => {
    const plain = await appWith();
    expect(
      (await plain.inject({ method: 'GET', url: '/healthz' })).headers['strict-transport-security'],
    ).toBe(undefined);
    const tls = await appWith({ hsts: { maxAgeSeconds: 31_536_000, includeSubDomains: true } });
    for (const url of ['/healthz', '/v1/banks', '/no/such/route', '/report']) {
      const response = await tls.inject({ method: 'GET', url });
      expect(response.headers['strict-transport-security'], url).toBe('max-age=31536000; includeSubDomains');
    }
  });
});

describe('errors Fastify raises before routing', () => {
  it('a path parameter over the length limit is a 414 with our code URI_TOO_LONG', async () => {
    const app = await appWith();
    const response = await app.inject({ method: 'GET', url: `/v1/banks/${'b'.repeat(200)}` });
    expect(response.statusCode).toBe(414);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(problemBody(response)).toMatchObject({ status: 414, code: 'URI_TOO_LONG' });
  });

  it('a malformed URL is a 400 with a catalogue code', async () => {
    const app = await appWith();
    const response = await app.inject({ method: 'GET', url: '/v1/banks/%E0%A4%A' });
    expect(response.statusCode).toBe(400);
    expect(problemBody(response).code).toBe('VALIDATION_FAILED');
  });
});

describe('the audit browser', () => {
  it('refuses afterSeq, beforeSeq and limit that are not whole numbers', async () => {
    const app = await appWith();
    await app.hashlineHotline.auth.createAnalyst(
      { username: 'root', displayName: 'Root', role: 'admin', password: PASSWORD },
      null,
    );
    const signIn = await app.inject({
      method: 'POST',
      url: '/v1/workbench/session',
      payload: { username: 'root', password: PASSWORD },
    });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    const get = (query: string) =>
      app.inject({ method: 'GET', url: `/v1/workbench/audit?${query}`, headers: { cookie } });
    expect((await get('afterSeq=0&limit=5')).statusCode).toBe(200);
    for (const query of ['afterSeq=abc', 'beforeSeq=1.5', 'limit=-1', 'afterSeq=1e3']) {
      const response = await get(query);
      expect(response.statusCode, query).toBe(400);
      expect(problemBody(response).code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('reported URLs', () => {
  it('are stored with NUL, control and bidi characters percent-encoded', async () => {
    const app = await appWith();
    const response = await app.inject({
      method: 'POST',
      url: '/v1/public/reports',
      headers: { 'idempotency-key': 'hardening-url-0001' },
      payload: {
        urls: ['https://evil.example/\u202Egpj.exe\u0000'],
        concerns: ['csam'],
        language: 'en',
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    const stored = await store.hotline.listQueue({ limit: 10 });
    const urls = stored.flatMap((q) => q.urls.map((u) => u.url));
    expect(urls).toContain('https://evil.example/%E2%80%AEgpj.exe%00');
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    for (const url of urls) expect(url).not.toMatch(/[\u0000-\u001f\u202a-\u202e\u2066-\u2069]/);
  });
});
