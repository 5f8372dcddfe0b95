import { ERROR_CATALOGUE, type ErrorCode } from '@hashline/domain';
import { MediaDecodeError } from '@hashline/media-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HTTP_STATUS, problemOf, toProblem } from '../src/http-errors.js';
import { createTestApp, problemBody, randomPdq, testConfig, type TestApp } from './support/test-app.js';

describe('the code → status map', () => {
  test('covers the whole catalogue with client or server statuses', () => {
    for (const code of Object.keys(ERROR_CATALOGUE) as ErrorCode[]) {
      expect(HTTP_STATUS[code], code).toBeGreaterThanOrEqual(400);
      expect(HTTP_STATUS[code], code).toBeLessThan(600);
    }
    expect(Object.keys(HTTP_STATUS).sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
  });

  test('problemOf builds RFC 9457 bodies', () => {
    expect(
      problemOf('INVALID_HASH', 'bad', [{ at: '/hashes/0/value', code: 'INVALID_HASH', message: 'm' }]),
    ).toEqual({
      type: 'urn:hashline:problem:invalid-hash',
      title: ERROR_CATALOGUE.INVALID_HASH,
      status: 400,
      detail: 'bad',
      code: 'INVALID_HASH',
      errors: [{ at: '/hashes/0/value', code: 'INVALID_HASH', message: 'm' }],
    });
  });

  test('media errors keep their code; crash and internal details are not shown', () => {
    const corrupt = toProblem(new MediaDecodeError('MEDIA_CORRUPT', 'JPEG premature end of data'));
    expect(corrupt).toMatchObject({ internal: false, problem: { status: 422, code: 'MEDIA_CORRUPT' } });
    expect(corrupt.problem.detail).toContain('premature');
    const crashed = toProblem(new MediaDecodeError('MEDIA_WORKER_CRASHED', 'worker died (signal SIGSEGV)'));
    expect(crashed).toMatchObject({ internal: true, problem: { status: 422, code: 'MEDIA_WORKER_CRASHED' } });
    expect(crashed.problem.detail).not.toContain('SIGSEGV');
    expect(toProblem(new MediaDecodeError('MEDIA_POOL_CLOSED', 'closed')).problem.status).toBe(503);
  });

  test('unexpected errors are INTERNAL and do not reveal their message', () => {
    const { problem, internal } = toProblem(new Error('connection string postgres://secret@db'));
    expect(internal).toBe(true);
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem)).not.toContain('secret');
  });
});

describe('every error over HTTP is problem+json', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await createTestApp({ config: testConfig({ maxJsonBytes: 64 * 1024 }) });
    admin = await t.key(['admin']);
    await t.call(admin, { method: 'POST', url: '/v1/banks', payload: { name: 'b', kind: 'test' } });
  });
  afterAll(() => t.close());

  test('unknown route → 404 NOT_FOUND', async () => {
    const response = await t.call(admin, { method: 'GET', url: '/v2/anything?x=1' });
    expect(response.statusCode).toBe(404);
    expect(problemBody(response)).toMatchObject({ code: 'NOT_FOUND', detail: 'No route GET /v2/anything.' });
  });

  test('malformed JSON → 400 VALIDATION_FAILED', async () => {
    const response = await t.call(admin, {
      method: 'POST',
      url: '/v1/match',
      headers: { 'content-type': 'application/json' },
      payload: '{"hashes": [',
    });
    expect(response.statusCode).toBe(400);
    expect(problemBody(response).code).toBe('VALIDATION_FAILED');
  });

  test('unsupported content type → 415 problem', async () => {
    const response = await t.call(admin, {
      method: 'POST',
      url: '/v1/match',
      headers: { 'content-type': 'text/xml' },
      payload: '<hashes/>',
    });
    expect(response.statusCode).toBe(415);
    expect(problemBody(response).code).toBe('VALIDATION_FAILED');
  });

  test('a JSON body over the limit → 413 PAYLOAD_TOO_LARGE', async () => {
    const hashes = Array.from({ length: 20_000 }, () => ({ signalType: 'pdq', value: randomPdq() }));
    const match = await t.call(admin, { method: 'POST', url: '/v1/match', payload: { hashes } });
    expect(match.statusCode).toBe(413);
    expect(problemBody(match).code).toBe('PAYLOAD_TOO_LARGE');
    // The bulk add has its own (here 64 KiB) limit.
    const add = await t.call(admin, {
      method: 'POST',
      url: '/v1/banks/b/entries',
      payload: { entries: hashes.slice(0, 1000) },
    });
    expect(add.statusCode).toBe(413);
    expect(problemBody(add).code).toBe('PAYLOAD_TOO_LARGE');
  });

  test('query validation errors name the parameter', async () => {
    const response = await t.call(admin, { method: 'GET', url: '/v1/changes?limit=abc' });
    expect(response.statusCode).toBe(400);
    const problem = problemBody(response);
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors![0]!.at).toBe('querystring/limit');
  });

  test('the index not being loaded yet → 503 INDEX_NOT_READY', async () => {
    const { MatchEngine } = await import('@hashline/domain');
    const { buildApp } = await import('../src/app.js');
    const { NO_HASHING } = await import('./support/test-app.js');
    const engine = new MatchEngine(t.store); // never loaded
    const app = await buildApp({ config: t.config, store: t.store, engine, hashingPool: NO_HASHING });
    const response = await app.inject({
      method: 'POST',
      url: '/v1/match',
      headers: { authorization: `Bearer ${admin}` },
      payload: { hashes: [{ signalType: 'pdq', value: randomPdq() }] },
    });
    expect(response.statusCode).toBe(503);
    expect(problemBody(response).code).toBe('INDEX_NOT_READY');
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ ready: false, loaded: false });
    await app.close();
  });
});
