import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HashlineStore, WebhookDelivery } from '@hashline/domain';
import { createManualClock, createMemoryStore, type ManualClock } from '@hashline/domain/testing';
import { openPostgresStore, openStore } from '@hashline/storage';
import pg from 'pg';
import { afterEach, describe, expect, test } from 'vitest';
import { WebhookDispatcher } from '../src/webhooks/webhook-dispatcher.js';
import { createTestApp, problemBody, randomPdq, testConfig, type TestApp } from './support/test-app.js';

// Webhooks you can trust (issue 11): every notification numbered per bank, delivered to its
// endpoint one at a time in that order whatever the receiver does, retried for the whole horizon,
// then listed and redeliverable. No real sleeps: dispatchers run one round at a time (runOnce)
// and the manual clock jumps to the next due attempt.

const HOUR = 3_600_000;
const POSTGRES_URL = process.env.HASHLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const silent = { info: () => {}, warn: () => {}, error: () => {} };

/** What the receiver saw: every attempt with its seq and the status it answered. */
interface Attempt {
  readonly seq: number;
  readonly bodySeq: number;
  readonly status: number;
  readonly at: number;
}

/**
 * A webhook receiver on loopback. `answer` decides each status from the attempt (default 200); it
 * counts requests in flight at once, and can hold requests until released.
 */
class Receiver {
  readonly attempts: Attempt[] = [];
  answer: (seq: number, at: number) => number = () => 200;
  hold = false;
  maxInFlight = 0;
  #inFlight = 0;
  #held: (() => void)[] = [];
  #server: Server | undefined;
  url = '';

  constructor(private readonly clock: ManualClock) {}

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      this.#inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const respond = () => {
          const seq = Number(req.headers['hashline-seq']);
          const bodySeq = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { seq: number }).seq;
          const at = this.clock.now().getTime();
          const status = this.answer(seq, at);
          this.attempts.push({ seq, bodySeq, status, at });
          this.#inFlight--;
          res.statusCode = status;
          res.end();
        };
        if (this.hold) this.#held.push(respond);
        else respond();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}/hook`;
  }

  get heldCount(): number {
    return this.#held.length;
  }

  release(): void {
    this.hold = false;
    for (const respond of this.#held.splice(0)) respond();
  }

  /** Seqs answered 2xx, in the order they were received. */
  delivered(): number[] {
    return this.attempts.filter((a) => a.status >= 200 && a.status < 300).map((a) => a.seq);
  }

  async stop(): Promise<void> {
    this.release();
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}

interface Setup {
  readonly t: TestApp;
  readonly clock: ManualClock;
  readonly receiver: Receiver;
  readonly outcomes: Record<'delivered' | 'retry' | 'failed', number>;
  readonly writer: string;
  /** Queues `n` notifications (one match each) and returns the queued count so far. */
  notify(n: number): Promise<void>;
  dispatcher(
    store?: HashlineStore,
    overrides?: Partial<ReturnType<typeof testConfig>['webhooks']>,
  ): WebhookDispatcher;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

async function setup(store: HashlineStore, clock: ManualClock): Promise<Setup> {
  const receiver = new Receiver(clock);
  await receiver.start();
  cleanups.push(() => receiver.stop());
  const t = await createTestApp({ store, clock });
  cleanups.push(() => t.close());
  const writer = await t.key(['banks:write']);
  const matcher = await t.key(['match']);
  await t.call(writer, {
    method: 'POST',
    url: '/v1/banks',
    payload: {
      name: 'hooked',
      kind: 'known_csam',
      webhookUrl: receiver.url,
      webhookSecret: 'whsec_0123456789abcdef',
    },
  });
  const pdq = randomPdq();
  await t.call(writer, {
    method: 'POST',
    url: '/v1/banks/hooked/entries',
    payload: { entries: [{ signalType: 'pdq', value: pdq }] },
  });
  const outcomes = { delivered: 0, retry: 0, failed: 0 };
  return {
    t,
    clock,
    receiver,
    outcomes,
    writer,
    notify: async (n) => {
      for (let i = 0; i < n; i++) {
        const hit = await t.call(matcher, {
          method: 'POST',
          url: '/v1/match',
          payload: { hashes: [{ signalType: 'pdq', value: pdq }] },
        });
        expect(hit.json().results[0].matched).toBe(true);
      }
    },
    dispatcher: (on = store, overrides = {}) =>
      new WebhookDispatcher({
        store: on,
        settings: { ...testConfig().webhooks, allowPrivate: true, timeoutMs: 10_000, ...overrides },
        logger: silent,
        clock,
        onOutcome: (outcome) => outcomes[outcome]++,
      }),
  };
}

async function active(store: HashlineStore): Promise<WebhookDelivery[]> {
  const all = await store.listDeliveries({ limit: 1000 });
  return all.filter((d) => d.status === 'pending' || d.status === 'retrying');
}

/**
 * Runs the dispatchers round after round; when a round has nothing to do, moves the manual clock
 * to the next due attempt (never past `until`). Stops when nothing is left to deliver, or at `until`.
 */
async function drive(
  store: HashlineStore,
  clock: ManualClock,
  dispatchers: readonly WebhookDispatcher[],
  until = Number.POSITIVE_INFINITY,
): Promise<void> {
  for (let round = 0; round < 20_000; round++) {
    const done = (await Promise.all(dispatchers.map((d) => d.runOnce()))).reduce((a, b) => a + b, 0);
    if (done > 0) continue;
    const waiting = await active(store);
    if (waiting.length === 0) return;
    // Ordered: what can go next is the oldest undelivered delivery of each endpoint.
    const heads = new Map<string, WebhookDelivery>();
    for (const d of waiting) if (!heads.has(d.url) || heads.get(d.url)!.id > d.id) heads.set(d.url, d);
    const next = Math.min(...[...heads.values()].map((d) => d.nextAttemptAt.getTime()));
    if (next > until || clock.now().getTime() >= until) return;
    clock.set(Math.max(next, clock.now().getTime()));
  }
  throw new Error('the dispatchers did not settle in 20,000 rounds');
}

const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

type StoreKind = 'memory' | 'sqlite';
async function openKind(kind: StoreKind, clock: ManualClock): Promise<HashlineStore> {
  if (kind === 'memory') return createMemoryStore(clock);
  const store = await openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), 'hashline-hooks-')), 'h.db')}`, {
    clock,
  });
  cleanups.push(() => store.close());
  return store;
}

