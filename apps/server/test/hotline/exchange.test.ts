// Two Hashline instances on loopback, each with its own data folder and SQLite file: hotline A
// (BE) captures a benign test page, two analysts confirm an item, and A forwards the case to
// partner hotline B (NL) through B's exchange API, via a recording proxy. B's analysts see an
// incoming partner report with the URL, A's classification and hashes; the bytes on the wire carry
// no media; a resend makes nothing new; B's API refuses missing keys, wrong scopes and malformed
// messages. Benign generated images only.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MatchEngine, type HashlineStore } from '@hashline/domain';
import { createHashingPool, renderDemoImages, type HashingPool } from '@hashline/media-node';
import { openStore } from '@hashline/storage';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type AppContext } from '../../src/app.js';
import { createApiKey } from '../../src/auth/api-key-tokens.js';
import { loadConfig } from '../../src/config.js';
import { createExchange } from '../../src/hotline/exchange-wiring.js';
import { exchangeRoutes } from '../../src/hotline/exchange.routes.js';

const PASSWORD = 'correct horse battery';

/** One running instance: a real server listening on loopback over its own SQLite file. */
interface Instance {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly store: HashlineStore;
  close(): Promise<void>;
}

/**
 * Starts an instance as `startServer` does (store, engine, hashing pool, app, listen), and adds
 * the exchange routes when the app does not register them itself yet. The capture runs when the
 * test says (`runCaptures`), not on a timer.
 */
async function startInstance(env: Record<string, string>): Promise<Instance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hashline-exchange-'));
  mkdirSync(dataDir, { recursive: true });
  const config = loadConfig({
    HASHLINE_DATA_DIR: dataDir,
    HASHLINE_LOG_LEVEL: 'silent',
    HASHLINE_RATE_LIMIT_PER_SECOND: '100000',
    HASHLINE_REPORTS_PER_MINUTE: '10000',
    HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS: '1',
    HASHLINE_CAPTURE_WORKER: '0',
    HASHLINE_EXCHANGE_ALLOW_PRIVATE: '1',
    HASHLINE_EXCHANGE_RETRY_DELAY_MS: '0',
    ...env,
  });
  const store = await openStore(config.databaseUrl);
  const engine = new MatchEngine(store);
  await engine.load();
  const pool: HashingPool = createHashingPool({ threads: 1, isolation: 'thread' });
  const app = await buildApp({ config, store, engine, hashingPool: pool });
  if (!app.hasRoute({ method: 'POST', url: '/v1/exchange/reports' })) {
    const exchange = createExchange({
      config,
      store,
      hotline: app.hashlineHotline,
      clock: { now: () => new Date() },
    });
    // The exchange routes read nothing of the app context (the app keeps it private).
    const context = {} as AppContext;
    await app.register(async (scope) => exchangeRoutes(scope, context, app.hashlineHotline, { exchange }));
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    url,
    app,
    store,
    close: async () => {
      await app.close();
      await pool.close();
      await store.close();
    },
  };
}

async function runCaptures(instance: Instance): Promise<void> {
  while ((await instance.app.hashlineHotline.capture.runOnce()) > 0);
}

interface Call {
  readonly status: number;
  readonly headers: Headers;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
}

async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Call> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.headers ?? {}),
    },
    ...(init.body === undefined
      ? {}
      : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text === '' ? null : JSON.parse(text) };
}

