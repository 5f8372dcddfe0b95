// The exchange's HTTP client against a scripted partner on loopback: retries with one idempotency
// key, final answers, time limits, and the refusals of insecure and private targets.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExchangeMessage } from '@hashline/domain';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpExchangeClient, EXCHANGE_REPORTS_PATH } from '../../src/hotline/exchange-client.js';

interface Seen {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

let server: Server;
let base: string;
const seen: Seen[] = [];
let script: Answer[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      seen.push({
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = script.shift() ?? { status: 500 };
      if (answer === 'hang') return; // never answers: the client's time limit must end it
      response.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
      response.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
  script = [];
});

const message = { version: 1, reference: 'EX1' } as unknown as ExchangeMessage;
const target = () => ({ baseUrl: `${base}/partner/`, token: 'secret-token-0123456789' });
const sleeps: number[] = [];
const client = (overrides: Partial<Parameters<typeof createHttpExchangeClient>[0]> = {}) =>
  createHttpExchangeClient({
    timeoutMs: 30_000, // a deadline for a busy machine; the time-limit test sets its own
    attempts: 3,
    retryDelayMs: 100,
    allowPrivate: true,
    sleep: async (ms) => void sleeps.push(ms),
    ...overrides,
  });
const receipt = (ref: string) => ({
  status: 201,
  body: JSON.stringify({ receiptReference: ref, status: 'received' }),
});

describe('createHttpExchangeClient', () => {
  it('POSTs the JSON with the bearer token and the idempotency key, and returns the receipt', async () => {
    script = [receipt('HL-AAAA-BBBB-CCCC-DDDD')];
    const outcome = await client().deliver(target(), message, 'EX1');
    expect(outcome).toEqual({ delivered: true, receiptReference: 'HL-AAAA-BBBB-CCCC-DDDD', attempts: 1 });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.path).toBe(`/partner${EXCHANGE_REPORTS_PATH}`);
    expect(seen[0]!.headers).toMatchObject({
      authorization: 'Bearer secret-token-0123456789',
      'idempotency-key': 'EX1',
      'content-type': 'application/json',
    });
    expect(JSON.parse(seen[0]!.body)).toEqual(message);
  });

  it('retries transient failures with the same key, backing off', async () => {
    sleeps.length = 0;
    script = [{ status: 503 }, { status: 429 }, receipt('HL-1')];
    const outcome = await client().deliver(target(), message, 'EX-RETRY');
    expect(outcome).toEqual({ delivered: true, receiptReference: 'HL-1', attempts: 3 });
    expect(seen.map((s) => s.headers['idempotency-key'])).toEqual(['EX-RETRY', 'EX-RETRY', 'EX-RETRY']);
    expect(sleeps).toEqual([100, 200]);
  });

  it('gives up after the configured attempts with the last error', async () => {
    script = [{ status: 500 }, { status: 502 }, { status: 504 }];
    expect(await client().deliver(target(), message, 'EX2')).toEqual({
      delivered: false,
      attempts: 3,
      error: 'http_504',
    });
  });

  it('does not retry a refusal, a redirect or an unreadable answer', async () => {
    script = [{ status: 401, body: '{"code":"UNAUTHENTICATED"}' }];
    expect(await client().deliver(target(), message, 'EX3')).toEqual({
      delivered: false,
      attempts: 1,
      error: 'http_401',
    });
    script = [{ status: 302, headers: { location: 'http://169.254.169.254/' } }];
    expect(await client().deliver(target(), message, 'EX4')).toEqual({
      delivered: false,
      attempts: 1,
      error: 'http_302',
    });
    script = [{ status: 201, body: '<html>ok</html>' }];
    expect(await client().deliver(target(), message, 'EX5')).toEqual({
      delivered: false,
      attempts: 1,
      error: 'bad_response',
    });
    script = [{ status: 201, body: JSON.stringify({ receiptReference: 'x'.repeat(70_000) }) }];
    expect(await client().deliver(target(), message, 'EX6')).toEqual({
      delivered: false,
      attempts: 1,
      error: 'bad_response',
    });
    expect(seen).toHaveLength(4);
  });

  it('ends an attempt that gets no answer within the time limit, and retries it', async () => {
    script = ['hang', receipt('HL-2')];
    expect(await client({ timeoutMs: 300 }).deliver(target(), message, 'EX7')).toEqual({
      delivered: true,
      receiptReference: 'HL-2',
      attempts: 2,
    });
  });

  it('refuses plain http, private addresses and names resolving to them unless allowed', async () => {
    const strict = client({ allowPrivate: false });
    expect(await strict.deliver(target(), message, 'EX8')).toEqual({
      delivered: false,
      attempts: 0,
      error: 'insecure_url',
    });
    const port = (server.address() as AddressInfo).port;
    expect(
      await strict.deliver({ baseUrl: `https://127.0.0.1:${port}`, token: 't' }, message, 'EX9'),
    ).toEqual({
      delivered: false,
      attempts: 0,
      error: 'blocked_address',
    });
    expect(
      await strict.deliver({ baseUrl: `https://[::1]:${port}`, token: 't' }, message, 'EX10'),
    ).toMatchObject({
      delivered: false,
      error: 'blocked_address',
    });
    // A name is checked on the addresses actually dialled (no rebinding into the network).
    expect(
      await strict.deliver({ baseUrl: `https://localhost:${port}`, token: 't' }, message, 'EX11'),
    ).toEqual({
      delivered: false,
      attempts: 1,
      error: 'blocked_address',
    });
    expect(await strict.deliver({ baseUrl: 'not a url', token: 't' }, message, 'EX12')).toMatchObject({
      delivered: false,
      attempts: 0,
    });
    expect(seen).toHaveLength(0);
  });
});
