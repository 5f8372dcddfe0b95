// The last pieces of hash exchanges (issue 14), on SQLite and PostgreSQL against the loopback
// NCMEC and StopNCII mocks: feedback votes flow back to the source an entry came from (and only
// there, and only where the exchange sends feedback), a transient failure leaves a vote pending
// for the next run, a refusal is not repeated; two exchanges of one type on one bank keep their
// provenance apart; a further source seen again moves its last-seen time. Hash values are digests
// of benign labels.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BankService,
  HashExchangeService,
  type HashExchangeClientRegistry,
  type HashExchangeStore,
  type HashlineStore,
} from '@hashline/domain';
import { openPostgresStore, openStore } from '@hashline/storage';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  dropSchema,
  POSTGRES_TEST_URL,
  requirePostgres,
} from '../../../../packages/storage/test/support/postgres.js';
import {
  ncmecExchangeClients,
  stopNciiExchangeClients,
} from '../../src/hash-exchanges/clients/exchange-client-factories.js';
import {
  NCMEC_MOCK_REASONS,
  startNcmecMock,
  type NcmecMock,
} from '../support/hash-exchange-mocks/ncmec-mock.js';
import { startStopNciiMock, type StopNciiMock } from '../support/hash-exchange-mocks/stopncii-mock.js';

const digest = (algorithm: string, label: string) => createHash(algorithm).update(label).digest('hex');
const T0 = new Date(Date.UTC(2026, 0, 10, 12));
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

