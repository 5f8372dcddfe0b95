// The StopNCII client (issue 14 item 1) against a loopback mock of StopNCII's hash API
// (support/hash-exchange-mocks/stopncii-mock.ts): a full sync over many pages, a restart from a
// mid-sync checkpoint (with its token, and after the token expired), updates and withdrawals in
// order, retries and their limits, refused keys, answers that are not the API's shape, and votes
// sent in the API's shape. Hash values are digests of benign labels.
import { createHash } from 'node:crypto';
import { HashExchangeError, type HashExchangeClient, type ImportRecord } from '@hashline/domain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syncAll } from '../support/hash-exchange-mocks/sync-all.js';
import {
  createStopNciiExchangeClient,
  type StopNciiExchangeOptions,
} from '../../src/hash-exchanges/clients/stopncii-client.js';
import { startStopNciiMock, type StopNciiMock } from '../support/hash-exchange-mocks/stopncii-mock.js';

const pdq = (label: string) => createHash('sha256').update(label).digest('hex');
const never = { aborted: false };

let mock: StopNciiMock;
beforeEach(async () => {
  mock = await startStopNciiMock();
});
afterEach(async () => {
  await mock.close();
});

function client(overrides: Partial<StopNciiExchangeOptions> = {}): HashExchangeClient {
  return createStopNciiExchangeClient(
    {
      baseUrl: mock.baseUrl,
      credentials: {
        subscriptionKey: mock.subscriptionKey,
        fetchFunctionKey: mock.fetchFunctionKey,
        feedbackFunctionKey: mock.feedbackFunctionKey,
      },
      pageSize: 4,
      ...overrides,
    },
    { allowHttpForTests: true, retryDelayMs: () => 0 },
  );
}

/** `n` PDQ hashes, one case each, changed at 1000 + i. */
function seed(n: number): void {
  for (let i = 0; i < n; i++) {
    mock.put(
      {
        signalType: 'ImagePDQ',
        hashValue: pdq(`benign-${i}`),
        hashStatus: 'Active',
        caseNumbers: { [`C-${i}`]: 'Active' },
      },
      1000 + i,
    );
  }
}

const cases = (records: readonly ImportRecord[]) =>
  records.flatMap((r) =>
    r.kind === 'hash' ? [`${r.hash.provenance?.externalId}:${r.hash.value.slice(0, 8)}`] : [],
  );

