import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createManualClock, createMemoryStore } from '@hashline/domain/testing';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../src/config.js';
import { WebhookDispatcher, retryDelayMs } from '../src/webhooks/webhook-dispatcher.js';
import { BlockedAddressError, isPrivateAddress, postJson } from '../src/webhooks/webhook-http.js';
import { signWebhookBody, verifyWebhookSignature } from '../src/webhooks/webhook-signature.js';
import { createTestApp, randomPdq, type TestApp } from './support/test-app.js';

describe('webhook targets', () => {
  test.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.31.255.255', true],
    ['192.168.0.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:10.0.0.1', true],
    ['8.8.8.8', false],
    ['172.32.0.1', false],
    ['2001:4860:4860::8888', false],
    ['example.org', false],
  ])('%s private: %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  test('refused before any connection: private literals, names resolving to loopback, other schemes', async () => {
    const options = { headers: {}, timeoutMs: 2000, allowPrivate: false };
    await expect(postJson('http://127.0.0.1:9/x', '{}', options)).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(postJson('http://[::1]:9/x', '{}', options)).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(postJson('http://localhost:9/x', '{}', options)).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(postJson('ftp://example.org/x', '{}', options)).rejects.toBeInstanceOf(BlockedAddressError);
  });
});

describe('webhook signatures', () => {
  const secret = 'whsec_test_secret_value';
  const body = '{"type":"match","id":"match-1-1"}';
  const t = 1_700_000_000;

  test('a signature verifies with the same secret, body and a fresh timestamp', () => {
    const header = signWebhookBody(secret, body, t);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, header, body, 300, t + 10)).toBe(true);
    expect(verifyWebhookSignature(secret, header, Buffer.from(body), 300, t)).toBe(true);
  });

  test('anything changed fails', () => {
    const header = signWebhookBody(secret, body, t);
    expect(verifyWebhookSignature(`${secret}x`, header, body, 300, t)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body.replace('1', '2'), 300, t)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, 300, t + 301)).toBe(false);
    expect(verifyWebhookSignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, 300, t)).toBe(false);
    expect(verifyWebhookSignature(secret, undefined, body, 300, t)).toBe(false);
    expect(verifyWebhookSignature(secret, 'garbage', body, 300, t)).toBe(false);
    expect(verifyWebhookSignature('', header, body, 300, t)).toBe(false);
  });

  test('any one of several v1 signatures suffices (secret rotation)', () => {
    const good = signWebhookBody(secret, body, t).split(',')[1];
    expect(verifyWebhookSignature(secret, `t=${t},v1=${'0'.repeat(64)},${good}`, body, 300, t)).toBe(true);
  });

  test('retry delays double with jitter and are capped', () => {
    expect(retryDelayMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 60_000, () => 0.999999)).toBe(1000);
    expect(retryDelayMs(4, 1000, 60_000, () => 0.5)).toBe(6000);
    expect(retryDelayMs(30, 1000, 60_000, () => 1)).toBe(60_000);
  });
});

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

