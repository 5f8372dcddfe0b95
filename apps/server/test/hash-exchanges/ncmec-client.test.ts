// The NCMEC hash-sharing client (issue 14 item 1) against a loopback mock of the API
// (support/hash-exchange-mocks/ncmec-mock.ts): a full sync over many pages, a restart from a
// mid-sync checkpoint, updates and deletions in order, retries and their limits, refused
// credentials, pages that are not NCMEC's shape, and votes sent in NCMEC's shape. Hash values are
// digests of benign labels.
import { createHash } from 'node:crypto';
import { HashExchangeError, type HashExchangeClient, type ImportRecord } from '@hashline/domain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syncAll } from '../support/hash-exchange-mocks/sync-all.js';
import {
  createNcmecExchangeClient,
  type NcmecExchangeOptions,
} from '../../src/hash-exchanges/clients/ncmec-client.js';
import {
  startNcmecMock,
  NCMEC_MOCK_REASONS,
  type NcmecMock,
} from '../support/hash-exchange-mocks/ncmec-mock.js';

const digest = (algorithm: string, label: string) => createHash(algorithm).update(label).digest('hex');
const T0 = new Date(Date.UTC(2026, 0, 10, 12));
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const never = { aborted: false };

let mock: NcmecMock;
let clock: Date;

beforeEach(async () => {
  mock = await startNcmecMock();
  clock = at(60);
});
afterEach(async () => {
  await mock.close();
});

function client(overrides: Partial<NcmecExchangeOptions> = {}): HashExchangeClient {
  return createNcmecExchangeClient(
    {
      baseUrl: mock.baseUrl,
      credentials: { username: mock.username, password: mock.password },
      startTime: T0,
      ...overrides,
    },
    { allowHttpForTests: true, retryDelayMs: () => 0, now: () => clock },
  );
}

/** Adds `n` images of member 42, one a minute from T0 (each with PDQ, MD5 and a PhotoDNA that is skipped). */
function seed(n: number): void {
  for (let i = 0; i < n; i++) {
    mock.put(
      {
        member: { id: '42', name: 'Example platform' },
        id: `image${i}`,
        kind: 'image',
        classification: 'A1',
        fingerprints: {
          md5: digest('md5', `benign-${i}`),
          pdq: digest('sha256', `benign-${i}`),
          pdna: 'AAAA',
        },
      },
      at(i),
    );
  }
}

const hashes = (records: readonly ImportRecord[]) =>
  records.flatMap((r) =>
    r.kind === 'hash'
      ? [
          `${r.hash.provenance?.member}/${r.hash.provenance?.externalId}/${r.hash.signalType}/${r.hash.classification?.industry ?? '-'}`,
        ]
      : [],
  );

