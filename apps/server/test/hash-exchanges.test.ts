import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BankService,
  HashExchangeService,
  type HashExchangeClient,
  type HashExchangeStore,
  type HashlineStore,
} from '@hashline/domain';
import { openPostgresStore, openStore } from '@hashline/storage';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createApiKey } from '../src/auth/api-key-tokens.js';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';
import { HashlineChangesMock } from './support/hashline-changes-mock.js';
import { createTestApp, problemBody, randomPdq, type TestApp } from './support/test-app.js';

// Scheduled hash exchanges (issue 14 item 1) against a real second Hashline server and loopback
// sources, on SQLite and PostgreSQL.
const POSTGRES_URL = process.env.HASHLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Engine {
  readonly name: string;
  open(): Promise<{ store: HashlineStore; drop(): Promise<void> }>;
}

const ENGINES: Engine[] = [
  {
    name: 'sqlite',
    async open() {
      const file = join(mkdtempSync(join(tmpdir(), 'hashline-exchanges-')), 'hashline.db');
      return { store: await openStore(`sqlite:${file}`), drop: async () => {} };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = `hl_exch_${randomBytes(6).toString('hex')}`;
      return {
        store: await openPostgresStore({ connectionString: POSTGRES_URL, schema, maxConnections: 6 }),
        drop: async () => {
          const client = new pg.Client({ connectionString: POSTGRES_URL });
          await client.connect();
          await client.query(`drop schema if exists "${schema}" cascade`);
          await client.end();
        },
      };
    },
  },
];

function exchangeConfig() {
  return loadConfig({
    HASHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'hashline-exchanges-data-')),
    HASHLINE_LOG_LEVEL: 'info',
    HASHLINE_RATE_LIMIT_PER_SECOND: '100000',
    // The feed is served on loopback (the SSRF-safe fetcher refuses it otherwise).
    HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS: 'true',
    HASHLINE_EXCHANGE_MIN_INTERVAL_SECONDS: '1',
    HASHLINE_EXCHANGE_BACKOFF_MS: '60000',
  });
}

