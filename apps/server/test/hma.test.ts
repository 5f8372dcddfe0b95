import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createHashingPool, type HashingPool } from '@hashline/media-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import { compareHashes } from '../src/routes/hma.routes.js';
import { ROUTE_SCOPES } from '../src/route-scopes.js';
import {
  createTestApp,
  flipBits,
  problemBody,
  randomPdq,
  testConfig,
  type TestApp,
} from './support/test-app.js';

// Benign test images from the PDQ reference data.
const ORIGINAL = readFileSync(join(PDQ_FIXTURES, 'data/bridge-mods/aaa-orig.jpg'));
const BLURRED = readFileSync(join(PDQ_FIXTURES, 'data/bridge-mods/blur-a-little.jpg'));

let pool: HashingPool;
let t: TestApp;
let site: Server;
let base: string;
let writer: string;
let matcher: string;
let reader: string;
let served = 0;

beforeAll(async () => {
  // A site on loopback: the image, a page that is not an image, a 404, and a redirect to a blocked address.
  site = createServer((request, response) => {
    served++;
    if (request.url === '/bridge.jpg')
      response.writeHead(200, { 'content-type': 'image/jpeg' }).end(ORIGINAL);
    else if (request.url === '/blurred.jpg')
      response.writeHead(200, { 'content-type': 'image/jpeg' }).end(BLURRED);
    else if (request.url === '/page.html')
      response.writeHead(200, { 'content-type': 'text/html' }).end('<p>hi</p>');
    else if (request.url === '/to-metadata')
      response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
    else if (request.url === '/big.jpg')
      response.writeHead(200, { 'content-type': 'image/jpeg' }).end(Buffer.alloc(3 * 1024 * 1024, 1));
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  pool = createHashingPool({ threads: 1, timeoutMs: 20_000, decode: { maxBytes: 2 * 1024 * 1024 } });
  const config = testConfig({ maxUploadBytes: 2 * 1024 * 1024 });
  t = await createTestApp({
    hashingPool: pool,
    config: { ...config, hotline: { ...config.hotline, captureAllowLoopbackForTests: true } },
  });
  [writer, matcher, reader] = await Promise.all([
    t.key(['banks:write']),
    t.key(['match']),
    t.key(['banks:read']),
  ]);
  const created = await t.call(writer, {
    method: 'POST',
    url: '/v1/banks',
    payload: { name: 'hma', kind: 'test' },
  });
  expect(created.statusCode).toBe(201);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await pool?.close();
  await new Promise((resolve) => site?.close(resolve));
});

const multipart = (bytes: Uint8Array, fields: Record<string, string> = {}) => {
  const boundary = '----hashline-hma-boundary';
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  return {
    payload: Buffer.concat([
      Buffer.from(parts.join('')),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="x.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
};

describe('hash and match by URL', () => {
  test('POST /v1/hash/url returns what POST /v1/hash returns for the same bytes', async () => {
    const byUrl = await t.call(matcher, {
      method: 'POST',
      url: '/v1/hash/url',
      payload: { url: `${base}/bridge.jpg` },
    });
    expect(byUrl.statusCode).toBe(200);
    const upload = await t.call(matcher, {
      method: 'POST',
      url: '/v1/hash',
      payload: ORIGINAL,
      headers: { 'content-type': 'image/jpeg' },
    });
    expect(byUrl.json()).toEqual(upload.json());
    expect(byUrl.json()).toMatchObject({ usable: true, pdq: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  test('a fetch the capture refuses is a CAPTURE_* problem, never a crash', async () => {
    const cases: [string, string][] = [
      [`${base}/page.html`, 'CAPTURE_UNSUPPORTED_TYPE'],
      [`${base}/missing.jpg`, 'CAPTURE_HTTP_STATUS'],
      [`${base}/to-metadata`, 'CAPTURE_BLOCKED_ADDRESS'],
      [`${base}/big.jpg`, 'CAPTURE_TOO_LARGE'],
      ['http://127.0.0.2:9/x.jpg', 'CAPTURE_BLOCKED_ADDRESS'],
      ['file:///etc/passwd', 'CAPTURE_BLOCKED_SCHEME'],
    ];
    for (const [url, code] of cases) {
      const response = await t.call(matcher, { method: 'POST', url: '/v1/hash/url', payload: { url } });
      expect(problemBody(response).code, url).toBe(code);
      expect(response.statusCode).toBe(422);
    }
    const missing = await t.call(matcher, { method: 'POST', url: '/v1/hash/url', payload: {} });
    expect(problemBody(missing).code).toBe('VALIDATION_FAILED');
  });

  test('POST /v1/match/url matches like an upload and records the match', async () => {
    const added = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/hma/media',
      payload: { url: `${base}/bridge.jpg`, entry: { note: 'added by url' } },
    });
    expect(added.statusCode).toBe(201);
    const matched = await t.call(matcher, {
      method: 'POST',
      url: '/v1/match/url',
      payload: { url: `${base}/blurred.jpg`, banks: ['hma'], contentRef: 'post-1' },
    });
    expect(matched.statusCode).toBe(200);
    const body = matched.json();
    expect(body.matched).toBe(true);
    const pdq = body.results.find((r: { signalType: string }) => r.signalType === 'pdq');
    expect(pdq.matches[0]).toMatchObject({ bank: 'hma', distance: expect.any(Number) });
    expect(pdq.recordId).toEqual(expect.any(Number));
  });
});

describe('POST /v1/banks/:bank/media', () => {
  test('an upload is hashed and one entry per hash is committed in the change log', async () => {
    const before = await t.store.latestSeq();
    const response = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/hma/media?note=from%20upload',
      ...multipart(BLURRED, { entry: JSON.stringify({ classification: { industry: 'A1' } }) }),
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    // The blurred copy's PDQ may equal the original's (added by URL above): then it comes back as existing.
    const all = [...body.created, ...body.existing];
    expect(body.created.length).toBeGreaterThanOrEqual(3);
    expect(all.map((e: { signalType: string }) => e.signalType).sort()).toEqual([
      'md5',
      'pdq',
      'sha1',
      'sha256',
    ]);
    for (const entry of body.created.filter((e: { signalType: string }) => e.signalType !== 'pdq')) {
      expect(entry).toMatchObject({ note: 'from upload', classification: { industry: 'A1' } });
    }
    expect(body.seq).toBeGreaterThan(before);
    const changes = await t.call(reader, { method: 'GET', url: `/v1/banks/hma/changes?after=${before}` });
    const ops = changes.json().changes.map((c: { op: string; value: string }) => [c.op, c.value]);
    expect(ops).toEqual(
      expect.arrayContaining(body.created.map((e: { value: string }) => ['entry_upsert', e.value])),
    );
    // Matchable on the next request.
    const match = await t.call(matcher, {
      method: 'POST',
      url: '/v1/match',
      payload: { hashes: [{ signalType: 'sha256', value: body.hashes.sha256 }] },
    });
    expect(match.json().results[0].matched).toBe(true);
    // The same image again: nothing new, the entries come back as existing.
    const again = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/hma/media',
      payload: BLURRED,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(again.statusCode).toBe(201);
    expect(again.json().created).toEqual([]);
    expect(again.json().existing).toHaveLength(4);
  });

  test('bad input is a clear problem and writes nothing', async () => {
    const before = await t.store.latestSeq();
    const noBank = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/nope/media',
      payload: ORIGINAL,
      headers: { 'content-type': 'image/jpeg' },
    });
    expect(problemBody(noBank).code).toBe('BANK_NOT_FOUND');
    const unknown = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/hma/media',
      payload: { url: `${base}/bridge.jpg`, entry: { colour: 'red' } },
    });
    expect(problemBody(unknown).code).toBe('VALIDATION_FAILED');
    const notImage = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/hma/media',
      payload: Buffer.from('not an image at all'),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(notImage.statusCode).toBeGreaterThanOrEqual(400);
    expect(problemBody(notImage).code).toMatch(/^MEDIA_/);
    const badJson = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/hma/media',
      ...multipart(ORIGINAL, { entry: '{not json' }),
    });
    expect(problemBody(badJson).code).toBe('VALIDATION_FAILED');
    expect(await t.store.latestSeq()).toBe(before);
    const readerRefused = await t.call(reader, {
      method: 'POST',
      url: '/v1/banks/hma/media',
      payload: ORIGINAL,
      headers: { 'content-type': 'image/jpeg' },
    });
    expect(problemBody(readerRefused).code).toBe('FORBIDDEN');
  });
});

describe('POST /v1/compare', () => {
  test('PDQ distance per pair, exact hashes equal or not', async () => {
    const a = randomPdq();
    const response = await t.call(matcher, {
      method: 'POST',
      url: '/v1/compare',
      payload: {
        pdq: [a, flipBits(a, 9)],
        md5: ['0123456789abcdef0123456789abcdef', '0123456789ABCDEF0123456789ABCDEF'],
        sha1: ['0'.repeat(39) + '1', '0'.repeat(39) + '2'],
      },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      pdq: { match: true, distance: 9 },
      md5: { match: true, distance: 0 },
      sha1: { match: false, distance: 1 },
    });
    expect(compareHashes({ pdq: [a, flipBits(a, 32)] })).toEqual({ pdq: { match: false, distance: 32 } });
    expect(compareHashes({ pdq: [a, flipBits(a, 32)], pdqThreshold: 40 }).pdq!.match).toBe(true);
  });

  test('bad pairs are refused with the field named', async () => {
    for (const [payload, code] of [
      [{ pdq: ['abc', 'def'] }, 'INVALID_HASH'],
      [{ pdq: [randomPdq()] }, 'VALIDATION_FAILED'],
      [{ photodna: ['a', 'b'] }, 'VALIDATION_FAILED'],
      [{}, 'VALIDATION_FAILED'],
      [{ pdq: [randomPdq(), randomPdq()], pdqThreshold: -1 }, 'VALIDATION_FAILED'],
    ] as const) {
      const response = await t.call(matcher, { method: 'POST', url: '/v1/compare', payload });
      expect(problemBody(response).code, JSON.stringify(payload)).toBe(code);
    }
  });
});

describe('GET /v1/index/status', () => {
  test('per signal type: entries, built, ready, and the applied change seq', async () => {
    const response = await t.call(reader, { method: 'GET', url: '/v1/index/status' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    const latest = await t.store.latestSeq();
    expect(body).toMatchObject({ loaded: true, appliedSeq: latest, latestSeq: latest, upToDate: true });
    expect(Object.keys(body.signalTypes).sort()).toEqual(['md5', 'pdq', 'sha1', 'sha256', 'vpdq']);
    expect(body.signalTypes.pdq).toMatchObject({
      built: true,
      ready: true,
      entries: t.engine.status().pdqEntries,
    });
    expect(body.signalTypes.pdq.entries).toBeGreaterThanOrEqual(1);
    expect(body.signalTypes.sha256.entries).toBe(t.engine.status().exactEntries.sha256);
    const only = await t.call(matcher, { method: 'GET', url: '/v1/index/status?signalType=md5' });
    expect(Object.keys(only.json().signalTypes)).toEqual(['md5']);
    const bad = await t.call(matcher, { method: 'GET', url: '/v1/index/status?signalType=tmk' });
    expect(problemBody(bad).code).toBe('VALIDATION_FAILED');
  });
});

test('every new route is in the access table', () => {
  for (const [method, url] of [
    ['POST', '/v1/hash/url'],
    ['POST', '/v1/match/url'],
    ['POST', '/v1/compare'],
    ['POST', '/v1/banks/:bank/media'],
    ['GET', '/v1/index/status'],
  ]) {
    expect(ROUTE_SCOPES.some((r) => r.method === method && r.url === url)).toBe(true);
  }
  expect(served).toBeGreaterThan(0);
});
