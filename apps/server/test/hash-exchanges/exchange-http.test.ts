// The outbound HTTP shared by the hash-exchange clients: what base URLs it takes, Retry-After in
// both forms, and a sync stopped by the engine (before a call, and while waiting to retry).
import { describe, expect, it } from 'vitest';
import { createExchangeHttp, parseRetryAfter } from '../../src/hash-exchanges/clients/exchange-http.js';
import { createStopNciiExchangeClient } from '../../src/hash-exchanges/clients/stopncii-client.js';
import { startStopNciiMock } from '../support/hash-exchange-mocks/stopncii-mock.js';

describe('hash-exchange HTTP', () => {
  it('takes https base URLs only (plain http for loopback tests when asked), without credentials or a query', () => {
    expect(() => createExchangeHttp('X', 'http://127.0.0.1:9/api')).toThrow(/https/);
    expect(createExchangeHttp('X', 'http://127.0.0.1:9/api', { allowHttpForTests: true }).base.href).toBe(
      'http://127.0.0.1:9/api/',
    );
    expect(() => createExchangeHttp('X', 'https://user:pw@api.example/v1')).toThrow(/credentials/);
    expect(() => createExchangeHttp('X', 'https://api.example/v1?key=1')).toThrow(/query/);
    expect(() => createExchangeHttp('X', 'not a url')).toThrow(/not a URL/);
  });

  it('resolves only links under the base URL', () => {
    const http = createExchangeHttp('X', 'https://api.example/v1');
    expect(http.resolve('/v1/page?after=2').href).toBe('https://api.example/v1/page?after=2');
    expect(http.resolve('page').href).toBe('https://api.example/v1/page');
    for (const elsewhere of [
      '/v2/page',
      'https://other.example/v1/page',
      'http://api.example/v1/page',
      '//other.example/v1',
    ]) {
      expect(() => http.resolve(elsewhere)).toThrow(/outside its configured base URL/);
    }
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 12);
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now + 90_000).toUTCString(), now)).toBe(90_000);
    expect(parseRetryAfter(new Date(now - 90_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('stops when the engine stops the sync: before a call, and while waiting to try again', async () => {
    const mock = await startStopNciiMock();
    try {
      const client = createStopNciiExchangeClient(
        {
          baseUrl: mock.baseUrl,
          credentials: { subscriptionKey: mock.subscriptionKey, fetchFunctionKey: mock.fetchFunctionKey },
        },
        // A long wait between tries, so that the stop lands while the client waits.
        { allowHttpForTests: true, retryDelayMs: () => 3_600_000, maxRetryWaitMs: 7_200_000 },
      );
      const stopped = new AbortController();
      stopped.abort();
      await expect(client.fetchPage(null, stopped.signal)).rejects.toMatchObject({ kind: 'transient' });
      expect(mock.calls.FetchHashes).toBeUndefined();

      mock.fail('FetchHashes', { kind: 'status', status: 503 });
      const controller = new AbortController();
      const pending = client.fetchPage(null, controller.signal).catch((e: unknown) => e);
      await expect.poll(() => mock.calls.FetchHashes).toBe(1);
      controller.abort();
      expect(await pending).toMatchObject({ kind: 'transient', message: expect.stringMatching(/stopped/) });
      expect(mock.calls.FetchHashes).toBe(1);
    } finally {
      await mock.close();
    }
  });
});