interface Opened {
  store: HashlineStore;
  /** Rows of a query on the store's database (the sources' seen times are not in the API). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

const ENGINES = [
  {
    name: 'sqlite',
    async open(): Promise<Opened> {
      const file = join(mkdtempSync(join(tmpdir(), 'hashline-feedback-')), 'hashline.db');
      return {
        store: await openStore(`sqlite:${file}`),
        async rows(sql) {
          const db = new Database(file, { readonly: true });
          try {
            return db.prepare(sql).all() as Record<string, unknown>[];
          } finally {
            db.close();
          }
        },
        drop: async () => {},
      };
    },
  },
  {
    name: 'postgres',
    async open(): Promise<Opened> {
      await requirePostgres();
      const schema = `hl_test_${randomBytes(6).toString('hex')}`;
      const store = await openPostgresStore({
        connectionString: POSTGRES_TEST_URL,
        schema,
        maxConnections: 4,
      });
      return {
        store,
        async rows(sql) {
          const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
          await client.connect();
          try {
            await client.query(`set search_path to "${schema}"`);
            return (await client.query(sql)).rows as Record<string, unknown>[];
          } finally {
            await client.end();
          }
        },
        drop: () => dropSchema(schema),
      };
    },
  },
];

describe.each(ENGINES)('exchange feedback and provenance on $name', (engine) => {
  let ncmec: NcmecMock;
  let ncmecTest: NcmecMock;
  let stopncii: StopNciiMock;
  let opened: Opened;
  let clock: Date;
  let banks: BankService;
  let exchanges: HashExchangeService;

  beforeEach(async () => {
    [ncmec, ncmecTest, stopncii] = await Promise.all([
      startNcmecMock(),
      startNcmecMock(),
      startStopNciiMock(),
    ]);
    opened = await engine.open();
    clock = at(120);
    banks = new BankService(opened.store);
    await banks.createBank({ name: 'shared-hashes', kind: 'known_csam' });
    const http = { allowHttpForTests: true, retryDelayMs: () => 0, now: () => clock };
    const clients: HashExchangeClientRegistry = {
      ncmec: ncmecExchangeClients(http),
      stopncii: stopNciiExchangeClients(http),
    };
    exchanges = new HashExchangeService({
      store: (opened.store as unknown as { hashExchanges: HashExchangeStore }).hashExchanges,
      banks,
      clients,
      secrets: { sealText: (_purpose, text) => text, openText: (_purpose, text) => text },
      clock: { now: () => clock },
      claimant: 'test-process',
    });
  });
  afterEach(async () => {
    await opened.store.close();
    await opened.drop();
    await Promise.all([ncmec.close(), ncmecTest.close(), stopncii.close()]);
  });

  function image(member: string, id: string, label: string, classification = 'A1') {
    return {
      member: { id: member, name: `Member ${member}` },
      id,
      kind: 'image' as const,
      classification,
      fingerprints: { pdq: digest('sha256', label) },
    };
  }

  async function ncmecExchange(name: string, mock: NcmecMock, feedback: boolean) {
    return exchanges.create(
      {
        name,
        bank: 'shared-hashes',
        type: 'ncmec',
        endpointUrl: mock.baseUrl,
        feedback,
        options: { startTime: T0.toISOString(), negativeFeedbackReason: NCMEC_MOCK_REASONS[1]!.name },
        credentials: { username: mock.username, password: mock.password },
      },
      'test',
    );
  }

  async function entryOf(label: string) {
    const { entries } = await banks.listEntries('shared-hashes', { limit: 1_000, includeDisabled: true });
    const entry = entries.find((e) => e.value === digest('sha256', label));
    if (!entry) throw new Error(`no entry for ${label}`);
    return entry;
  }

  const vote = (entryId: number, feedback: 'affirmative' | 'negative') =>
    banks.updateEntry(entryId, { feedback }, { via: 'process', id: 'analyst:ana' });

  test('votes reach NCMEC once, on the entry owner member and id, with the latest verdict; only with feedback on', async () => {
    ncmec.put(image('42', 'image0', 'benign-0'), at(1));
    ncmec.put(image('42', 'image1', 'benign-1'), at(2));
    await ncmecExchange('ncmec-industry', ncmec, false);
    expect((await exchanges.runNow('ncmec-industry')).outcome.ok).toBe(true);
    const first = await entryOf('benign-0');
    const second = await entryOf('benign-1');
    // The provenance names the exchange, with NCMEC's member and id.
    expect(first.provenance).toMatchObject({
      source: 'exchange:ncmec-industry',
      externalId: 'image0',
      member: '42',
    });

    await vote(first.id, 'affirmative');
    // Changed before it was sent: only the latest verdict goes.
    await vote(second.id, 'affirmative');
    await vote(second.id, 'negative');

    // The exchange does not send feedback: nothing goes, the votes wait.
    clock = at(180);
    expect((await exchanges.runNow('ncmec-industry')).outcome).toMatchObject({ ok: true, feedbackSent: 0 });
    expect(ncmec.feedback).toHaveLength(0);

    await exchanges.update('ncmec-industry', { feedback: true });
    const before = await exchanges.feedbackStatus(await exchanges.get('ncmec-industry'));
    expect(before).toMatchObject({ pending: 2, sent: 0, refused: 0, lastError: null });
    clock = at(240);
    expect((await exchanges.runNow('ncmec-industry')).outcome).toMatchObject({ ok: true, feedbackSent: 2 });
    expect(
      ncmec.feedback
        .map((f) => ({
          member: f.member,
          entryId: f.entryId,
          type: f.fingerprintType,
          vote: f.vote,
        }))
        .sort((a, b) => a.entryId.localeCompare(b.entryId)),
    ).toEqual([
      { member: '42', entryId: 'image0', type: 'PDQ', vote: 'affirmative' },
      { member: '42', entryId: 'image1', type: 'PDQ', vote: 'negative' },
    ]);
    expect(ncmec.feedback.find((f) => f.vote === 'negative')!.reasonIds).toEqual([
      NCMEC_MOCK_REASONS[1]!.guid,
    ]);

    // Sent once: the next run sends nothing again.
    clock = at(300);
    await exchanges.runNow('ncmec-industry');
    expect(ncmec.feedback).toHaveLength(2);
    expect(await exchanges.feedbackStatus(await exchanges.get('ncmec-industry'))).toMatchObject({
      pending: 0,
      sent: 2,
    });
    // The same vote again is not a new one: nothing goes.
    await vote(first.id, 'affirmative');
    clock = at(330);
    await exchanges.runNow('ncmec-industry');
    expect(ncmec.feedback).toHaveLength(2);
    // A changed vote is a new one: it goes once more.
    await vote(first.id, 'negative');
    clock = at(360);
    await exchanges.runNow('ncmec-industry');
    expect(ncmec.feedback).toHaveLength(3);
    expect(ncmec.feedback[2]).toMatchObject({ entryId: 'image0', vote: 'negative' });
  });

  test('an exchange is refused what its type cannot send back: uploads to NCMEC, StopNCII votes without their key', async () => {
    const refusal = async (work: Promise<unknown>) => {
      const error = (await work.then(
        () => null,
        (e: unknown) => e,
      )) as { code?: string; details?: { at: string; message: string }[] } | null;
      expect(error, 'refused').not.toBeNull();
      expect(error!.code).toBe('VALIDATION_FAILED');
      return error!.details!.map((p) => ({ at: p.at, message: p.message }));
    };
    const ncmecInput = {
      name: 'ncmec-industry',
      bank: 'shared-hashes',
      type: 'ncmec',
      endpointUrl: ncmec.baseUrl,
      options: { startTime: T0.toISOString() },
      credentials: { username: ncmec.username, password: ncmec.password },
    };
    expect(await refusal(exchanges.create({ ...ncmecInput, upload: true }, 'test'))).toEqual([
      { at: 'upload', message: 'A ncmec exchange cannot upload our hashes to its source.' },
    ]);
    const stopnciiInput = {
      name: 'stopncii',
      bank: 'shared-hashes',
      type: 'stopncii',
      endpointUrl: stopncii.baseUrl,
      credentials: { subscriptionKey: stopncii.subscriptionKey, fetchFunctionKey: stopncii.fetchFunctionKey },
    };
    expect(await refusal(exchanges.create({ ...stopnciiInput, feedback: true }, 'test'))).toEqual([
      {
        at: 'feedback',
        message:
          "A stopncii exchange sends votes only with the SubmitFeedback endpoint's function key (credentials/feedbackFunctionKey).",
      },
    ]);
    // Nothing was created by a refused request; with the key, votes are taken.
    expect(await exchanges.list()).toHaveLength(0);
    await exchanges.create(stopnciiInput, 'test');
    expect(await refusal(exchanges.update('stopncii', { feedback: true }))).toHaveLength(1);
    const withKey = await exchanges.update('stopncii', {
      feedback: true,
      credentials: { ...stopnciiInput.credentials, feedbackFunctionKey: stopncii.feedbackFunctionKey },
    });
    expect(withKey.feedback).toBe(true);
    // Taking the key away again while votes are on is refused too.
    expect(await refusal(exchanges.update('stopncii', { credentials: stopnciiInput.credentials }))).toEqual([
      expect.objectContaining({ at: 'feedback' }),
    ]);
    await ncmecExchange('ncmec-industry', ncmec, true);
    expect((await exchanges.get('ncmec-industry')).feedback).toBe(true);
  });

  test('a 5xx leaves a vote pending (attempt counted) and the next run sends it once; a 4xx refusal is not repeated', async () => {
    ncmec.put(image('42', 'image0', 'benign-0'), at(1));
    ncmec.put(image('42', 'image1', 'benign-1'), at(2));
    await ncmecExchange('ncmec-industry', ncmec, true);
    await exchanges.runNow('ncmec-industry');
    await vote((await entryOf('benign-0')).id, 'affirmative');

    // NCMEC answers 503 to every try of this run.
    ncmec.fail('feedback', { kind: 'status', status: 503 }, 4);
    clock = at(180);
    const failed = await exchanges.runNow('ncmec-industry');
    expect(failed.outcome).toMatchObject({ ok: true, feedbackSent: 0, feedbackFailed: 1 });
    expect(ncmec.feedback).toHaveLength(0);
    const status = await exchanges.feedbackStatus(failed.exchange);
    expect(status).toMatchObject({ pending: 1, sent: 0 });
    expect(status.lastError).toMatch(/HTTP 503/);
    const [delivery] = await opened.rows('select attempts, sent_at from hash_exchange_vote_deliveries');
    expect(Number(delivery!.attempts)).toBe(1);
    expect(delivery!.sent_at).toBeNull();

    clock = at(240);
    expect((await exchanges.runNow('ncmec-industry')).outcome).toMatchObject({
      feedbackSent: 1,
      feedbackFailed: 0,
    });
    expect(ncmec.feedback).toHaveLength(1);
    clock = at(300);
    await exchanges.runNow('ncmec-industry');
    expect(ncmec.feedback).toHaveLength(1);

    // A refusal (HTTP 404: NCMEC knows no such entry) is recorded and never sent again.
    await vote((await entryOf('benign-1')).id, 'affirmative');
    ncmec.fail('feedback', { kind: 'status', status: 404 }, 1);
    clock = at(360);
    expect((await exchanges.runNow('ncmec-industry')).outcome).toMatchObject({ feedbackRefused: 1 });
    clock = at(420);
    expect((await exchanges.runNow('ncmec-industry')).outcome).toMatchObject({
      feedbackSent: 0,
      feedbackRefused: 0,
    });
    expect(ncmec.feedback).toHaveLength(1);
    expect(await exchanges.feedbackStatus(await exchanges.get('ncmec-industry'))).toMatchObject({
      pending: 0,
      sent: 1,
      refused: 1,
    });
  });

  test('two NCMEC environments on one bank: each withdraws and hears votes on its own entries only', async () => {
    // The same member id and entry id in both environments, with different hashes, and one hash
    // that both environments share (under other ids).
    ncmec.put(image('42', 'image0', 'industry-0'), at(1));
    ncmec.put(image('42', 'image5', 'both'), at(2));
    ncmecTest.put(image('42', 'image0', 'test-0'), at(1));
    ncmecTest.put(image('42', 'image7', 'both'), at(2));
    await ncmecExchange('ncmec-industry', ncmec, true);
    await ncmecExchange('ncmec-test', ncmecTest, true);
    await exchanges.runNow('ncmec-industry');
    await exchanges.runNow('ncmec-test');
    const shared = await entryOf('both');
    expect(shared.provenance.source).toBe('exchange:ncmec-industry');
    expect((await banks.getEntrySources([shared.id])).get(shared.id)).toEqual([
      { source: 'exchange:ncmec-test', externalId: 'image7', member: '42' },
    ]);

    // A vote on the test environment's entry goes to the test environment only.
    await vote((await entryOf('test-0')).id, 'affirmative');
    clock = at(180);
    await exchanges.runNow('ncmec-industry');
    await exchanges.runNow('ncmec-test');
    expect(ncmec.feedback).toHaveLength(0);
    expect(ncmecTest.feedback.map((f) => `${f.member}/${f.entryId}`)).toEqual(['42/image0']);

    // The test environment deletes (42, image0) and (42, image7): the industry environment's
    // (42, image0) stays, and the shared hash stays (the industry environment still vouches).
    ncmecTest.remove('42', 'image0', at(200));
    ncmecTest.remove('42', 'image7', at(201));
    clock = at(240);
    expect((await exchanges.runNow('ncmec-test')).outcome).toMatchObject({ ok: true, withdrawn: 1 });
    await entryOf('industry-0');
    await expect(entryOf('test-0')).rejects.toThrow();
    expect((await entryOf('both')).id).toBe(shared.id);
    expect((await banks.getEntrySources([shared.id])).get(shared.id) ?? []).toEqual([]);
  });

  test('a further source seen again moves its last-seen time; its first-seen time stays', async () => {
    ncmec.put(image('42', 'image0', 'both'), at(1));
    ncmec.put(image('43', 'image9', 'both'), at(2));
    await ncmecExchange('ncmec-industry', ncmec, false);
    await exchanges.runNow('ncmec-industry');
    const seen = async () =>
      (await opened.rows('select first_seen_at, last_seen_at from bank_entry_sources')).map((r) => ({
        first: new Date(r.first_seen_at as string).getTime(),
        last: new Date(r.last_seen_at as string).getTime(),
      }));
    const [before] = await seen();
    expect(before).toEqual({ first: at(120).getTime(), last: at(120).getTime() });

    // Member 43 sends its entry again (reclassified): the source is seen again.
    ncmec.put(image('43', 'image9', 'both', 'B1'), at(150));
    clock = at(180);
    await exchanges.runNow('ncmec-industry');
    expect(await seen()).toEqual([{ first: at(120).getTime(), last: at(180).getTime() }]);
  });

  test('a false-positive vote on a StopNCII hash reaches StopNCII as NotBlocked', async () => {
    const value = digest('sha256', 'benign-stopncii');
    stopncii.put(
      { signalType: 'ImagePDQ', hashValue: value, hashStatus: 'Active', caseNumbers: { 'case-1': 'Active' } },
      100,
    );
    await exchanges.create(
      {
        name: 'stopncii',
        bank: 'shared-hashes',
        type: 'stopncii',
        endpointUrl: stopncii.baseUrl,
        feedback: true,
        credentials: {
          subscriptionKey: stopncii.subscriptionKey,
          fetchFunctionKey: stopncii.fetchFunctionKey,
          feedbackFunctionKey: stopncii.feedbackFunctionKey,
        },
      },
      'test',
    );
    await exchanges.runNow('stopncii');
    const entry = await entryOf('benign-stopncii');
    expect(entry.provenance).toMatchObject({ source: 'exchange:stopncii', externalId: 'case-1' });
    await vote(entry.id, 'negative');
    expect((await exchanges.runNow('stopncii')).outcome).toMatchObject({ feedbackSent: 1 });
    expect(stopncii.feedback).toEqual([
      { count: 1, hashFeedbacks: [{ hashValue: value, tags: [], feedbackValue: 'NotBlocked' }] },
    ]);
  });
});