describe('StopNCII client', () => {
  it('syncs every hash over many pages with its case as provenance, then waits for new ones', async () => {
    seed(17);
    const { pages, records, checkpoint } = await syncAll(client());
    expect(pages.map((p) => p.caughtUp)).toEqual([false, false, false, false, true]);
    expect(records).toHaveLength(17);
    expect(records[0]).toMatchObject({
      kind: 'hash',
      hash: {
        signalType: 'pdq',
        value: pdq('benign-0'),
        provenance: { source: 'stopncii', externalId: 'C-0' },
      },
    });
    expect(new Set(cases(records)).size).toBe(17);
    // The next pass starts after the last change: nothing again until something changes.
    const again = await client().fetchPage(checkpoint, never);
    expect(again).toMatchObject({ records: [], caughtUp: true });
    mock.put(
      {
        signalType: 'ImagePDQ',
        hashValue: pdq('new'),
        hashStatus: 'Active',
        caseNumbers: { 'C-new': 'Active' },
      },
      5000,
    );
    expect(cases((await client().fetchPage(checkpoint, never)).records)).toEqual([
      `C-new:${pdq('new').slice(0, 8)}`,
    ]);
  });

  it('resumes from a mid-sync checkpoint after a restart, with the page token or, once it expired, from the set timestamp', async () => {
    seed(17);
    const whole = Array.from({ length: 17 }, (_, i) => `C-${i}:${pdq(`benign-${i}`).slice(0, 8)}`);
    expect(cases((await syncAll(client())).records)).toEqual(whole);

    const page1 = await client().fetchPage(null, never);
    const page2 = await client().fetchPage(page1.checkpoint, never);
    const rest = await syncAll(client(), page2.checkpoint);
    const resumed = cases([...page1.records, ...page2.records, ...rest.records]);
    expect(resumed).toEqual(whole);

    mock.expireTokens();
    const afterExpiry = await syncAll(client(), page2.checkpoint);
    expect(cases([...page1.records, ...page2.records, ...afterExpiry.records])).toEqual(whole);
  });

  it('surfaces updates and withdrawals in order: a withdrawn case, a withdrawn hash, and skips signals Hashline does not match', async () => {
    seed(2);
    const first = await syncAll(client());
    mock.put(
      {
        signalType: 'ImagePDQ',
        hashValue: pdq('benign-0'),
        hashStatus: 'Active',
        caseNumbers: { 'C-0': 'Withdrawn', 'C-7': 'Active' },
      },
      2000,
    );
    mock.put(
      {
        signalType: 'ImagePDQ',
        hashValue: pdq('benign-1'),
        hashStatus: 'Deleted',
        caseNumbers: { 'C-1': 'Deleted' },
      },
      2001,
    );
    mock.put(
      {
        signalType: 'VideoTMK',
        hashValue: 'tmk-benign',
        hashStatus: 'Active',
        caseNumbers: { 'C-8': 'Active' },
      },
      2002,
    );
    const second = await syncAll(client(), first.checkpoint);
    expect(second.records.map((r) => r.kind)).toEqual(['withdrawal', 'hash', 'withdrawal', 'skipped']);
    expect(second.records[0]).toMatchObject({ withdrawn: { source: 'stopncii', externalId: 'C-0' } });
    expect(cases(second.records)).toEqual([`C-7:${pdq('benign-0').slice(0, 8)}`]);
    expect(second.records[2]).toMatchObject({ withdrawn: { signalType: 'pdq', value: pdq('benign-1') } });
  });

  it('retries 5xx, 429 and resets, then gives up with a transient error that says when to come back', async () => {
    seed(2);
    mock.fail('FetchHashes', { kind: 'status', status: 500 });
    mock.fail('FetchHashes', { kind: 'status', status: 429, retryAfter: '0' });
    mock.fail('FetchHashes', { kind: 'reset' });
    expect((await client().fetchPage(null, never)).records).toHaveLength(2);
    expect(mock.calls.FetchHashes).toBe(4);

    mock.fail('FetchHashes', { kind: 'status', status: 503 }, 4);
    const failed = await client()
      .fetchPage(null, never)
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(HashExchangeError);
    expect(failed).toMatchObject({ kind: 'transient', status: 503 });

    mock.fail('FetchHashes', { kind: 'status', status: 429, retryAfter: '60' });
    await expect(client().fetchPage(null, never)).rejects.toMatchObject({
      kind: 'transient',
      retryAfterMs: 60_000,
    });
  });

  it('reports refused keys as unauthorized', async () => {
    const wrong = createStopNciiExchangeClient(
      {
        baseUrl: mock.baseUrl,
        credentials: { subscriptionKey: 'nope', fetchFunctionKey: mock.fetchFunctionKey },
      },
      { allowHttpForTests: true, retryDelayMs: () => 0 },
    );
    await expect(wrong.fetchPage(null, never)).rejects.toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(wrong.sendFeedback).toBeUndefined();
  });

  it('never moves its start backwards when an empty answer names an earlier set timestamp', async () => {
    seed(3);
    const { checkpoint } = await syncAll(client());
    mock.fail('FetchHashes', {
      kind: 'body',
      contentType: 'application/json',
      body: '{"count": 0, "nextPageToken": "", "nextSetTimestamp": 0, "hasMoreRecords": false, "hashRecords": []}',
    });
    const empty = await client().fetchPage(checkpoint, never);
    expect(JSON.parse(empty.checkpoint)).toMatchObject({ start: 1003 });
  });

  it('reports answers that are not FetchHashes pages as protocol errors', async () => {
    mock.fail('FetchHashes', { kind: 'body', contentType: 'application/json', body: '{"hashRecords": [' });
    await expect(client().fetchPage(null, never)).rejects.toMatchObject({ kind: 'protocol' });
    mock.fail('FetchHashes', { kind: 'body', contentType: 'application/json', body: '{"records": []}' });
    await expect(client().fetchPage(null, never)).rejects.toMatchObject({ kind: 'protocol' });
    mock.fail('FetchHashes', {
      kind: 'body',
      contentType: 'application/json',
      body: '{"hashRecords": [], "hasMoreRecords": true, "nextSetTimestamp": 5}',
    });
    await expect(client().fetchPage(null, never)).rejects.toThrow(/nextPageToken/);
  });

  it("sends votes in the API's shape with its feedback values, hashes it does not share left out", async () => {
    await client().sendFeedback!(
      [
        { externalId: 'C-1', signalType: 'pdq', value: pdq('a'), verdict: 'confirmed' },
        { externalId: 'C-2', signalType: 'pdq', value: pdq('b'), verdict: 'false-positive' },
        { externalId: 'C-3', signalType: 'sha256', value: pdq('c'), verdict: 'confirmed' },
      ],
      never,
    );
    expect(mock.feedback).toEqual([
      {
        count: 2,
        hashFeedbacks: [
          { hashValue: pdq('a'), tags: [], feedbackValue: 'Blocked' },
          { hashValue: pdq('b'), tags: [], feedbackValue: 'NotBlocked' },
        ],
      },
    ]);
    // A failed vote is not repeated by the client (a POST could count twice): the engine sends it later.
    mock.fail('SubmitFeedback', { kind: 'status', status: 500 });
    await expect(
      client().sendFeedback!(
        [{ externalId: 'C-1', signalType: 'pdq', value: pdq('a'), verdict: 'confirmed' }],
        never,
      ),
    ).rejects.toMatchObject({ kind: 'transient' });
    expect(mock.calls.SubmitFeedback).toBe(2);
  });
});