describe.each<StoreKind>(['memory', 'sqlite'])('webhook order and outages (%s)', (kind) => {
  test('a receiver failing its first 7 attempts still gets every notification once, in seq order, one at a time', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 5));
    const s = await setup(await openKind(kind, clock), clock);
    await s.notify(10);
    let failures = 7;
    s.receiver.answer = () => (failures-- > 0 ? 500 : 200);
    await drive(s.t.store, clock, [s.dispatcher()]);

    expect(s.receiver.delivered()).toEqual(seqs(1, 10));
    // Head of line: the first seq was retried seven times before anything after it was tried.
    expect(s.receiver.attempts.map((a) => a.seq)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, ...seqs(2, 10)]);
    expect(s.receiver.attempts.every((a) => a.bodySeq === a.seq)).toBe(true);
    expect(s.receiver.maxInFlight).toBe(1);
    expect(s.outcomes).toEqual({ delivered: 10, retry: 7, failed: 0 });
  });

  test('one round sends an endpoint’s queue in order; a retry or the lease running out sends the rest back unattempted', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 5));
    const s = await setup(await openKind(kind, clock), clock);
    await s.notify(6);
    const dispatcher = s.dispatcher();
    const queued = async () =>
      (await active(s.t.store)).map((d) => [d.seq, d.status, d.attempts]).sort((a, b) => +a[0]! - +b[0]!);

    // One claim takes all six; seq 3 fails, so 4–6 go back without an attempt (head of line).
    s.receiver.answer = (seq) => (seq === 3 ? 500 : 200);
    expect(await dispatcher.runOnce()).toBe(3);
    expect(s.receiver.attempts.map((a) => [a.seq, a.status])).toEqual([
      [1, 200],
      [2, 200],
      [3, 500],
    ]);
    expect(await queued()).toEqual([
      [3, 'retrying', 1],
      [4, 'pending', 0],
      [5, 'pending', 0],
      [6, 'pending', 0],
    ]);
    expect(await dispatcher.runOnce()).toBe(0);

    // At seq 3's retry time: the receiver holds it while the clock passes the last moment an
    // attempt can start and still end within the claim's lease, so 4–6 go back unattempted.
    clock.set((await active(s.t.store)).find((d) => d.seq === 3)!.nextAttemptAt);
    s.receiver.answer = () => 200;
    s.receiver.hold = true;
    const round = dispatcher.runOnce();
    for (let i = 0; s.receiver.heldCount === 0; i++) {
      if (i > 6_000) throw new Error('the receiver never got the retry');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    clock.advance(25_001); // lease 10 s + 30 s; the last start 5 s before the lease minus the timeout
    s.receiver.release();
    expect(await round).toBe(1);
    expect(await queued()).toEqual([
      [4, 'pending', 0],
      [5, 'pending', 0],
      [6, 'pending', 0],
    ]);
    expect(await dispatcher.runOnce()).toBe(3);
    expect(s.receiver.delivered()).toEqual(seqs(1, 6));
    expect(s.receiver.maxInFlight).toBe(1);
    const rows = await s.t.store.listDeliveries({ limit: 10 });
    expect(rows.map((d) => [d.seq, d.status, d.attempts])).toEqual(
      [1, 1, 2, 1, 1, 1].map((attempts, i) => [i + 1, 'delivered', attempts]).reverse(),
    );
    expect(s.outcomes).toEqual({ delivered: 6, retry: 1, failed: 0 });
  });

  test.each([
    ['the default horizon (72 h)', {}],
    ['a 24 h horizon', { retryHours: 24 }],
  ])('receiver down 23 h (%s): nothing fails, everything arrives in order after', async (_name, settings) => {
    const clock = createManualClock(Date.UTC(2026, 0, 5));
    const t0 = clock.now().getTime();
    const s = await setup(await openKind(kind, clock), clock);
    const back = t0 + 23 * HOUR;
    s.receiver.answer = (_seq, at) => (at < back ? 503 : 200);
    const dispatcher = s.dispatcher(undefined, settings);

    await s.notify(5);
    await drive(s.t.store, clock, [dispatcher], t0 + 5 * HOUR);
    await s.notify(5); // more arrive during the outage
    await drive(s.t.store, clock, [dispatcher]);

    expect(s.outcomes.failed).toBe(0);
    expect(s.receiver.delivered()).toEqual(seqs(1, 10));
    const firstSuccess = s.receiver.attempts.find((a) => a.status === 200)!;
    // Back within one capped back-off (1 h default) of the receiver's return.
    expect(firstSuccess.at).toBeGreaterThanOrEqual(back);
    expect(firstSuccess.at).toBeLessThanOrEqual(back + HOUR);
    // Only the head was tried while the receiver was down, and it was tried all along.
    const down = s.receiver.attempts.filter((a) => a.status === 503);
    expect(new Set(down.map((a) => a.seq))).toEqual(new Set([1]));
    expect(down.at(-1)!.at).toBeGreaterThan(back - HOUR);
    expect((await s.t.store.listDeliveries({ limit: 100 })).every((d) => d.status === 'delivered')).toBe(
      true,
    );
  });

  test('receiver down longer than the horizon: failed, listed, in /metrics, and redeliverable one or all since a seq', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 5));
    const t0 = clock.now().getTime();
    const s = await setup(await openKind(kind, clock), clock);
    const back = t0 + 30 * HOUR;
    s.receiver.answer = (_seq, at) => (at < back ? 503 : 200);
    const dispatcher = s.dispatcher(undefined, { retryHours: 24 });
    await s.notify(6);
    await drive(s.t.store, clock, [dispatcher]);

    // The head gave up on the horizon; each one behind it had its turn there and gave up too.
    expect(clock.now().getTime()).toBe(t0 + 24 * HOUR);
    expect(s.outcomes.failed).toBe(6);
    expect(s.receiver.delivered()).toEqual([]);

    // Listed: newest first, by keyset pages, filtered by bank and status.
    const page1 = await s.t.call(s.writer, {
      method: 'GET',
      url: '/v1/webhook-deliveries?status=failed&limit=4',
    });
    expect(page1.statusCode).toBe(200);
    expect(page1.json().deliveries.map((d: WebhookDelivery) => d.seq)).toEqual([6, 5, 4, 3]);
    expect(page1.json().deliveries[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'HTTP 503',
    });
    const page2 = await s.t.call(s.writer, {
      method: 'GET',
      url: `/v1/banks/hooked/webhook-deliveries?status=failed&limit=4&before=${page1.json().nextBefore}`,
    });
    expect(page2.json().deliveries.map((d: WebhookDelivery) => d.seq)).toEqual([2, 1]);
    expect(page2.json().nextBefore).toBeNull();
    expect(page2.json().deliveries[1].attempts).toBeGreaterThan(10);

    const metrics = await s.t.call(null, { method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('hashline_webhook_outbox_deliveries{status="failed"} 6');
    expect(metrics.body).toContain('hashline_webhook_outbox_deliveries{status="pending"} 0');
    expect(metrics.body).toContain('hashline_webhook_outbox_oldest_pending_seconds 0');

    // The receiver is back: redeliver the first one, then everything from seq 2 on.
    clock.set(back);
    const one = await s.t.call(s.writer, {
      method: 'POST',
      url: `/v1/webhook-deliveries/${page2.json().deliveries[1].id}/redeliver`,
    });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({
      seq: 1,
      status: 'pending',
      attempts: 0,
      queuedAt: new Date(back).toISOString(),
    });
    const gauges = await s.t.call(null, { method: 'GET', url: '/metrics' });
    expect(gauges.body).toContain('hashline_webhook_outbox_deliveries{status="pending"} 1');
    expect(gauges.body).toContain('hashline_webhook_outbox_deliveries{status="failed"} 5');
    clock.advance(90_000);
    const aged = await s.t.call(null, { method: 'GET', url: '/metrics' });
    expect(aged.body).toContain('hashline_webhook_outbox_oldest_pending_seconds 90');
    await drive(s.t.store, clock, [dispatcher]);
    expect(s.receiver.delivered()).toEqual([1]);

    const all = await s.t.call(s.writer, {
      method: 'POST',
      url: '/v1/banks/hooked/webhook-deliveries/redeliver',
      payload: { sinceSeq: 2 },
    });
    expect(all.json()).toEqual({ requeued: 5, sinceSeq: 2 });
    await drive(s.t.store, clock, [dispatcher]);
    expect(s.receiver.delivered()).toEqual(seqs(1, 6));
    expect(s.receiver.maxInFlight).toBe(1);
    expect((await s.t.store.listDeliveries({ limit: 100 })).every((d) => d.status === 'delivered')).toBe(
      true,
    );

    // A receiver that lost some asks again from its first missing seq: same bodies, same keys.
    const again = await s.t.call(s.writer, {
      method: 'POST',
      url: '/v1/banks/hooked/webhook-deliveries/redeliver',
      payload: { sinceSeq: 5 },
    });
    expect(again.json()).toEqual({ requeued: 2, sinceSeq: 5 });
    await drive(s.t.store, clock, [dispatcher]);
    expect(s.receiver.delivered()).toEqual([...seqs(1, 6), 5, 6]);
  });
});

