// The ThreatExchange client (issue 14 item 1) against a loopback mock of the threat_updates
// endpoint (support/hash-exchange-mocks/threatexchange-mock.ts): a full sync over many pages, a
// restart from a mid-sync checkpoint (which never holds the access token), updates, deletions and
// NON_MALICIOUS verdicts in order, indicator types mapped or skipped, retries and their limits,
// Graph's token and throttling errors, and answers that are not the API's shape. Hash values are
// digests of benign labels.
import { createHash } from 'node:crypto';
import { HashExchangeError, type HashExchangeClient, type ImportRecord } from '@hashline/domain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syncAll } from '../support/hash-exchange-mocks/sync-all.js';
import {
  createThreatExchangeClient,
  type ThreatExchangeExchangeOptions,
} from '../../src/hash-exchanges/clients/threatexchange-client.js';
import {
  startThreatExchangeMock,
  type ThreatExchangeMock,
} from '../support/hash-exchange-mocks/threatexchange-mock.js';

const pdq = (label: string) => createHash('sha256').update(label).digest('hex');
const md5 = (label: string) => createHash('md5').update(label).digest('hex');
const never = { aborted: false };

let mock: ThreatExchangeMock;
let clock: Date;
beforeEach(async () => {
  mock = await startThreatExchangeMock();
  clock = new Date(10_000 * 1000);
});
afterEach(async () => {
  await mock.close();
});

function client(overrides: Partial<ThreatExchangeExchangeOptions> = {}): HashExchangeClient {
  return createThreatExchangeClient(
    {
      baseUrl: mock.baseUrl,
      credentials: { accessToken: mock.accessToken },
      privacyGroupId: mock.privacyGroupId,
      pageSize: 4,
      ...overrides,
    },
    { allowHttpForTests: true, retryDelayMs: () => 0, now: () => clock },
  );
}

/** `n` PDQ indicators, updated at 1000 + i. */
function seed(n: number): void {
  for (let i = 0; i < n; i++) {
    mock.put(
      {
        id: `10${i}`,
        type: 'HASH_PDQ',
        indicator: pdq(`benign-${i}`),
        statuses: ['MALICIOUS'],
        tags: ['media_type_photo'],
      },
      1000 + i,
    );
  }
}

const ids = (records: readonly ImportRecord[]) =>
  records.map((r) =>
    r.kind === 'hash'
      ? `+${r.hash.provenance?.externalId}`
      : r.kind === 'withdrawal' && 'externalId' in r.withdrawn
        ? `-${r.withdrawn.externalId}`
        : r.kind,
  );