describe('webhook delivery', () => {
  let receiver: Server;
  let received: Received[];
  let statuses: number[];
  let url: string;
  let t: TestApp;
  const clock = createManualClock(Date.now());
  const silent = { info: () => {}, warn: () => {}, error: () => {} };

  beforeEach(async () => {
    received = [];
    statuses = [];
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.statusCode = statuses.shift() ?? 200;
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hashline`;
    t = await createTestApp({ store: createMemoryStore(clock) });
  });
  afterEach(async () => {
    await t.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  async function matchOnce(): Promise<{ secret: string; recordId: number }> {
    const writer = await t.key(['banks:write']);
    const matcher = await t.key(['match']);
    const bank = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks',
      payload: { name: 'hooked', kind: 'known_csam', webhookUrl: url, defaultActions: ['review'] },
    });
    const pdq = randomPdq();
    await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/hooked/entries',
      payload: { entries: [{ signalType: 'pdq', value: pdq }] },
    });
    const hit = await t.call(matcher, {
      method: 'POST',
      url: '/v1/match',
      payload: { hashes: [{ signalType: 'pdq', value: pdq, contentRef: 'upload-42' }] },
    });
    return { secret: bank.json().webhookSecret, recordId: hit.json().results[0].recordId };
  }

  function dispatcher(overrides: Partial<ReturnType<typeof loadConfig>['webhooks']> = {}) {
    const settings = {
      ...loadConfig({}).webhooks,
      baseDelayMs: 1000,
      maxDelayMs: 10_000,
      timeoutMs: 30_000, // a deadline for a busy machine; the slow-receiver test sets its own
      allowPrivate: true, // the receiver is on 127.0.0.1
      ...overrides,
    };
    return new WebhookDispatcher({ store: t.store, settings, logger: silent, clock, random: () => 1 });
  }

  test('signed, retried after a 500 with the same idempotency key, then marked delivered', async () => {
    const { secret, recordId } = await matchOnce();
    statuses.push(500);
    const d = dispatcher();
    expect(await d.runOnce()).toBe(1);
    expect(received).toHaveLength(1);
    let [delivery] = await t.store.listDeliveries({ limit: 10 });
    expect(delivery).toMatchObject({ status: 'retrying', attempts: 1, lastError: 'HTTP 500' });
    // Not due yet: the back-off is 1 s after the first failure.
    expect(await d.runOnce()).toBe(0);
    clock.advance(1000);
    expect(await d.runOnce()).toBe(1);
    expect(received).toHaveLength(2);
    [delivery] = await t.store.listDeliveries({ limit: 10 });
    expect(delivery!.status).toBe('delivered');

    for (const [i, request] of received.entries()) {
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['idempotency-key']).toBe(`match-${recordId}-1`);
      expect(request.headers['hashline-attempt']).toBe(String(i + 1));
      expect(request.headers['hashline-seq']).toBe('1');
      const signature = request.headers['hashline-signature'] as string;
      expect(verifyWebhookSignature(secret, signature, request.body, 300, clock.now().getTime() / 1000)).toBe(
        true,
      );
      expect(
        verifyWebhookSignature(
          'another-secret-value',
          signature,
          request.body,
          300,
          clock.now().getTime() / 1000,
        ),
      ).toBe(false);
    }
    const body = JSON.parse(received[1]!.body);
    expect(body).toMatchObject({
      type: 'match',
      // The bank's first notification; the same seq on every attempt.
      seq: 1,
      recordId,
      bank: { name: 'hooked', kind: 'known_csam' },
      contentRef: 'upload-42',
      actions: ['review'],
      matches: [{ distance: 0 }],
    });
    // The queried hash itself is not sent.
    expect(received[1]!.body).not.toMatch(/[0-9a-f]{64}/);
  });

  test('retries until the horizon, the last retry on the horizon itself, then gives up', async () => {
    await matchOnce();
    const queued = clock.now().getTime();
    const hour = 3_600_000;
    statuses.push(...Array.from({ length: 100 }, () => 500));
    // Back-off 1 s doubling to at most 10 min; give up 2 h after queueing.
    const d = dispatcher({ retryHours: 2, maxDelayMs: 600_000 });
    const attemptsAt: number[] = [];
    for (let i = 0; i < 100; i++) {
      const [delivery] = await t.store.listDeliveries({ limit: 1 });
      if (delivery!.status === 'failed') break;
      clock.set(delivery!.nextAttemptAt);
      attemptsAt.push(clock.now().getTime() - queued);
      expect(await d.runOnce()).toBe(1);
    }
    const [delivery] = await t.store.listDeliveries({ limit: 10 });
    expect(delivery).toMatchObject({ status: 'failed', lastError: 'HTTP 500' });
    expect(attemptsAt.at(-1)).toBe(2 * hour);
    expect(attemptsAt.at(-2)).toBeLessThan(2 * hour);
    // 1 + 2 + … + 512 s, then every 10 min up to 2 h: 11 attempts, 10 more, and the one on the horizon.
    expect(received).toHaveLength(attemptsAt.length);
    expect(attemptsAt.length).toBe(22);
  });

  test('an unreachable receiver is retried, not fatal', async () => {
    await matchOnce();
    await new Promise((resolve) => receiver.close(resolve));
    const d = dispatcher();
    expect(await d.runOnce()).toBe(1);
    const [delivery] = await t.store.listDeliveries({ limit: 10 });
    expect(delivery!.status).toBe('retrying');
    expect(delivery!.lastError).toMatch(/ECONNREFUSED/);
    receiver.listen(0); // so afterEach can close it
  });

  test('private targets are refused for good unless allowed', async () => {
    await matchOnce();
    const d = dispatcher({ allowPrivate: false });
    expect(await d.runOnce()).toBe(1);
    const [delivery] = await t.store.listDeliveries({ limit: 10 });
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1 });
    expect(delivery!.lastError).toMatch(/BlockedAddressError: 127\.0\.0\.1 is a private address/);
    expect(received).toHaveLength(0);
  });

  test('a slow receiver times out and is retried', async () => {
    await matchOnce();
    receiver.removeAllListeners('request');
    receiver.on('request', () => {}); // never answers
    const d = dispatcher({ timeoutMs: 200 });
    expect(await d.runOnce()).toBe(1);
    const [delivery] = await t.store.listDeliveries({ limit: 10 });
    expect(delivery).toMatchObject({ status: 'retrying', attempts: 1 });
    expect(delivery!.lastError).toMatch(/abort|timeout/i);
    receiver.closeAllConnections();
  });

  test('the started loop delivers by itself', async () => {
    await matchOnce();
    const d = dispatcher({ pollIntervalMs: 20 });
    d.start();
    const deadline = Date.now() + 60_000; // a deadline for a busy machine, not a speed target
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await d.stop();
    expect(received).toHaveLength(1);
    expect((await t.store.listDeliveries({ limit: 10 }))[0]!.status).toBe('delivered');
  });
});