describe('unordered delivery (HASHLINE_WEBHOOK_ORDERED=false)', () => {
  test('sends due deliveries to one endpoint side by side', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 5));
    const s = await setup(createMemoryStore(clock), clock);
    await s.notify(3);
    s.receiver.hold = true;
    const round = s.dispatcher(undefined, { ordered: false }).runOnce();
    for (let i = 0; s.receiver.heldCount < 3; i++) {
      if (i > 6_000) throw new Error(`the receiver got ${s.receiver.heldCount} of 3 at once`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    s.receiver.release();
    expect(await round).toBe(3);
    expect(s.receiver.maxInFlight).toBe(3);
    expect(s.receiver.delivered().sort()).toEqual([1, 2, 3]);
  });
});

describe('a deleted bank', () => {
  test('its queued notifications are marked failed instead of stalling every round', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 5));
    const s = await setup(createMemoryStore(clock), clock);
    await s.notify(2);
    expect((await s.t.call(s.writer, { method: 'DELETE', url: '/v1/banks/hooked' })).statusCode).toBe(204);
    // One round: failed for good, the first no longer holds back the second.
    expect(await s.dispatcher().runOnce()).toBe(2);
    await drive(s.t.store, clock, [s.dispatcher()]);
    const rows = await s.t.store.listDeliveries({ limit: 10 });
    expect(rows.map((d) => [d.seq, d.status, d.lastError])).toEqual([
      [2, 'failed', 'The bank was deleted.'],
      [1, 'failed', 'The bank was deleted.'],
    ]);
    expect(s.receiver.attempts).toEqual([]);
  });
});

