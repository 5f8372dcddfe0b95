// Feedback votes through the API, end to end on SQLite against the loopback NCMEC mock: a
// platform votes on its own match record, the exchange's next runs send the vote, and /metrics
// counts each vote once by what became of it (failed and tried again, sent, refused). Hash values
// are digests of benign labels.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@hashline/storage';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ncmecExchangeClients } from '../../src/hash-exchanges/clients/exchange-client-factories.js';
import { loadConfig } from '../../src/config.js';
import {
  NCMEC_MOCK_REASONS,
  startNcmecMock,
  type NcmecMock,
} from '../support/hash-exchange-mocks/ncmec-mock.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const pdqOf = (label: string) => createHash('sha256').update(label).digest('hex');
const T0 = new Date(Date.UTC(2026, 0, 10, 12));

let ncmec: NcmecMock;
let t: TestApp;
let admin: string;
let platform: string;

beforeAll(async () => {
  ncmec = await startNcmecMock();
  for (const [id, label] of [
    ['image0', 'benign-0'],
    ['image1', 'benign-1'],
  ] as const) {
    ncmec.put(
      {
        member: { id: '42', name: 'Member 42' },
        id,
        kind: 'image',
        classification: 'A1',
        fingerprints: { pdq: pdqOf(label) },
      },
      new Date(T0.getTime() + 60_000),
    );
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'hashline-feedback-metrics-'));
  t = await createTestApp({
    store: await openStore(`sqlite:${join(dataDir, 'hashline.db')}`),
    config: loadConfig({
      HASHLINE_DATA_DIR: dataDir,
      HASHLINE_LOG_LEVEL: 'silent',
      HASHLINE_RATE_LIMIT_PER_SECOND: '100000',
    }),
    // The built-in client speaks https only; the mock is plain http on loopback.
    hashExchangeClients: { ncmec: ncmecExchangeClients({ allowHttpForTests: true, retryDelayMs: () => 0 }) },
  });
  admin = await t.key(['admin']);
  platform = await t.key(['match']);
});

afterAll(async () => {
  await t?.close();
  await t?.store.close();
  await ncmec?.close();
});

async function run(): Promise<void> {
  const response = await t.call(admin, { method: 'POST', url: '/v1/exchanges/ncmec/run' });
  expect(response.statusCode).toBe(200);
}

/** The exchange's votes as the API reports them. */
async function votesStatus(): Promise<unknown> {
  return (await t.call(admin, { method: 'GET', url: '/v1/exchanges/ncmec' })).json().status.feedbackVotes;
}

/** Matches a hash as the platform and votes on the record it made. */
async function matchAndVote(label: string, verdict: 'confirmed' | 'false-positive'): Promise<void> {
  const match = await t.call(platform, {
    method: 'POST',
    url: '/v1/match',
    payload: { hashes: [{ signalType: 'pdq', value: pdqOf(label) }] },
  });
  expect(match.statusCode).toBe(200);
  const recordId = /"recordId":(\d+)/.exec(match.body)?.[1];
  expect(recordId).toBeDefined();
  const vote = await t.call(platform, {
    method: 'POST',
    url: `/v1/match-records/${recordId}/feedback`,
    payload: { verdict },
  });
  expect(vote.statusCode).toBeLessThan(300);
}

async function votesCounted(): Promise<Record<string, number>> {
  const metrics = (await t.call(null, { method: 'GET', url: '/metrics' })).body;
  const counted: Record<string, number> = {};
  for (const [, result, n] of metrics.matchAll(
    /^hashline_exchange_feedback_votes_total\{type="ncmec",result="(\w+)"\} (\d+)$/gm,
  )) {
    counted[result!] = Number(n);
  }
  return counted;
}

test('votes through the API reach NCMEC and /metrics counts each by its outcome', async () => {
  expect(
    (
      await t.call(admin, {
        method: 'POST',
        url: '/v1/banks',
        payload: { name: 'shared', kind: 'known_csam' },
      })
    ).statusCode,
  ).toBe(201);
  const created = await t.call(admin, {
    method: 'POST',
    url: '/v1/exchanges',
    payload: {
      name: 'ncmec',
      bank: 'shared',
      type: 'ncmec',
      endpointUrl: ncmec.baseUrl,
      intervalSeconds: 3600,
      feedback: true,
      options: { startTime: T0.toISOString(), negativeFeedbackReason: NCMEC_MOCK_REASONS[1]!.name },
      credentials: { username: ncmec.username, password: ncmec.password },
    },
  });
  expect(created.statusCode).toBe(201);
  await run();
  expect(await votesCounted()).toEqual({});

  // NCMEC answers 503 to every try of a run: the vote waits, counted as failed once.
  await matchAndVote('benign-0', 'false-positive');
  ncmec.fail('feedback', { kind: 'status', status: 503 }, 4);
  await run();
  expect(ncmec.feedback).toHaveLength(0);
  expect(await votesStatus()).toMatchObject({ pending: 1, sent: 0 });
  expect(await votesCounted()).toEqual({ failed: 1 });
  // The next run sends it.
  await run();
  expect(ncmec.feedback).toMatchObject([{ member: '42', entryId: 'image0', vote: 'negative' }]);
  expect(await votesCounted()).toEqual({ failed: 1, sent: 1 });

  // A refusal (NCMEC knows no such entry) is counted and never sent again.
  await matchAndVote('benign-1', 'confirmed');
  ncmec.fail('feedback', { kind: 'status', status: 404 }, 1);
  await run();
  await run();
  expect(ncmec.feedback).toHaveLength(1);
  expect(await votesStatus()).toMatchObject({ pending: 0, sent: 1, refused: 1 });
  expect(await votesCounted()).toEqual({ failed: 1, sent: 1, refused: 1 });
});