describe('NCMEC hash-sharing client', () => {
  it('syncs every entry over many pages, with provenance, and says when it has caught up', async () => {
    seed(23);
    mock.pageSize = 5;
    const { pages, records } = await syncAll(client());
    expect(pages).toHaveLength(5);
    expect(pages.map((p) => p.caughtUp)).toEqual([false, false, false, false, true]);
    const added = records.filter((r) => r.kind === 'hash');
    expect(added).toHaveLength(46); // 23 entries × (PDQ, MD5)
    expect(records.filter((r) => r.kind === 'skipped')).toHaveLength(23); // the PhotoDNA of each
    expect(new Set(hashes(records)).size).toBe(46);
    const first = added[0]!;
    expect(first.kind === 'hash' && first.hash).toMatchObject({
      signalType: 'md5',
      value: digest('md5', 'benign-0'),
      classification: { industry: 'A1' },
      provenance: { source: 'ncmec', externalId: 'image0', member: '42' },
    });
    // Nothing new: the next fetch asks for the range since the last one and is caught up.
    clock = at(120);
    const again = await client().fetchPage(pages.at(-1)!.checkpoint, never);
    expect(again).toMatchObject({ records: [], caughtUp: true });
  });

  it('resumes a sync from a mid-sync checkpoint after a restart: the rest, no duplicates, none lost', async () => {
    seed(23);
    mock.pageSize = 5;
    // Every seeded entry's MD5 and PDQ, in NCMEC's order.
    const whole = Array.from({ length: 23 }, (_, i) => [`42/image${i}/md5/A1`, `42/image${i}/pdq/A1`]).flat();
    expect(hashes((await syncAll(client())).records)).toEqual(whole);

    // A first process applies two pages, then stops; a new client (a restart) resumes.
    const firstProcess = client();
    const page1 = await firstProcess.fetchPage(null, never);
    const page2 = await firstProcess.fetchPage(page1.checkpoint, never);
    const rest = await syncAll(client(), page2.checkpoint);
    const resumed = [...page1.records, ...page2.records, ...rest.records];
    expect(page2.caughtUp).toBe(false);
    expect(hashes(resumed)).toEqual(whole);
  });

  it('splits a range too large for one cursor by time: every entry once, in order, restartable after any page', async () => {
    seed(20);
    mock.pageSize = 2;
    const small = (): HashExchangeClient =>
      createNcmecExchangeClient(
        {
          baseUrl: mock.baseUrl,
          credentials: { username: mock.username, password: mock.password },
          startTime: T0,
        },
        { allowHttpForTests: true, retryDelayMs: () => 0, now: () => clock, maxEntriesPerRange: 5 },
      );
    const expected = Array.from({ length: 20 }, (_, i) => [
      `42/image${i}/md5/A1`,
      `42/image${i}/pdq/A1`,
    ]).flat();
    // A new client (a restart) for every page.
    const records: ImportRecord[] = [];
    const caughtUp: boolean[] = [];
    let checkpoint: string | null = null;
    for (let i = 0; i < 200 && !caughtUp.at(-1); i++) {
      const page = await small().fetchPage(checkpoint, never);
      records.push(...page.records);
      caughtUp.push(page.caughtUp);
      checkpoint = page.checkpoint;
    }
    expect(hashes(records)).toEqual(expected);
    expect(caughtUp.filter(Boolean)).toHaveLength(1);
    // Several ranges were walked, none of them holding more than the limit.
    const ranges = new Set(mock.queries.map((q) => `${q.get('from')}..${q.get('to')}`));
    expect(ranges.size).toBeGreaterThan(3);
    for (const q of mock.queries.filter((q) => q.has('max')))
      expect(Number(q.get('max'))).toBeLessThanOrEqual(5);
  });

  it('surfaces updates and deletions of later ranges in order, deletions naming their member', async () => {
    seed(3);
    // Member 43 happens to use an id member 42 uses too.
    mock.put(
      {
        member: { id: '43', name: 'Other platform' },
        id: 'image1',
        kind: 'image',
        classification: 'B1',
        fingerprints: { md5: digest('md5', 'other') },
      },
      at(5),
    );
    const first = await syncAll(client());
    expect(hashes(first.records)).toContain('43/image1/md5/B1');

    clock = at(200);
    mock.put(
      {
        member: { id: '42', name: 'Example platform' },
        id: 'image0',
        kind: 'image',
        classification: 'A2',
        fingerprints: { md5: digest('md5', 'benign-0') },
      },
      at(100),
    );
    mock.remove('43', 'image1', at(101));
    const second = await syncAll(client(), first.checkpoint);
    expect(second.records.map((r) => r.kind)).toEqual(['hash', 'withdrawal']);
    expect(hashes(second.records)).toEqual(['42/image0/md5/A2']);
    const withdrawal = second.records[1]!;
    expect(withdrawal.kind === 'withdrawal' && withdrawal.withdrawn).toEqual({
      source: 'ncmec',
      externalId: 'image1',
      member: '43',
    });
  });

  it('skips entries of members the exchange does not take', async () => {
    seed(2);
    mock.put(
      {
        member: { id: '43', name: 'Other platform' },
        id: 'x',
        kind: 'video',
        classification: null,
        fingerprints: { md5: digest('md5', 'v') },
      },
      at(3),
    );
    const { records } = await syncAll(client({ onlyMemberIds: ['43'] }));
    expect(hashes(records)).toEqual(['43/x/md5/-']);
    expect(records.filter((r) => r.kind === 'skipped' && r.reason.includes('member 42'))).toHaveLength(4);
  });

  it('retries 5xx, 429 and resets, then gives up with a transient error that says when to come back', async () => {
    seed(2);
    mock.fail('entries', { kind: 'status', status: 503 });
    mock.fail('entries', { kind: 'status', status: 429, retryAfter: '0' });
    mock.fail('entries', { kind: 'reset' });
    const page = await client().fetchPage(null, never);
    expect(page.records.filter((r) => r.kind === 'hash')).toHaveLength(4);
    expect(mock.calls.entries).toBe(4);

    mock.fail('entries', { kind: 'status', status: 502 }, 4);
    const failed = await client()
      .fetchPage(null, never)
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(HashExchangeError);
    expect(failed).toMatchObject({ kind: 'transient', status: 502 });
    expect((failed as HashExchangeError).retryAfterMs).toBeUndefined(); // NCMEC named no time
    expect(mock.calls.entries).toBe(8);

    // A long Retry-After is not slept through: one call, and the engine is told to wait that long.
    mock.fail('entries', { kind: 'status', status: 429, retryAfter: '120' });
    const limited = await client()
      .fetchPage(null, never)
      .catch((e: unknown) => e);
    expect(limited).toMatchObject({ kind: 'transient', status: 429, retryAfterMs: 120_000 });
    expect(mock.calls.entries).toBe(9);
  });

  it('reports refused credentials as unauthorized', async () => {
    const wrong = createNcmecExchangeClient(
      { baseUrl: mock.baseUrl, credentials: { username: mock.username, password: 'not-it' } },
      { allowHttpForTests: true, retryDelayMs: () => 0 },
    );
    await expect(wrong.fetchPage(null, never)).rejects.toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(mock.calls.entries).toBe(1);
  });

  it('reports pages that are not NCMEC shapes as protocol errors, and never follows a link elsewhere', async () => {
    seed(4);
    mock.fail('entries', {
      kind: 'body',
      contentType: 'application/xml',
      body: '<queryResult><images><image><id>a</image>',
    });
    await expect(client().fetchPage(null, never)).rejects.toMatchObject({ kind: 'protocol' });
    mock.fail('entries', {
      kind: 'body',
      contentType: 'text/html',
      body: '<html><body>maintenance</body></html>',
    });
    await expect(client().fetchPage(null, never)).rejects.toMatchObject({ kind: 'protocol' });
    await expect(client().fetchPage('{"not":"ours"}', never)).rejects.toMatchObject({ kind: 'protocol' });

    mock.pageSize = 2;
    mock.nextLinkOverride = 'https://elsewhere.invalid/v2/entries?start=3';
    await expect(client().fetchPage(null, never)).rejects.toThrow(/outside its configured base URL/);
  });

  it('sends votes in NCMEC shape: affirmative, negative with the configured reason, none for SHA-256', async () => {
    seed(2);
    const c = client({ negativeFeedbackReason: NCMEC_MOCK_REASONS[1]!.name });
    await c.sendFeedback!(
      [
        {
          externalId: 'image0',
          member: '42',
          signalType: 'pdq',
          value: digest('sha256', 'benign-0'),
          verdict: 'confirmed',
        },
        {
          externalId: 'image1',
          member: '42',
          signalType: 'md5',
          value: digest('md5', 'benign-1'),
          verdict: 'false-positive',
        },
        {
          externalId: 'image1',
          member: '42',
          signalType: 'sha256',
          value: digest('sha256', 'x'),
          verdict: 'confirmed',
        },
      ],
      never,
    );
    expect(mock.feedback.map(({ body: _body, ...f }) => f)).toEqual([
      { member: '42', entryId: 'image0', fingerprintType: 'PDQ', vote: 'affirmative', reasonIds: [] },
      {
        member: '42',
        entryId: 'image1',
        fingerprintType: 'MD5',
        vote: 'negative',
        reasonIds: [NCMEC_MOCK_REASONS[1]!.guid],
      },
    ]);

    // With several reasons and none configured, a negative vote cannot be sent: said clearly.
    await expect(
      client().sendFeedback!(
        [
          {
            externalId: 'image0',
            member: '42',
            signalType: 'md5',
            value: digest('md5', 'benign-0'),
            verdict: 'false-positive',
          },
        ],
        never,
      ),
    ).rejects.toThrow(/set negativeFeedbackReason/);
  });
});