describe('redelivery routes', () => {
  test('problem+json with stable codes: unknown id, in flight, bad body, unknown bank, wrong scope', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 5));
    const s = await setup(createMemoryStore(clock), clock);
    await s.notify(1);
    const [delivery] = await s.t.store.listDeliveries({ limit: 1 });

    const unknown = await s.t.call(s.writer, {
      method: 'POST',
      url: '/v1/webhook-deliveries/999999/redeliver',
    });
    expect(unknown.statusCode).toBe(404);
    expect(problemBody(unknown).code).toBe('WEBHOOK_DELIVERY_NOT_FOUND');
    const missing = await s.t.call(s.writer, { method: 'GET', url: '/v1/webhook-deliveries/999999' });
    expect(problemBody(missing).code).toBe('WEBHOOK_DELIVERY_NOT_FOUND');

    // Claimed by a dispatcher: an attempt is under way.
    await s.t.store.claimDueDeliveries(clock.now(), 10, 60_000);
    const busy = await s.t.call(s.writer, {
      method: 'POST',
      url: `/v1/webhook-deliveries/${delivery!.id}/redeliver`,
    });
    expect(busy.statusCode).toBe(409);
    expect(problemBody(busy).code).toBe('WEBHOOK_DELIVERY_IN_FLIGHT');
    const skipped = await s.t.call(s.writer, {
      method: 'POST',
      url: '/v1/banks/hooked/webhook-deliveries/redeliver',
      payload: { sinceSeq: 1 },
    });
    expect(skipped.json()).toEqual({ requeued: 0, sinceSeq: 1 });

    for (const payload of [
      {},
      { sinceSeq: 0 },
      { sinceSeq: 1.5 },
      { sinceSeq: '3' },
      { sinceSeq: 1, extra: true },
    ]) {
      const bad = await s.t.call(s.writer, {
        method: 'POST',
        url: '/v1/banks/hooked/webhook-deliveries/redeliver',
        payload,
      });
      expect(bad.statusCode, JSON.stringify(payload)).toBe(400);
      expect(problemBody(bad).code).toBe('VALIDATION_FAILED');
    }
    const noBank = await s.t.call(s.writer, {
      method: 'POST',
      url: '/v1/banks/nope/webhook-deliveries/redeliver',
      payload: { sinceSeq: 1 },
    });
    expect(problemBody(noBank).code).toBe('BANK_NOT_FOUND');

    const reader = await s.t.key(['banks:read']);
    const forbidden = await s.t.call(reader, {
      method: 'POST',
      url: `/v1/webhook-deliveries/${delivery!.id}/redeliver`,
    });
    expect(forbidden.statusCode).toBe(403);
    const admin = await s.t.key(['admin']);
    const shown = await s.t.call(admin, { method: 'GET', url: `/v1/webhook-deliveries/${delivery!.id}` });
    expect(shown.json()).toMatchObject({ id: delivery!.id, seq: 1, status: 'pending', attempts: 1 });
    expect(shown.json()).not.toHaveProperty('body');
  });
});