describe('ThreatExchange client', () => {
  it('syncs every indicator of the privacy group over many pages, with provenance, then waits for new ones', async () => {
    seed(10);
    const { pages, records, checkpoint } = await syncAll(client());
    expect(pages.map((p) => p.caughtUp)).toEqual([false, false, true]);
    expect(ids(records)).toEqual([
      '+100',
      '+101',
      '+102',
      '+103',
      '+104',
      '+105',
      '+106',
      '+107',
      '+108',
      '+109',
    ]);
    expect(records[0]).toMatchObject({
      kind: 'hash',
      hash: {
        signalType: 'pdq',
        value: pdq('benign-0'),
        provenance: { source: 'threatexchange', externalId: '100', member: mock.privacyGroupId },
        note: 'ThreatExchange tags: media_type_photo',
      },
    });
    // The first pass asks for everything up to now; the next starts where it stopped.
    expect(mock.queries[0]!.has('start_time')).toBe(false);
    expect(mock.queries[0]!.get('stop_time')).toBe('10000');
    clock = new Date(20_000 * 1000);
    const again = await client().fetchPage(checkpoint, never);
    expect(again).toMatchObject({ records: [], caughtUp: true });
    expect(mock.queries.at(-1)!.get('start_time')).toBe('9999');
  });

  it('resumes from a mid-sync checkpoint after a restart: the rest, no duplicates; the checkpoint holds no token', async () => {
    seed(10);
    const whole = Array.from({ length: 10 }, (_, i) => `+10${i}`);
    expect(ids((await syncAll(client())).records)).toEqual(whole);
    const page1 = await client().fetchPage(null, never);
    expect(page1.checkpoint).not.toContain(mock.accessToken.split('|')[1]);
    expect(page1.checkpoint).toContain('after=');
    const rest = await syncAll(client(), page1.checkpoint);
    expect(ids([...page1.records, ...rest.records])).toEqual(whole);
  });

  it('surfaces updates, deletions and NON_MALICIOUS verdicts in order, and skips types Hashline does not match', async () => {
    seed(3);
    const first = await syncAll(client());
    clock = new Date(20_000 * 1000);
    mock.put(
      { id: '100', type: 'HASH_PDQ', indicator: pdq('benign-0'), statuses: ['MALICIOUS'], tags: ['csam'] },
      12_000,
    );
    mock.remove('101', 12_001);
    mock.put(
      { id: '102', type: 'HASH_PDQ', indicator: pdq('benign-2'), statuses: ['NON_MALICIOUS'] },
      12_002,
    );
    mock.put({ id: '200', type: 'HASH_VIDEO_MD5', indicator: md5('video'), statuses: ['MALICIOUS'] }, 12_003);
    mock.put({ id: '201', type: 'HASH_TMK', indicator: 'tmk-benign', statuses: ['MALICIOUS'] }, 12_004);
    mock.put(
      { id: '202', type: 'URI', indicator: 'https://example.invalid/', statuses: ['MALICIOUS'] },
      12_005,
    );
    const second = await syncAll(client(), first.checkpoint);
    expect(ids(second.records)).toEqual(['+100', '-101', '-102', '+200', 'skipped', 'skipped']);
    expect(second.records[0]).toMatchObject({ hash: { note: 'ThreatExchange tags: csam' } });
    expect(second.records[1]).toMatchObject({
      withdrawn: { source: 'threatexchange', externalId: '101', member: mock.privacyGroupId },
    });
    expect(second.records[3]).toMatchObject({ hash: { signalType: 'md5', value: md5('video') } });
    expect(second.records[4]).toMatchObject({ reason: expect.stringContaining('HASH_TMK') });
  });

  it('retries 5xx, 429 and resets, then gives up with a transient error; Graph throttling is transient too', async () => {
    seed(2);
    mock.fail('threat_updates', { kind: 'status', status: 500 });
    mock.fail('threat_updates', { kind: 'status', status: 429, retryAfter: '0' });
    mock.fail('threat_updates', { kind: 'reset' });
    expect((await client().fetchPage(null, never)).records).toHaveLength(2);
    expect(mock.calls.threat_updates).toBe(4);

    mock.fail('threat_updates', { kind: 'status', status: 503 }, 4);
    const failed = await client()
      .fetchPage(null, never)
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(HashExchangeError);
    expect(failed).toMatchObject({ kind: 'transient', status: 503 });

    mock.throttle();
    await expect(client().fetchPage(null, never)).rejects.toMatchObject({
      kind: 'transient',
      retryAfterMs: 300_000,
    });
  });

  it('reports a refused access token as unauthorized', async () => {
    await expect(
      client({ credentials: { accessToken: '1234567890|wrong' } }).fetchPage(null, never),
    ).rejects.toMatchObject({
      kind: 'unauthorized',
    });
  });

  it('reports answers that are not threat_updates pages as protocol errors, and never follows a link elsewhere', async () => {
    mock.fail('threat_updates', { kind: 'body', contentType: 'application/json', body: '{"data": [' });
    await expect(client().fetchPage(null, never)).rejects.toMatchObject({ kind: 'protocol' });
    mock.fail('threat_updates', { kind: 'body', contentType: 'application/json', body: '{"items": []}' });
    await expect(client().fetchPage(null, never)).rejects.toMatchObject({ kind: 'protocol' });
    // An item without its fields is an error record, not a failed sync.
    mock.fail('threat_updates', {
      kind: 'body',
      contentType: 'application/json',
      body: '{"data": [{"id": "1"}]}',
    });
    expect((await client().fetchPage(null, never)).records).toMatchObject([{ kind: 'error' }]);

    seed(6);
    mock.nextLinkOverride = 'https://graph.invalid/v19.0/1/threat_updates/?after=x';
    await expect(client().fetchPage(null, never)).rejects.toThrow(/outside its configured base URL/);
  });
});