describe.each(ENGINES)('hash exchanges on $name', (kind) => {
  let opened: Awaited<ReturnType<Engine['open']>>;
  let t: TestApp;
  let admin: string;
  let partner: TestApp;
  let partnerUrl: string;
  let partnerWriter: string;
  let partnerReader: string;

  beforeAll(async () => {
    opened = await kind.open();
    t = await createTestApp({ store: opened.store, config: exchangeConfig(), captureLogs: true });
    admin = await t.key(['admin']);
    await t.call(admin, {
      method: 'POST',
      url: '/v1/banks',
      payload: { name: 'partner-hashes', kind: 'known_csam' },
    });
    // The partner: another Hashline server on loopback (its own memory store).
    partner = await createTestApp();
    partnerUrl = await partner.app.listen({ port: 0, host: '127.0.0.1' });
    partnerWriter = await partner.key(['banks:write']);
    partnerReader = await partner.key(['banks:read']);
    await partner.call(partnerWriter, {
      method: 'POST',
      url: '/v1/banks',
      payload: { name: 'shared', kind: 'known_csam' },
    });
  });
  afterAll(async () => {
    await partner?.close();
    await t?.close();
    await opened?.store.close();
    await opened?.drop();
  });

  const bankEntries = async (bank: string) =>
    (await t.call(admin, { method: 'GET', url: `/v1/banks/${bank}/entries?limit=1000` })).json().entries as {
      id: number;
      value: string;
      classification: { industry?: string };
      provenance: { source: string; externalId: string | null; member: string | null };
    }[];

  test('a hashline exchange follows the partner: pages, updates, deletions, provenance, audit, and never shows its key', async () => {
    const values = [randomPdq(), randomPdq(), randomPdq(), randomPdq(), randomPdq()];
    const added = await partner.call(partnerWriter, {
      method: 'POST',
      url: '/v1/banks/shared/entries',
      payload: {
        entries: values.map((value) => ({
          signalType: 'pdq',
          value,
          quality: 100,
          classification: { industry: 'A1' },
        })),
      },
    });
    expect(added.statusCode).toBe(201);
    const ids: number[] = added.json().created.map((e: { id: number }) => e.id);

    const created = await t.call(admin, {
      method: 'POST',
      url: '/v1/exchanges',
      payload: {
        name: 'partner',
        bank: 'partner-hashes',
        type: 'hashline',
        endpointUrl: partnerUrl,
        intervalSeconds: 3600,
        options: { bank: 'shared', pageSize: 2 },
        credentials: { apiKey: partnerReader },
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      name: 'partner',
      bank: 'partner-hashes',
      hasCredentials: true,
      paused: false,
    });

    const run = await t.call(admin, { method: 'POST', url: '/v1/exchanges/partner/run' });
    expect(run.statusCode).toBe(200);
    const status = run.json().status;
    expect(status.lastErrorKind).toBeNull();
    expect(status.lastSuccessAt).not.toBeNull();
    // Five entries (and the bank's creation) in pages of two.
    expect(status.counts.pages).toBeGreaterThanOrEqual(3);
    expect(status.counts.added).toBe(5);
    let entries = await bankEntries('partner-hashes');
    expect(entries.map((e) => e.value).sort()).toEqual([...values].sort());
    for (const entry of entries) {
      expect(entry.provenance.source).toBe('exchange:partner');
      expect(entry.provenance.member).toBe('shared');
    }

    // The partner reclassifies one, disables one and deletes one: each applies here.
    await partner.call(partnerWriter, {
      method: 'PATCH',
      url: `/v1/entries/${ids[0]}`,
      payload: { classification: { industry: 'B1' } },
    });
    await partner.call(partnerWriter, {
      method: 'PATCH',
      url: `/v1/entries/${ids[1]}`,
      payload: { disabled: true },
    });
    await partner.call(partnerWriter, { method: 'DELETE', url: `/v1/entries/${ids[2]}` });
    const second = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/partner/run' })).json();
    expect(second.status.counts).toMatchObject({ added: 0, updated: 1, withdrawn: 2 });
    entries = await bankEntries('partner-hashes');
    expect(entries.map((e) => e.value).sort()).toEqual([values[0], values[3], values[4]].sort());
    expect(entries.find((e) => e.value === values[0])!.classification.industry).toBe('B1');

    // A run with nothing new changes nothing.
    const third = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/partner/run' })).json();
    expect(third.status.counts).toMatchObject({ added: 0, updated: 0, withdrawn: 0 });

    // Every change is in our change feed and in the audit chain under the exchange's name.
    const changes = (await t.call(admin, { method: 'GET', url: '/v1/changes?limit=1000' })).json()
      .changes as {
      op: string;
      bank: string | null;
    }[];
    const ours = changes.filter((c) => c.bank === 'partner-hashes' && c.op.startsWith('entry_'));
    expect(ours.filter((c) => c.op === 'entry_upsert')).toHaveLength(6);
    expect(ours.filter((c) => c.op === 'entry_delete')).toHaveLength(2);
    const audit = await t.app.hashlineHotline.store.listAudit({ limit: 1000, actor: 'exchange:partner' });
    expect(audit.length).toBeGreaterThanOrEqual(2);
    expect(
      audit.every((row) => row.action === 'bank_import_applied' && row.subjectId === 'partner-hashes'),
    ).toBe(true);
    const configured = await t.app.hashlineHotline.store.listAudit({
      limit: 1000,
      action: 'hash_exchange_changed',
    });
    expect(configured.find((row) => row.subjectId === 'partner')).toMatchObject({
      subjectType: 'hash_exchange',
      details: { change: 'created', type: 'hashline', bank: 'partner-hashes' },
    });
    expect(JSON.stringify(configured)).not.toContain(partnerReader);

    // The key went to the partner and nowhere else: no API answer, no log line holds it.
    const answers = [
      created.body,
      run.body,
      (await t.call(admin, { method: 'GET', url: '/v1/exchanges' })).body,
      (await t.call(admin, { method: 'GET', url: '/v1/exchanges/partner' })).body,
      (await t.call(null, { method: 'GET', url: '/metrics' })).body,
    ];
    const secret = partnerReader.split('_').pop()!;
    for (const text of [...answers, ...t.logs]) {
      expect(text).not.toContain(partnerReader);
      expect(text).not.toContain(secret);
    }
    expect(t.logs.some((line) => line.includes('hash exchange run ended'))).toBe(true);
    const metrics = answers[4]!;
    expect(metrics).toMatch(/hashline_exchange_runs_total\{exchange="partner",outcome="ok"\} 3/);
    expect(metrics).toMatch(/hashline_exchange_records_total\{exchange="partner",kind="added"\} 5/);
    expect(metrics).toMatch(/hashline_exchange_seconds_since_success\{exchange="partner"\}/);
  });

  test('5xx and 429 back off (honouring Retry-After), 401 pauses until new credentials arrive', async () => {
    const mock = new HashlineChangesMock('hl_mock_secret-token-value');
    await mock.start();
    try {
      mock.add({
        op: 'entry_upsert',
        entryId: 1,
        bank: 'b',
        signalType: 'md5',
        value: 'a'.repeat(32),
        active: true,
        entry: { classification: {} },
      });
      const created = await t.call(admin, {
        method: 'POST',
        url: '/v1/exchanges',
        payload: {
          name: 'flaky',
          bank: 'partner-hashes',
          type: 'hashline',
          endpointUrl: mock.url,
          credentials: { apiKey: mock.token },
        },
      });
      expect(created.statusCode).toBe(201);

      mock.failNext(429, { 'retry-after': '600' });
      let before = Date.now();
      let status = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/flaky/run' })).json();
      expect(status.status).toMatchObject({ lastErrorKind: 'transient', consecutiveFailures: 1 });
      expect(status.status.lastErrorMessage).toContain('429');
      expect(Date.parse(status.status.nextRunAt)).toBeGreaterThanOrEqual(before + 600_000);

      mock.failNext(503);
      before = Date.now();
      status = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/flaky/run' })).json();
      // The second failure in a row: twice the base back-off.
      expect(status.status).toMatchObject({ lastErrorKind: 'transient', consecutiveFailures: 2 });
      expect(Date.parse(status.status.nextRunAt)).toBeGreaterThanOrEqual(before + 120_000);

      status = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/flaky/run' })).json();
      expect(status.status).toMatchObject({ lastErrorKind: null, consecutiveFailures: 0 });
      expect(status.status.counts.added).toBe(1);

      mock.failNext(401);
      status = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/flaky/run' })).json();
      expect(status).toMatchObject({ paused: true });
      expect(status.pausedReason).toMatch(/^unauthorized/);
      expect(status.status.lastErrorKind).toBe('unauthorized');
      const refused = await t.call(admin, { method: 'POST', url: '/v1/exchanges/flaky/run' });
      expect(refused.statusCode).toBe(409);
      expect(problemBody(refused).code).toBe('HASH_EXCHANGE_PAUSED');
      // New credentials resume it.
      const patched = await t.call(admin, {
        method: 'PATCH',
        url: '/v1/exchanges/flaky',
        payload: { credentials: { apiKey: mock.token } },
      });
      expect(patched.json()).toMatchObject({ paused: false });
      status = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/flaky/run' })).json();
      expect(status.status.lastErrorKind).toBeNull();
      for (const line of t.logs) expect(line).not.toContain(mock.token);
      const listed = await t.call(admin, { method: 'GET', url: '/metrics' });
      expect(listed.body).toMatch(/hashline_exchange_errors_total\{exchange="flaky",kind="transient"\} 2/);
      expect(listed.body).toMatch(/hashline_exchange_errors_total\{exchange="flaky",kind="unauthorized"\} 1/);
    } finally {
      await mock.stop();
    }
  });

  test('uploads (opt-in) add our confirmed hashes to the partner once each, with our ids as provenance', async () => {
    const mock = new HashlineChangesMock('hl_mock_upload-token');
    await mock.start();
    try {
      await t.call(admin, {
        method: 'POST',
        url: '/v1/banks',
        payload: { name: 'confirmed', kind: 'known_csam' },
      });
      const first = [randomPdq(), randomPdq()];
      const added = await t.call(admin, {
        method: 'POST',
        url: '/v1/banks/confirmed/entries',
        payload: {
          entries: first.map((value) => ({
            signalType: 'pdq',
            value,
            quality: 100,
            classification: { industry: 'A1' },
          })),
        },
      });
      const ids = (added.json().created as { id: number }[]).map((e) => String(e.id));
      const created = await t.call(admin, {
        method: 'POST',
        url: '/v1/exchanges',
        payload: {
          name: 'push',
          bank: 'partner-hashes',
          type: 'hashline',
          endpointUrl: mock.url,
          upload: true,
          options: { uploadBank: 'confirmed', partnerBank: 'theirs' },
          credentials: { apiKey: mock.token },
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(
        (await t.call(admin, { method: 'POST', url: '/v1/exchanges/push/run' })).json().status.lastErrorKind,
      ).toBeNull();
      expect(mock.uploads).toHaveLength(1);
      const body = mock.uploads[0]!.body as {
        entries: {
          value: string;
          classification?: unknown;
          provenance: { source: string; externalId: string };
        }[];
      };
      expect(mock.uploads[0]!.bank).toBe('theirs');
      expect(body.entries.map((e) => e.value).sort()).toEqual([...first].sort());
      expect(body.entries.map((e) => e.provenance.externalId).sort()).toEqual([...ids].sort());
      expect(body.entries.every((e) => e.provenance.source === 'hashline-partner:push')).toBe(true);
      expect(body.entries[0]!.classification).toEqual({ industry: 'A1' });

      // Nothing new: nothing sent again. One more confirmed hash: only it.
      await t.call(admin, { method: 'POST', url: '/v1/exchanges/push/run' });
      expect(mock.uploads).toHaveLength(1);
      const later = randomPdq();
      await t.call(admin, {
        method: 'POST',
        url: '/v1/banks/confirmed/entries',
        payload: { entries: [{ signalType: 'pdq', value: later, quality: 100 }] },
      });
      await t.call(admin, { method: 'POST', url: '/v1/exchanges/push/run' });
      expect(mock.uploads).toHaveLength(2);
      expect((mock.uploads[1]!.body as { entries: { value: string }[] }).entries.map((e) => e.value)).toEqual(
        [later],
      );
    } finally {
      await mock.stop();
    }
  });

  test('an uploaded entry we delete or disable is withdrawn at the partner (a real server) exactly once', async () => {
    const partnerBoth = await partner.key(['banks:read', 'banks:write']);
    await partner.call(partnerBoth, {
      method: 'POST',
      url: '/v1/banks',
      payload: { name: 'received', kind: 'known_csam' },
    });
    await t.call(admin, {
      method: 'POST',
      url: '/v1/banks',
      payload: { name: 'outbox', kind: 'known_csam' },
    });
    const values = [randomPdq(), randomPdq(), randomPdq()];
    const added = await t.call(admin, {
      method: 'POST',
      url: '/v1/banks/outbox/entries',
      payload: { entries: values.map((value) => ({ signalType: 'pdq', value, quality: 100 })) },
    });
    const ours = added.json().created as { id: number; value: string }[];
    const created = await t.call(admin, {
      method: 'POST',
      url: '/v1/exchanges',
      payload: {
        name: 'push-real',
        bank: 'partner-hashes',
        type: 'hashline',
        endpointUrl: partnerUrl,
        upload: true,
        options: { bank: 'shared', uploadBank: 'outbox', partnerBank: 'received' },
        credentials: { apiKey: partnerBoth },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const received = async () =>
      (await partner.call(partnerBoth, { method: 'GET', url: '/v1/banks/received/entries?limit=100' })).json()
        .entries as { value: string; provenance: { source: string; externalId: string } }[];
    const withdrawalCalls: string[] = [];
    const realFetch = globalThis.fetch;
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.endsWith('/withdrawals')) withdrawalCalls.push(String(init?.body ?? ''));
      return realFetch(input, init);
    });
    try {
      const run = async () => {
        const status = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/push-real/run' })).json()
          .status;
        expect(status.lastErrorKind, status.lastErrorMessage).toBeNull();
      };
      await run();
      expect((await received()).map((e) => e.value).sort()).toEqual([...values].sort());
      expect((await received()).every((e) => e.provenance.source === 'hashline-partner:push-real')).toBe(
        true,
      );
      expect(withdrawalCalls).toHaveLength(0);

      // We delete one and disable another: the next run withdraws both there, once.
      await t.call(admin, { method: 'DELETE', url: `/v1/entries/${ours[0]!.id}` });
      await t.call(admin, {
        method: 'PATCH',
        url: `/v1/entries/${ours[1]!.id}`,
        payload: { disabled: true },
      });
      await run();
      expect((await received()).map((e) => e.value)).toEqual([ours[2]!.value]);
      expect(withdrawalCalls).toHaveLength(1);
      expect(JSON.parse(withdrawalCalls[0]!)).toEqual({
        withdrawals: [ours[0]!, ours[1]!]
          .map((e) => ({ source: 'hashline-partner:push-real', externalId: String(e.id) }))
          .sort((a, b) => a.externalId.localeCompare(b.externalId)),
      });
      await run();
      expect(withdrawalCalls).toHaveLength(1);
      expect(await received()).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });

  test('a platform votes on its own match records only; the vote is kept for the exchanges', async () => {
    const [platformA, platformB] = [await t.key(['match']), await t.key(['match'])];
    await t.call(admin, { method: 'POST', url: '/v1/banks', payload: { name: 'voted', kind: 'known_csam' } });
    const value = randomPdq();
    const added = await t.call(admin, {
      method: 'POST',
      url: '/v1/banks/voted/entries',
      payload: {
        entries: [
          {
            signalType: 'pdq',
            value,
            quality: 100,
            provenance: { source: 'exchange:ncmec-x', externalId: 'e1', member: '42' },
          },
        ],
      },
    });
    const entry = added.json().created[0] as { id: number; bankId: number };
    const answer = (
      await t.call(platformA, {
        method: 'POST',
        url: '/v1/match',
        payload: { hashes: [{ signalType: 'pdq', value }] },
      })
    ).json().results[0] as { recordId: number };
    expect(answer.recordId).toEqual(expect.any(Number));
    const voteOn = (key: string, payload: Record<string, unknown>) =>
      t.call(key, { method: 'POST', url: `/v1/match-records/${answer.recordId}/feedback`, payload });

    const foreign = await voteOn(platformB, { verdict: 'confirmed' });
    expect(foreign.statusCode).toBe(404);
    expect(problemBody(foreign).code).toBe('MATCH_RECORD_NOT_FOUND');
    expect((await voteOn(platformA, { verdict: 'yes' })).statusCode).toBe(400);
    const unmatched = await voteOn(platformA, { verdict: 'confirmed', entryId: entry.id + 100_000 });
    expect(unmatched.statusCode).toBe(400);
    expect(problemBody(unmatched).code).toBe('VALIDATION_FAILED');

    const exchangeStore = (opened.store as unknown as { hashExchanges: HashExchangeStore }).hashExchanges;
    expect(await exchangeStore.listPendingFeedback(1, entry.bankId, 'exchange:ncmec-x', 10)).toEqual([]);
    const voted = await voteOn(platformA, { verdict: 'false-positive' });
    expect(voted.statusCode, voted.body).toBe(200);
    expect(voted.json()).toEqual({
      matchRecordId: answer.recordId,
      verdict: 'false-positive',
      entryIds: [entry.id],
    });
    // Answered after the commit: the outbox holds it, with the entry's provenance from that source.
    expect(await exchangeStore.listPendingFeedback(1, entry.bankId, 'exchange:ncmec-x', 10)).toEqual([
      {
        entryId: entry.id,
        version: 1,
        verdict: 'false-positive',
        signalType: 'pdq',
        value,
        provenances: [{ externalId: 'e1', member: '42' }],
      },
    ]);
  });

  test('a run that fails part-way resumes from its last committed page: nothing applied twice', async () => {
    const mock = new HashlineChangesMock('hl_mock_other-token');
    await mock.start();
    try {
      const values = Array.from({ length: 6 }, () => randomPdq());
      values.forEach((value, i) =>
        mock.add({
          op: 'entry_upsert',
          entryId: 100 + i,
          bank: 'b',
          signalType: 'pdq',
          value,
          active: true,
          entry: { quality: 100, classification: { industry: 'A2' } },
        }),
      );
      await t.call(admin, {
        method: 'POST',
        url: '/v1/banks',
        payload: { name: 'resumed', kind: 'known_csam' },
      });
      await t.call(admin, {
        method: 'POST',
        url: '/v1/exchanges',
        payload: {
          name: 'resumable',
          bank: 'resumed',
          type: 'hashline',
          endpointUrl: mock.url,
          options: { pageSize: 2 },
          credentials: { apiKey: mock.token },
        },
      });
      // Pages 1 and 2 commit; the third fetch fails (the run stops there, as a killed process would).
      mock.failAt(mock.requests + 3, 503);
      const first = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/resumable/run' })).json();
      expect(first.status).toMatchObject({ lastErrorKind: 'transient', hasCheckpoint: true });
      expect(first.status.counts).toMatchObject({ pages: 2, added: 4 });
      expect(await bankEntries('resumed')).toHaveLength(4);
      expect(mock.afters).toEqual([0, 2]);

      const second = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/resumable/run' })).json();
      expect(second.status.lastErrorKind).toBeNull();
      // It starts after the last committed page, not from the beginning.
      expect(mock.afters).toEqual([0, 2, 4]);
      expect(second.status.counts).toMatchObject({ pages: 1, added: 2 });
      const entries = await bankEntries('resumed');
      expect(entries.map((e) => e.value).sort()).toEqual([...values].sort());
      const changes = (await t.call(admin, { method: 'GET', url: '/v1/changes?limit=10000' })).json()
        .changes as {
        op: string;
        bank: string | null;
      }[];
      expect(changes.filter((c) => c.bank === 'resumed' && c.op === 'entry_upsert')).toHaveLength(6);
    } finally {
      await mock.stop();
    }
  });

  test('a feed is a full snapshot: unchanged files change nothing, dropped rows are withdrawn, other sources stay', async () => {
    const [a, b, c] = [randomPdq(), randomPdq(), randomPdq()];
    let body = `signal_type,value,quality,industry\npdq,${a},100,A1\npdq,${b},100,A1\npdq,${c},100,A1\n`;
    let etag = '"v1"';
    let conditionalHits = 0;
    const server: Server = createServer((req, res) => {
      if (req.headers['if-none-match'] === etag) {
        conditionalHits++;
        res.writeHead(304, { etag });
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'text/csv', etag });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const feedUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hashes.csv`;
    try {
      await t.call(admin, {
        method: 'POST',
        url: '/v1/banks',
        payload: { name: 'feed-bank', kind: 'known_csam' },
      });
      // Another source vouches for b already: the feed dropping b must leave it.
      await t.call(admin, {
        method: 'POST',
        url: '/v1/banks/feed-bank/entries',
        payload: {
          entries: [
            {
              signalType: 'pdq',
              value: b,
              quality: 100,
              provenance: { source: 'manual-list', externalId: 'x1' },
            },
          ],
        },
      });
      const created = await t.call(admin, {
        method: 'POST',
        url: '/v1/exchanges',
        payload: { name: 'list', bank: 'feed-bank', type: 'feed', endpointUrl: feedUrl },
      });
      expect(created.statusCode).toBe(201);
      let run = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/list/run' })).json();
      expect(run.status.lastErrorKind).toBeNull();
      expect(run.status.counts).toMatchObject({ added: 2, withdrawn: 0 });
      expect((await bankEntries('feed-bank')).map((e) => e.value).sort()).toEqual([a, b, c].sort());

      // Unchanged (304 on the validators we sent back): nothing applied.
      run = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/list/run' })).json();
      expect(conditionalHits).toBe(1);
      expect(run.status.counts).toMatchObject({ added: 0, updated: 0, withdrawn: 0 });
      // Same bytes under a new ETag: the content hash says unchanged.
      etag = '"v2"';
      run = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/list/run' })).json();
      expect(run.status.counts).toMatchObject({ added: 0, updated: 0, withdrawn: 0, unchanged: 0 });

      // A new snapshot: a reclassified, b and c dropped.
      body = `signal_type,value,quality,industry\npdq,${a},100,B2\n`;
      etag = '"v3"';
      run = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/list/run' })).json();
      expect(run.status.lastErrorKind).toBeNull();
      expect(run.status.counts).toMatchObject({ updated: 1, withdrawn: 1 });
      const entries = await bankEntries('feed-bank');
      // c is gone; b stays with its other source; a is reclassified.
      expect(entries.map((e) => e.value).sort()).toEqual([a, b].sort());
      expect(entries.find((e) => e.value === a)!.classification.industry).toBe('B2');
      expect(entries.find((e) => e.value === b)!.provenance.source).toBe('manual-list');

      // A snapshot whose rows cannot be read withdraws nothing (nor does one with a bad row).
      body = `signal_type,value,quality,industry\npdq,nothex,100,A1\n`;
      etag = '"v3b"';
      run = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/list/run' })).json();
      expect(run.status.lastErrorKind).toBe('protocol');
      body = `signal_type,value,quality,industry\npdq,${a},100,B2\npdq,nothex,100,A1\n`;
      etag = '"v3c"';
      await t.call(admin, { method: 'POST', url: '/v1/exchanges/list/resume' });
      run = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/list/run' })).json();
      expect(run.status).toMatchObject({ lastErrorKind: null, counts: { errors: 1, withdrawn: 0 } });
      expect((await bankEntries('feed-bank')).map((e) => e.value).sort()).toEqual([a, b].sort());

      // A file that breaks part-way changes nothing (it would withdraw the unread rest).
      body = '<?xml version="1.0"?><root><unclosed>';
      etag = '"v4"';
      run = (await t.call(admin, { method: 'POST', url: '/v1/exchanges/list/run' })).json();
      expect(run.status.lastErrorKind).toBe('protocol');
      expect((await bankEntries('feed-bank')).map((e) => e.value).sort()).toEqual([a, b].sort());
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('refusals: a bank of published material, an unknown type, a taken name, bad fields', async () => {
    await t.call(admin, {
      method: 'POST',
      url: '/v1/banks',
      payload: { name: 'published', kind: 'known_csam', fourEyes: true },
    });
    const published = await t.call(admin, {
      method: 'POST',
      url: '/v1/exchanges',
      payload: {
        name: 'into-published',
        bank: 'published',
        type: 'feed',
        endpointUrl: 'http://127.0.0.1:9/x.csv',
      },
    });
    expect(published.statusCode).toBe(409);
    expect(problemBody(published).code).toBe('HASH_EXCHANGE_BANK_PUBLISHED');
    const bad = await t.call(admin, {
      method: 'POST',
      url: '/v1/exchanges',
      payload: {
        name: 'Bad Name',
        bank: 'partner-hashes',
        type: 'hashline',
        endpointUrl: 'ftp://x',
        intervalSeconds: 0,
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      problemBody(bad)
        .errors!.map((e) => e.at)
        .sort(),
    ).toEqual(['endpointUrl', 'intervalSeconds', 'name']);
    const noKey = await t.call(admin, {
      method: 'POST',
      url: '/v1/exchanges',
      payload: { name: 'nokey', bank: 'partner-hashes', type: 'hashline', endpointUrl: 'http://127.0.0.1:9' },
    });
    expect(problemBody(noKey).errors!.map((e) => e.at)).toEqual(['credentials/apiKey']);
    const taken = await t.call(admin, {
      method: 'POST',
      url: '/v1/exchanges',
      payload: {
        name: 'list',
        bank: 'partner-hashes',
        type: 'feed',
        endpointUrl: 'http://127.0.0.1:9/x.csv',
      },
    });
    expect(problemBody(taken).code).toBe('HASH_EXCHANGE_NAME_TAKEN');
    const missing = await t.call(admin, { method: 'GET', url: '/v1/exchanges/nothing-here' });
    expect(problemBody(missing).code).toBe('HASH_EXCHANGE_NOT_FOUND');
    const writer = await t.key(['banks:write']);
    expect((await t.call(writer, { method: 'GET', url: '/v1/exchanges' })).statusCode).toBe(403);
  });

  test('the workbench lists exchanges to admins, who run, pause and resume them; analysts are refused', async () => {
    const auth = t.app.hashlineHotline.auth;
    const password = 'correct horse battery';
    await auth.createAnalyst({ username: 'root', displayName: 'Ada Admin', role: 'admin', password }, null);
    await auth.createAnalyst(
      { username: 'ana', displayName: 'Ana Analyst', role: 'analyst', password },
      null,
    );
    const signIn = async (username: string) => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/workbench/session',
        payload: { username, password },
      });
      expect(response.statusCode, response.body).toBe(200);
      const cookie = String(response.headers['set-cookie']).split(';')[0]!;
      const csrf = response.json().csrfToken as string;
      return (method: 'GET' | 'POST', url: string) =>
        t.app.inject({
          method,
          url,
          headers: { cookie, ...(method === 'POST' ? { 'x-csrf-token': csrf } : {}) },
        });
    };
    const root = await signIn('root');
    const listed = await root('GET', '/v1/workbench/hash-exchanges');
    expect(listed.statusCode).toBe(200);
    const names = (listed.json().items as { name: string }[]).map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(['partner', 'flaky', 'resumable', 'list']));
    expect(listed.body).not.toContain(partnerReader);
    const paused = await root('POST', '/v1/workbench/hash-exchanges/partner/pause');
    expect(paused.json().item).toMatchObject({ paused: true, pausedReason: 'paused by analyst:root' });
    const refused = await root('POST', '/v1/workbench/hash-exchanges/partner/run');
    expect(problemBody(refused).code).toBe('HASH_EXCHANGE_PAUSED');
    expect((await root('POST', '/v1/workbench/hash-exchanges/partner/resume')).json().item.paused).toBe(
      false,
    );
    const audited = await t.app.hashlineHotline.store.listAudit({ limit: 1000, actor: 'analyst:root' });
    expect(audited.map((row) => row.details.change)).toEqual(expect.arrayContaining(['paused', 'resumed']));
    const ran = await root('POST', '/v1/workbench/hash-exchanges/partner/run');
    expect(ran.json().item.status.lastErrorKind).toBeNull();
    const ana = await signIn('ana');
    expect(problemBody(await ana('GET', '/v1/workbench/hash-exchanges')).code).toBe('ROLE_REQUIRED');
    // An API key never reaches workbench routes, admin or not.
    expect((await t.call(admin, { method: 'GET', url: '/v1/workbench/hash-exchanges' })).statusCode).not.toBe(
      200,
    );
  });

  test('two processes never run one exchange at once, and a commit after losing the lease writes nothing', async () => {
    const exchangeStore = (opened.store as unknown as { hashExchanges: HashExchangeStore }).hashExchanges;
    const banks = new BankService(opened.store);
    await banks.createBank({ name: 'leased', kind: 'known_csam' });
    let fetches = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowClient = (): HashExchangeClient => ({
      type: 'feed',
      async fetchPage() {
        fetches++;
        await gate;
        return {
          records: [{ kind: 'hash', line: 1, hash: { signalType: 'md5', value: 'c'.repeat(32) } }],
          checkpoint: 'done',
          caughtUp: true,
        };
      },
    });
    const service = (claimant: string) =>
      new HashExchangeService({
        store: exchangeStore,
        banks,
        clients: { feed: { create: slowClient } },
        secrets: { sealText: (_p, text) => text, openText: (_p, text) => text },
        clock: { now: () => new Date() },
        claimant,
      });
    const [one, two] = [service('process-one'), service('process-two')];
    await one.create(
      { name: 'leased-feed', bank: 'leased', type: 'feed', endpointUrl: 'http://127.0.0.1:9/f' },
      'test',
    );
    const runs = [one.runDue(), two.runDue()];
    await expect.poll(() => fetches).toBe(1);
    release();
    const ran = await Promise.all(runs);
    expect(ran.sort()).toEqual([0, 1]);
    expect(fetches).toBe(1);
    const after = await one.get('leased-feed');
    expect(after).toMatchObject({ checkpoint: 'done', leasedBy: null, lastErrorKind: null });
    expect(after.counts.added).toBe(1);

    // A process whose lease was taken over commits nothing (its transaction rolls back).
    const bank = await banks.getBank('leased');
    await expect(
      exchangeStore.commitPage({
        exchangeId: after.id,
        claimant: 'process-gone',
        fromCheckpoint: 'done',
        toCheckpoint: 'later',
        bankId: bank.id,
        operations: [
          {
            kind: 'upsert',
            entry: { signalType: 'md5', value: 'd'.repeat(32), provenance: { source: 'x' } },
          },
        ],
        addedBy: 'exchange:leased-feed',
        extra: { pages: 1, skipped: 0, errors: 0 },
        at: new Date(),
      }),
    ).rejects.toMatchObject({ code: 'HASH_EXCHANGE_LEASE_LOST' });
    expect((await banks.listEntries('leased', { limit: 10 })).entries.map((e) => e.value)).toEqual([
      'c'.repeat(32),
    ]);
    expect((await one.get('leased-feed')).checkpoint).toBe('done');
  });
});

describe('the scheduler of a running server', () => {
  test('runs due exchanges on their interval without being asked, and stops with the server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hashline-exchange-scheduler-'));
    let body = `signal_type,value,quality\npdq,${randomPdq()},100\n`;
    const feed = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(body);
    });
    await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
    const server = await startServer({
      config: loadConfig({
        HASHLINE_DATA_DIR: dir,
        HASHLINE_DATABASE_URL: `sqlite:${join(dir, 'hashline.db')}`,
        PORT: '0',
        HASHLINE_LOG_LEVEL: 'silent',
        HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS: 'true',
        HASHLINE_CAPTURE_WORKER: 'false',
        HASHLINE_EXCHANGE_POLL_MS: '50',
        HASHLINE_EXCHANGE_MIN_INTERVAL_SECONDS: '1',
      }),
      indexWorkers: false,
      bootstrapAdmin: false,
    });
    try {
      const { token } = await createApiKey(server.store, {
        name: 'admin',
        scopes: ['admin'],
        rateLimitPerSecond: null,
      });
      const call = (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
        server.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${token}` },
          ...(payload ? { payload } : {}),
        });
      await call('POST', '/v1/banks', { name: 'scheduled', kind: 'known_csam' });
      const port = (feed.address() as AddressInfo).port;
      await call('POST', '/v1/exchanges', {
        name: 'every-second',
        bank: 'scheduled',
        type: 'feed',
        endpointUrl: `http://127.0.0.1:${port}/list.txt`,
        options: { format: 'csv' },
        intervalSeconds: 1,
      });
      const status = async () => (await call('GET', '/v1/exchanges/every-second')).json().status;
      await expect.poll(async () => (await status()).lastSuccessAt, { timeout: 30_000 }).not.toBeNull();
      const entries = async () =>
        ((await call('GET', '/v1/banks/scheduled/entries')).json().entries as unknown[]).length;
      expect(await entries()).toBe(1);
      // The next snapshot arrives at the next interval: one hash replaced by two others.
      body = `signal_type,value,quality\npdq,${randomPdq()},100\npdq,${randomPdq()},100\n`;
      await expect.poll(entries, { timeout: 30_000 }).toBe(2);
    } finally {
      await server.close();
      await new Promise<void>((resolve) => feed.close(() => resolve()));
    }
  });
});