describe('two dispatchers on PostgreSQL (two stores, as two server processes)', () => {
  test('one delivery in flight per endpoint across both; a crashed claim comes back after its lease; seq order', async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 5));
    const schema = `hl_hooks_${randomBytes(6).toString('hex')}`;
    const open = () =>
      openPostgresStore({ connectionString: POSTGRES_URL, schema, maxConnections: 4, clock });
    const a = await open();
    const b = await open();
    cleanups.push(async () => {
      await a.close();
      await b.close();
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    });
    const s = await setup(a, clock);
    await s.notify(6);
    const dA = s.dispatcher(a);
    const dB = s.dispatcher(b);

    // A's attempt of seq 1 is under way (the receiver holds it): B finds nothing it may send.
    s.receiver.hold = true;
    const roundA = dA.runOnce();
    for (let i = 0; s.receiver.heldCount === 0; i++) {
      if (i > 6_000) throw new Error('the receiver never got the first attempt');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(await dB.runOnce()).toBe(0);
    s.receiver.answer = () => 500;
    s.receiver.release();
    expect(await roundA).toBe(1);
    expect(s.receiver.attempts.map((x) => [x.seq, x.status])).toEqual([[1, 500]]);

    // Process A crashes right after claiming seq 1 again: B waits for the lease, then takes it.
    const head = (await active(a)).find((d) => d.seq === 1);
    clock.set(head!.nextAttemptAt);
    const crashed = await a.claimDueDeliveries(clock.now(), 10, 40_000);
    expect(crashed.map((d) => d.seq)).toEqual([1]);
    expect(await dB.runOnce()).toBe(0);
    clock.advance(39_999);
    expect(await dB.runOnce()).toBe(0);
    clock.advance(1);

    // From here both race every round; the receiver fails two more attempts, then accepts.
    let failures = 2;
    s.receiver.answer = () => (failures-- > 0 ? 500 : 200);
    await drive(a, clock, [dA, dB]);
    expect(s.receiver.delivered()).toEqual(seqs(1, 6));
    expect(s.receiver.attempts.map((x) => x.seq)).toEqual([1, 1, 1, 1, ...seqs(2, 6)]);
    expect(s.receiver.maxInFlight).toBe(1);
    const rows = await b.listDeliveries({ limit: 10 });
    expect(rows.map((d) => [d.seq, d.status])).toEqual(
      seqs(1, 6)
        .reverse()
        .map((n) => [n, 'delivered']),
    );
    // Seq 1: the first attempt, the crashed claim, two failures and the success.
    expect(rows.at(-1)!.attempts).toBe(5);
  });
});
