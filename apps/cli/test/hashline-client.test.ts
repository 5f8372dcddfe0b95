import { describe, expect, it } from 'vitest';
import { describeExpectedError } from '../src/command-error.js';
import { ApiError, HashlineClient } from '../src/remote/hashline-client.js';

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;

function client(handler: Handler, sleeps: number[] = []) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fake = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return handler(url, init);
  }) as unknown as typeof fetch;
  return {
    calls,
    api: new HashlineClient('http://hashline.test/', 'hl_abcd_secretsecretsecret', {
      fetch: fake,
      sleep: async (ms) => void sleeps.push(ms),
    }),
  };
}

const problem = (status: number, body: object, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });

describe('HashlineClient', () => {
  it('sends JSON with the key as a bearer token and parses the answer', async () => {
    const { api, calls } = client(() => Response.json({ banks: [] }));
    expect(await api.post('/v1/banks', { name: 'x' })).toEqual({ banks: [] });
    expect(calls[0]!.url).toBe('http://hashline.test/v1/banks');
    expect(calls[0]!.init.method).toBe('POST');
    expect((calls[0]!.init.headers as Record<string, string>).authorization).toBe(
      'Bearer hl_abcd_secretsecretsecret',
    );
    expect(calls[0]!.init.body).toBe('{"name":"x"}');
    await api.get('/v1/banks/x/entries', { limit: 10, after: undefined });
    expect(calls[1]!.url).toBe('http://hashline.test/v1/banks/x/entries?limit=10');
  });

  it('turns problem+json into an ApiError with code, detail and item problems', async () => {
    const { api } = client(() =>
      problem(400, {
        code: 'VALIDATION_FAILED',
        title: 'The request is malformed or a field is invalid.',
        detail: 'Some entries are invalid; nothing was added (2 problems)',
        errors: [
          {
            at: '/entries/0/value',
            code: 'INVALID_HASH',
            message: 'A pdq hash must be exactly 64 hex digits.',
          },
          { at: '/entries/1/quality', code: 'VALIDATION_FAILED', message: 'An integer from 0 to 100.' },
        ],
      }),
    );
    const error = await api.post('/v1/banks/x/entries', { entries: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'Some entries are invalid; nothing was added (2 problems)',
    });
    expect(describeExpectedError(error)?.lines).toEqual([
      'VALIDATION_FAILED: Some entries are invalid; nothing was added (2 problems) (HTTP 400)',
      '  /entries/0/value: INVALID_HASH: A pdq hash must be exactly 64 hex digits.',
      '  /entries/1/quality: VALIDATION_FAILED: An integer from 0 to 100.',
    ]);
  });

  it('retries a rate-limited request after Retry-After, then gives up with the problem', async () => {
    const sleeps: number[] = [];
    let count = 0;
    const { api } = client(() => {
      count++;
      return count < 3
        ? problem(429, { code: 'RATE_LIMITED', detail: 'retry in 2 s' }, { 'retry-after': '2' })
        : Response.json({ ok: true });
    }, sleeps);
    expect(await api.get('/v1/me')).toEqual({ ok: true });
    expect(sleeps).toEqual([2000, 2000]);

    const always = client(() =>
      problem(429, { code: 'RATE_LIMITED', detail: 'slow down' }, { 'retry-after': '1' }),
    );
    await expect(always.api.get('/v1/me')).rejects.toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(always.calls).toHaveLength(6); // the first try and 5 retries
  });

  it('reports a server that cannot be reached, and non-JSON errors, without the token', async () => {
    const down = client(() => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    });
    const error = (await down.api.get('/v1/me').catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('UNREACHABLE');
    expect(error.message).toContain('http://hashline.test (ECONNREFUSED)');
    expect(error.message).not.toContain('secret');

    const proxy = client(
      () => new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    await expect(proxy.api.get('/v1/me')).rejects.toMatchObject({
      code: 'HTTP_502',
      message: 'GET /v1/me failed: Bad Gateway: <html>Bad Gateway</html>',
    });
  });
  it('streams an upload with its headers, and streams it again from the start after a 429', async () => {
    const bodies: string[] = [];
    let opened = 0;
    const sleeps: number[] = [];
    const { api, calls } = client(async (_url, init) => {
      bodies.push(await new Response(init.body as ReadableStream).text());
      return bodies.length === 1
        ? problem(429, { code: 'RATE_LIMITED', detail: 'slow down' }, { 'retry-after': '1' })
        : Response.json({ id: 'imp_1' }, { status: 202 });
    }, sleeps);
    const answer = await api.upload(
      '/v1/banks/b/imports',
      { format: 'csv', origin: undefined },
      async function* () {
        opened++;
        yield new TextEncoder().encode('signal_type,value\n');
        yield new TextEncoder().encode('pdq,abc\n');
      },
      { 'content-type': 'text/csv', 'idempotency-key': 'k1' },
    );
    expect(answer).toEqual({ status: 202, body: { id: 'imp_1' } });
    expect(opened).toBe(2);
    expect(bodies).toEqual(['signal_type,value\npdq,abc\n', 'signal_type,value\npdq,abc\n']);
    expect(sleeps).toEqual([1000]);
    expect(calls[1]!.url).toBe('http://hashline.test/v1/banks/b/imports?format=csv');
    const headers = calls[1]!.init.headers as Record<string, string>;
    expect(headers['content-type']).toBe('text/csv');
    expect(headers['idempotency-key']).toBe('k1');
    expect(headers.authorization).toBe('Bearer hl_abcd_secretsecretsecret');
  });
});