/** A signed-in analyst on an instance. */
async function signIn(instance: Instance, username: string) {
  const response = await fetch(`${instance.url}/v1/workbench/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = ((await response.json()) as { csrfToken: string }).csrfToken;
  return {
    get: (path: string) => call(`${instance.url}${path}`, { headers: { cookie } }),
    post: (path: string, body: unknown) =>
      call(`${instance.url}${path}`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf }, body }),
  };
}

const ILLEGAL = {
  internationalStatus: 'not_baseline',
  nationalStatus: 'illegal',
  jurisdiction: 'BE',
  legalBasis: 'Art. 417/44 Sw.',
  severityUk: 'B',
  industryClassification: 'B2',
  ageBand: '14-15',
  sex: 'girls',
  victimCount: 1,
  selfGenerated: 'yes',
  contentOrigin: 'photographic',
  flags: ['viral'],
  confidence: 'certain',
  notes: 'internal note of hotline A',
};

let site: Server;
let siteUrl: string;
let proxy: Server;
let proxyUrl: string;
let a: Instance;
let b: Instance;
let images: { name: string; bytes: Buffer }[];
/** Every request the proxy passed to B's exchange API: raw bytes and headers. */
const wire: { body: Buffer; headers: IncomingHttpHeaders }[] = [];
let exchangeToken: string;
let matchToken: string;

beforeAll(async () => {
  images = (await renderDemoImages())
    .filter((i) => i.name === 'landscape-1.jpg' || i.name === 'unrelated.jpg')
    .map((i) => ({ name: i.name, bytes: Buffer.from(i.bytes) }));
  site = createServer((request, response) => {
    const image = images.find((i) => request.url === `/${i.name}`);
    if (request.url === '/gallery.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        `<html><body>${images.map((i) => `<img src="/${i.name}">`).join('')}<p>benign test page</p></body></html>`,
      );
    } else if (image) {
      response.writeHead(200, { 'content-type': 'image/jpeg' });
      response.end(image.bytes);
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;

  b = await startInstance({ HASHLINE_HOTLINE_NAME: 'Offlimits (test)', HASHLINE_JURISDICTION: 'NL' });
  exchangeToken = (
    await createApiKey(b.store, {
      name: 'partner Child Focus',
      scopes: ['exchange:submit'],
      rateLimitPerSecond: null,
    })
  ).token;
  matchToken = (
    await createApiKey(b.store, { name: 'a platform', scopes: ['match'], rateLimitPerSecond: null })
  ).token;
  await b.app.hashlineHotline.auth.createAnalyst(
    { username: 'carla', displayName: 'Carla B', role: 'analyst', password: PASSWORD },
    null,
  );

  // A recording proxy in front of B: what crosses the wire is exactly what the test inspects.
  proxy = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      wire.push({ body, headers: request.headers });
      const target = new URL(request.url ?? '/', b.url);
      const forwarded = httpRequest(
        target,
        { method: request.method, headers: { ...request.headers, host: target.host } },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      forwarded.on('error', () => response.writeHead(502).end());
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  a = await startInstance({
    HASHLINE_HOTLINE_NAME: 'Child Focus (test)',
    HASHLINE_JURISDICTION: 'BE',
    HASHLINE_PARTNER_HOTLINES: JSON.stringify([
      { country: 'NL', name: 'Offlimits (test)', baseUrl: proxyUrl, token: exchangeToken },
      { country: 'DE', name: 'eco (test)', email: 'hotline@eco.example' },
    ]),
  });
  for (const [username, displayName] of [
    ['ana', 'Ana Analyst'],
    ['bert', 'Bert Senior'],
  ] as const) {
    await a.app.hashlineHotline.auth.createAnalyst(
      { username, displayName, role: 'analyst', password: PASSWORD },
      null,
    );
  }
}, 120_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await new Promise((resolve) => proxy?.close(resolve));
  await new Promise((resolve) => site?.close(resolve));
});

describe('two hotlines on loopback', () => {
  let reportOnA: string;
  let confirmed: { id: number; md5: string; sha256: string; pdq: string; pdqQuality: number };
  let exchangeId: string;
  let receipt: string;

  it('A captures a report and two analysts confirm one item', async () => {
    const submitted = await call(`${a.url}/v1/public/reports`, {
      method: 'POST',
      headers: { 'idempotency-key': 'exchange-test-report-1' },
      body: {
        urls: [`${siteUrl}/gallery.html`],
        concerns: ['csam'],
        language: 'nl',
        description: 'Found via a chat group, my son showed me',
        contact: { name: 'Reporter Person', email: 'reporter.person@example.org' },
        consentToContact: true,
      },
    });
    expect(submitted.status, JSON.stringify(submitted.json)).toBe(201);
    await runCaptures(a);
    const ana = await signIn(a, 'ana');
    const bert = await signIn(a, 'bert');
    const queue = await ana.get('/v1/workbench/queue');
    reportOnA = queue.json.items[0].reportId;
    const detail = await ana.get(`/v1/workbench/reports/${reportOnA}`);
    expect(detail.json.media).toHaveLength(2);
    const [first, second] = detail.json.media;
    confirmed = first;
    for (const analyst of [ana, bert]) {
      expect((await analyst.post(`/v1/workbench/media/${first.id}/assessments`, ILLEGAL)).status).toBe(201);
    }
    // The second item has one assessment only: not confirmed, never forwarded.
    expect((await ana.post(`/v1/workbench/media/${second.id}/assessments`, ILLEGAL)).status).toBe(201);
    const after = await ana.get(`/v1/workbench/reports/${reportOnA}`);
    expect(after.json.media.map((m: { status: string }) => m.status)).toEqual([
      'published',
      'pending_assessment',
    ]);
  });

  it('A lists its partners without tokens or URLs', async () => {
    const ana = await signIn(a, 'ana');
    const partners = await ana.get('/v1/workbench/exchange/partners');
    expect(partners.json).toEqual({
      items: [
        { country: 'NL', name: 'Offlimits (test)', exchangeApi: true },
        { country: 'DE', name: 'eco (test)', exchangeApi: false },
      ],
    });
    expect(JSON.stringify(partners.json)).not.toContain(exchangeToken);
  });

  it('A forwards the case to B through the workbench; B acknowledges with a receipt', async () => {
    const ana = await signIn(a, 'ana');
    expect((await ana.post(`/v1/workbench/reports/${reportOnA}/exchange`, { partner: 'DE' })).json.code).toBe(
      'PARTNER_API_NOT_CONFIGURED',
    );
    const sent = await ana.post(`/v1/workbench/reports/${reportOnA}/exchange`, { partner: 'NL' });
    expect(sent.status, JSON.stringify(sent.json)).toBe(201);
    expect(sent.json).toMatchObject({
      reportId: reportOnA,
      partner: { country: 'NL', name: 'Offlimits (test)' },
      status: 'delivered',
      attempts: 1,
      urlCount: 1,
      mediaCount: 1,
      lastError: null,
    });
    exchangeId = sent.json.exchangeId;
    receipt = sent.json.receiptReference;
    expect(receipt).toMatch(/^HL-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect((await ana.get(`/v1/workbench/reports/${reportOnA}`)).json.status).toBe('forwarded');
  });

  it('no media, report text, contact or analyst crossed the wire', () => {
    expect(wire).toHaveLength(1);
    const { body, headers } = wire[0]!;
    expect(headers.authorization).toBe(`Bearer ${exchangeToken}`);
    expect(headers['idempotency-key']).toBe(exchangeId);
    expect(body.length).toBeLessThan(8 * 1024);
    const text = body.toString('utf8');
    // No JPEG or PNG bytes, raw or base64 (whole files or any 48-byte window of their start).
    expect(body.includes(Buffer.from([0xff, 0xd8, 0xff]))).toBe(false);
    expect(body.includes(Buffer.from('\x89PNG', 'latin1'))).toBe(false);
    expect(text).not.toMatch(/\/9j\/|iVBORw0KGgo/);
    for (const image of images) {
      for (let offset = 0; offset < 3; offset++) {
        const b64 = image.bytes.subarray(offset, offset + 48).toString('base64');
        expect(text).not.toContain(b64.slice(4, 40));
      }
      expect(text).not.toContain(image.bytes.subarray(0, 48).toString('hex'));
    }
    for (const secret of [
      'chat group',
      'my son',
      'Reporter Person',
      'reporter.person@example.org',
      'Ana Analyst',
      'Bert Senior',
      'internal note',
      '417/44',
      'thumbnail',
      reportOnA,
    ]) {
      expect(text).not.toContain(secret);
    }
    const message = JSON.parse(text);
    expect(Object.keys(message).sort()).toEqual([
      'concerns',
      'imminentDanger',
      'media',
      'reference',
      'sender',
      'sentAt',
      'urls',
      'version',
    ]);
    expect(message).toMatchObject({
      version: 1,
      sender: { name: 'Child Focus (test)', country: 'BE' },
      reference: exchangeId,
    });
    expect(message.media).toHaveLength(1);
    expect(Object.keys(message.media[0]).sort()).toEqual([
      'assessment',
      'classification',
      'knownMaterial',
      'md5',
      'mediaType',
      'pdq',
      'pdqQuality',
      'sha256',
      'urlIndex',
    ]);
  });

  it("B's queue shows an incoming partner report with the URL, A's classification and hashes", async () => {
    const carla = await signIn(b, 'carla');
    const queue = await carla.get('/v1/workbench/queue');
    expect(queue.json.items).toHaveLength(1);
    const item = queue.json.items[0];
    expect(item).toMatchObject({ channel: 'iccam_incoming', status: 'received', concerns: ['csam'] });
    expect(item.urls.map((u: { url: string }) => u.url)).toEqual([`${siteUrl}/gallery.html`]);
    const detail = await carla.get(`/v1/workbench/reports/${item.reportId}`);
    expect(detail.json).toMatchObject({
      reporterType: 'other_hotline',
      description: null,
      hasContact: false,
    });
    const partner = await carla.get(`/v1/workbench/reports/${item.reportId}/partner-assessments`);
    expect(partner.status).toBe(200);
    expect(partner.json).toMatchObject({
      sender: { name: 'Child Focus (test)', country: 'BE' },
      reference: exchangeId,
    });
    expect(partner.json.items).toEqual([
      {
        url: `${siteUrl}/gallery.html`,
        mediaType: 'image',
        md5: confirmed.md5,
        sha256: confirmed.sha256,
        pdq: confirmed.pdq,
        pdqQuality: confirmed.pdqQuality,
        classification: { industry: 'B2', uk: 'B', baseline: false },
        knownMaterial: false,
        assessment: {
          internationalStatus: 'not_baseline',
          nationalStatus: 'illegal',
          jurisdiction: 'BE',
          ageBand: '14-15',
          sex: 'girls',
          selfGenerated: 'yes',
          contentOrigin: 'photographic',
          flags: ['viral'],
          assessedBy: 2,
        },
        matches: [],
      },
    ]);
    // B captures the URL itself, under its own law; the partner's item meets B's own capture.
    await runCaptures(b);
    const again = await carla.get(`/v1/workbench/reports/${item.reportId}/partner-assessments`);
    const bDetail = await carla.get(`/v1/workbench/reports/${item.reportId}`);
    const bSame = bDetail.json.media.find((m: { sha256: string }) => m.sha256 === confirmed.sha256);
    expect(bSame).toBeDefined();
    expect(bSame.status).toBe('pending_assessment');
    expect(again.json.items[0].matches).toEqual([{ mediaId: bSame.id, by: 'sha256', distance: 0 }]);
  });

  it('a resend makes nothing new at B and gets the same receipt', async () => {
    const bert = await signIn(a, 'bert');
    const resent = await bert.post(`/v1/workbench/reports/${reportOnA}/exchange`, {
      partner: 'Offlimits (test)',
    });
    expect(resent.status).toBe(201);
    expect(resent.json).toMatchObject({
      exchangeId,
      receiptReference: receipt,
      status: 'delivered',
      attempts: 2,
    });
    expect(wire).toHaveLength(2);
    expect(wire[1]!.headers['idempotency-key']).toBe(exchangeId);
    const carla = await signIn(b, 'carla');
    expect((await carla.get('/v1/workbench/queue')).json.items).toHaveLength(1);
    const exchanges = await bert.get(`/v1/workbench/reports/${reportOnA}/exchanges`);
    expect(exchanges.json.items).toHaveLength(1);
    // Replayed straight to B with the partner's key: the same answer, marked as a replay.
    const direct = await call(`${b.url}/v1/exchange/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${exchangeToken}` },
      body: wire[0]!.body.toString('utf8'),
    });
    expect(direct.status).toBe(201);
    expect(direct.json).toEqual({ receiptReference: receipt, status: 'received' });
    expect(direct.headers.get('idempotent-replayed')).toBe('true');
  });

  it('both audit logs record the exchange', async () => {
    const aAudit = await a.app.hashlineHotline.store.listAudit({ action: 'exchange_sent', limit: 10 });
    expect(aAudit.map((e) => e.details.outcome)).toEqual(['delivered', 'delivered']);
    const bAudit = await b.app.hashlineHotline.store.listAudit({ action: 'exchange_received', limit: 10 });
    expect(bAudit).toHaveLength(1);
    expect(bAudit[0]!.details).toMatchObject({
      sender: 'Child Focus (test)',
      senderCountry: 'BE',
      urls: 1,
      media: 1,
    });
    expect(JSON.stringify([...aAudit, ...bAudit])).not.toContain(exchangeToken);
  });

  it("B's exchange API refuses missing and wrong keys, keys without the scope, and malformed messages", async () => {
    const body = JSON.parse(wire[0]!.body.toString('utf8'));
    const post = (headers: Record<string, string>, payload: unknown) =>
      call(`${b.url}/v1/exchange/reports`, { method: 'POST', headers, body: payload });
    const missing = await post({}, body);
    expect([missing.status, missing.json.code]).toEqual([401, 'UNAUTHENTICATED']);
    const wrong = await post({ authorization: `Bearer ${exchangeToken.slice(0, -4)}AAAA` }, body);
    expect([wrong.status, wrong.json.code]).toEqual([401, 'UNAUTHENTICATED']);
    const scope = await post({ authorization: `Bearer ${matchToken}` }, body);
    expect([scope.status, scope.json.code]).toEqual([403, 'FORBIDDEN']);
    const malformed = await post(
      { authorization: `Bearer ${exchangeToken}` },
      {
        ...body,
        reference: 'other-case',
        thumbnail: 'AAAA',
        urls: [{ url: 'file:///etc/passwd' }],
        media: [{ ...body.media[0], sha256: 'zz', urlIndex: 0 }],
      },
    );
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(malformed.json.code).toBe('VALIDATION_FAILED');
    expect(malformed.json.errors.map((e: { at: string }) => e.at).sort()).toEqual([
      '/media/0/sha256',
      '/thumbnail',
      '/urls/0/url',
    ]);
    const carla = await signIn(b, 'carla');
    expect((await carla.get('/v1/workbench/queue')).json.items).toHaveLength(1);
    // Workbench routes take a session, never a key.
    const withKey = await call(`${b.url}/v1/workbench/exchange/partners`, {
      headers: { authorization: `Bearer ${exchangeToken}` },
    });
    expect([withKey.status, withKey.json.code]).toEqual([401, 'SESSION_REQUIRED']);
  });
});
