import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parseToken } from '../src/auth/api-key-tokens.js';
import { createTestApp, flipBits, problemBody, randomPdq, type TestApp } from './support/test-app.js';

let t: TestApp;
let writer: string;
let matcher: string;
let verdict: string;
let admin: string;
beforeEach(async () => {
  t = await createTestApp();
  [writer, matcher, verdict, admin] = await Promise.all([
    t.key(['banks:write']),
    t.key(['match']),
    t.key(['match:verdict']),
    t.key(['admin']),
  ]);
  await t.call(writer, {
    method: 'POST',
    url: '/v1/banks',
    payload: { name: 'known', kind: 'known_csam', defaultActions: ['block'] },
  });
});
afterEach(() => t.close());

const add = (bank: string, entries: unknown[]) =>
  t.call(writer, { method: 'POST', url: `/v1/banks/${bank}/entries`, payload: { entries } });
const match = (token: string, hashes: unknown, extra: Record<string, unknown> = {}) =>
  t.call(token, { method: 'POST', url: '/v1/match', payload: { hashes, ...extra } });

describe('POST /v1/match', () => {
  test('an entry added through the API matches on the very next request', async () => {
    const hash = randomPdq();
    const miss = await match(matcher, [{ signalType: 'pdq', value: hash }]);
    expect(miss.json().results[0].matched).toBe(false);
    const added = await add('known', [
      { signalType: 'pdq', value: hash, classification: { industry: 'A1' } },
    ]);
    expect(added.statusCode).toBe(201);
    const hit = await match(matcher, [
      { signalType: 'pdq', value: flipBits(hash, 10), contentRef: 'upload-7' },
    ]);
    expect(hit.statusCode).toBe(200);
    const [answer] = hit.json().results;
    expect(answer).toMatchObject({
      matched: true,
      signalType: 'pdq',
      allowListed: false,
      contentRef: 'upload-7',
      matches: [
        {
          bank: 'known',
          bankKind: 'known_csam',
          distance: 10,
          classification: { industry: 'A1' },
          actions: ['block'],
        },
      ],
    });
    expect(answer.recordId).toBeGreaterThan(0);
  });

  test('rotated and mirrored variants sent with a hash match as one query and name the variant', async () => {
    const hash = randomPdq();
    await add('known', [{ signalType: 'pdq', value: hash }]);
    const response = await match(matcher, [
      { signalType: 'pdq', value: randomPdq(), variants: [{ name: 'flipy', value: flipBits(hash, 6) }] },
    ]);
    expect(response.statusCode).toBe(200);
    expect(response.json().results[0]).toMatchObject({
      matched: true,
      matches: [{ distance: 6, variant: 'flipy' }],
    });
    const bad = await match(matcher, [
      { signalType: 'pdq', value: randomPdq(), variants: [{ name: 'orig', value: hash }] },
    ]);
    expect(bad.statusCode).toBe(400);
  });

  test('a batch answers in order; exact hashes match exactly', async () => {
    const pdq = randomPdq();
    await add('known', [
      { signalType: 'pdq', value: pdq },
      { signalType: 'sha256', value: 'a'.repeat(63) + 'b' },
    ]);
    const response = await match(matcher, [
      { signalType: 'pdq', value: randomPdq() },
      { signalType: 'sha256', value: 'A'.repeat(63) + 'B' },
      { signalType: 'pdq', value: flipBits(pdq, 31) },
      { signalType: 'pdq', value: flipBits(pdq, 32) },
      { signalType: 'md5', value: 'a'.repeat(32) },
    ]);
    expect(response.json().results.map((r: { matched: boolean }) => r.matched)).toEqual([
      false,
      true,
      true,
      false,
      false,
    ]);
  });

  test("each bank's threshold applies, and a change applies to the next request", async () => {
    const pdq = randomPdq();
    await add('known', [{ signalType: 'pdq', value: pdq }]);
    const near = flipBits(pdq, 40);
    expect((await match(matcher, [{ signalType: 'pdq', value: near }])).json().results[0].matched).toBe(
      false,
    );
    await t.call(writer, { method: 'PATCH', url: '/v1/banks/known', payload: { pdqThreshold: 45 } });
    expect((await match(matcher, [{ signalType: 'pdq', value: near }])).json().results[0].matched).toBe(true);
    await t.call(writer, { method: 'PATCH', url: '/v1/banks/known', payload: { enabled: false } });
    expect((await match(matcher, [{ signalType: 'pdq', value: pdq }])).json().results[0].matched).toBe(false);
  });

  test('disabling or deleting an entry stops it matching at once', async () => {
    const pdq = randomPdq();
    const id = (await add('known', [{ signalType: 'pdq', value: pdq }])).json().created[0].id;
    await t.call(writer, { method: 'PATCH', url: `/v1/entries/${id}`, payload: { disabled: true } });
    expect((await match(matcher, [{ signalType: 'pdq', value: pdq }])).json().results[0].matched).toBe(false);
    await t.call(writer, { method: 'PATCH', url: `/v1/entries/${id}`, payload: { disabled: false } });
    expect((await match(matcher, [{ signalType: 'pdq', value: pdq }])).json().results[0].matched).toBe(true);
    await t.call(writer, { method: 'DELETE', url: `/v1/entries/${id}` });
    expect((await match(matcher, [{ signalType: 'pdq', value: pdq }])).json().results[0].matched).toBe(false);
  });

  test('an allow-list match holds back the other matches', async () => {
    await t.call(writer, { method: 'POST', url: '/v1/banks', payload: { name: 'fp', kind: 'allow_list' } });
    const pdq = randomPdq();
    await add('known', [{ signalType: 'pdq', value: pdq }]);
    await add('fp', [{ signalType: 'pdq', value: flipBits(pdq, 3) }]);
    const [answer] = (await match(matcher, [{ signalType: 'pdq', value: pdq }])).json().results;
    expect(answer).toMatchObject({ matched: false, allowListed: true, matches: [], recordId: null });
  });

  test('banks restricts the report to the named banks; an unknown bank is 404', async () => {
    await t.call(writer, { method: 'POST', url: '/v1/banks', payload: { name: 'other', kind: 'test' } });
    const pdq = randomPdq();
    await add('known', [{ signalType: 'pdq', value: pdq }]);
    await add('other', [{ signalType: 'pdq', value: pdq }]);
    const both = (await match(matcher, [{ signalType: 'pdq', value: pdq }])).json().results[0];
    expect(both.matches.map((m: { bank: string }) => m.bank).sort()).toEqual(['known', 'other']);
    const one = (await match(matcher, [{ signalType: 'pdq', value: pdq }], { banks: ['other'] })).json()
      .results[0];
    expect(one.matches.map((m: { bank: string }) => m.bank)).toEqual(['other']);
    const unknown = await match(matcher, [{ signalType: 'pdq', value: pdq }], { banks: ['nope'] });
    expect(unknown.statusCode).toBe(404);
    expect(problemBody(unknown).code).toBe('BANK_NOT_FOUND');
  });

  test.each([
    [
      'malformed hex',
      [{ signalType: 'pdq', value: 'zz'.repeat(32) }],
      400,
      'INVALID_HASH',
      '/hashes/0/value',
    ],
    ['short hash', [{ signalType: 'pdq', value: 'abc' }], 400, 'INVALID_HASH', '/hashes/0/value'],
    [
      'quality below 50',
      [{ signalType: 'pdq', value: randomPdq(), quality: 49 }],
      422,
      'LOW_QUALITY_HASH',
      '/hashes/0/value',
    ],
    [
      'all-zero PDQ',
      [{ signalType: 'pdq', value: '0'.repeat(64) }],
      422,
      'DEGENERATE_HASH',
      '/hashes/0/value',
    ],
    [
      'all-one PDQ',
      [{ signalType: 'pdq', value: 'F'.repeat(64) }],
      422,
      'DEGENERATE_HASH',
      '/hashes/0/value',
    ],
    [
      'unknown signal type',
      [{ signalType: 'photodna', value: 'ab' }],
      400,
      'VALIDATION_FAILED',
      '/hashes/0/signalType',
    ],
    ['not an object', ['abc'], 400, 'VALIDATION_FAILED', '/hashes/0'],
  ])('%s → %i %s', async (_name, hashes, status, code, at) => {
    const response = await match(matcher, hashes);
    expect(response.statusCode).toBe(status);
    const problem = problemBody(response);
    expect(problem.code).toBe(code);
    expect(problem.errors).toEqual([expect.objectContaining({ at, code })]);
  });

  test('several bad hashes are all listed', async () => {
    const response = await match(matcher, [
      { signalType: 'pdq', value: randomPdq() },
      { signalType: 'pdq', value: 'nothex' },
      { signalType: 'pdq', value: randomPdq(), quality: 10 },
    ]);
    expect(response.statusCode).toBe(400);
    expect(problemBody(response).errors!.map((e) => `${e.at} ${e.code}`)).toEqual([
      '/hashes/1/value INVALID_HASH',
      '/hashes/2/value LOW_QUALITY_HASH',
    ]);
  });

  test('1,001 hashes → 413 BATCH_TOO_LARGE; 1,000 are fine', async () => {
    const hashes = Array.from({ length: 1_001 }, () => ({ signalType: 'pdq', value: randomPdq() }));
    const tooMany = await match(matcher, hashes);
    expect(tooMany.statusCode).toBe(413);
    expect(problemBody(tooMany).code).toBe('BATCH_TOO_LARGE');
    const ok = await match(matcher, hashes.slice(0, 1_000));
    expect(ok.statusCode).toBe(200);
    expect(ok.json().results).toHaveLength(1_000);
  });

  test('bodies that are not { hashes } are refused', async () => {
    for (const payload of [
      {},
      { hashes: [] },
      { hashes: 'abc' },
      { hashes: [{ signalType: 'pdq', value: randomPdq() }], threshold: 60 },
    ]) {
      const response = await t.call(matcher, { method: 'POST', url: '/v1/match', payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(problemBody(response).code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('verdict-only keys', () => {
  test('learn matched yes/no and nothing else', async () => {
    const pdq = randomPdq();
    await add('known', [{ signalType: 'pdq', value: pdq, classification: { industry: 'A1' } }]);
    const response = await match(verdict, [
      { signalType: 'pdq', value: flipBits(pdq, 5), contentRef: 'mine' },
      { signalType: 'pdq', value: randomPdq() },
    ]);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ results: [{ matched: true }, { matched: false }] });
    for (const leak of ['distance', 'entryId', 'known', 'recordId', 'classification', pdq, 'mine']) {
      expect(response.body).not.toContain(leak);
    }
    // The match is still recorded (for the bank owner), under the verdict key's id.
    const records = (await t.call(admin, { method: 'GET', url: '/v1/match-records' })).json().records;
    expect(records).toHaveLength(1);
    expect(records[0].caller).toBe(parseToken(verdict)!.id);
  });

  test('cannot read match records', async () => {
    const response = await t.call(verdict, { method: 'GET', url: '/v1/match-records' });
    expect(response.statusCode).toBe(403);
  });
});

describe('match records', () => {
  test('a match key sees its own records; an admin sees all and filters', async () => {
    const pdq = randomPdq();
    await add('known', [{ signalType: 'pdq', value: pdq }]);
    const otherMatcher = await t.key(['match']);
    const mine = (
      await match(matcher, [{ signalType: 'pdq', value: flipBits(pdq, 2), contentRef: 'c1' }])
    ).json().results[0];
    await match(otherMatcher, [{ signalType: 'pdq', value: pdq }]);
    await match(matcher, [{ signalType: 'pdq', value: randomPdq() }]); // no match, no record

    const own = (await t.call(matcher, { method: 'GET', url: '/v1/match-records' })).json();
    expect(own.records).toHaveLength(1);
    expect(own.records[0]).toMatchObject({
      id: mine.recordId,
      source: 'hash',
      signalType: 'pdq',
      value: flipBits(pdq, 2),
      contentRef: 'c1',
      caller: parseToken(matcher)!.id,
      matches: [{ bank: 'known', distance: 2 }],
    });
    const one = await t.call(matcher, { method: 'GET', url: `/v1/match-records/${mine.recordId}` });
    expect(one.json()).toEqual(own.records[0]);

    const all = (await t.call(admin, { method: 'GET', url: '/v1/match-records' })).json();
    expect(all.records).toHaveLength(2);
    const filtered = (
      await t.call(admin, { method: 'GET', url: `/v1/match-records?caller=${parseToken(otherMatcher)!.id}` })
    ).json();
    expect(filtered.records).toHaveLength(1);
    const byBank = (
      await t.call(admin, { method: 'GET', url: '/v1/match-records?bank=known&limit=1' })
    ).json();
    expect(byBank.records).toHaveLength(1);
    const next = (
      await t.call(admin, {
        method: 'GET',
        url: `/v1/match-records?bank=known&limit=1&before=${byBank.nextBefore}`,
      })
    ).json();
    expect(next.records).toHaveLength(1);
    expect(next.records[0].id).toBeLessThan(byBank.records[0].id);

    // Another key's record does not exist for this key; its caller filter is refused.
    const theirs = all.records.find((r: { caller: string }) => r.caller !== parseToken(matcher)!.id);
    const hidden = await t.call(matcher, { method: 'GET', url: `/v1/match-records/${theirs.id}` });
    expect(hidden.statusCode).toBe(404);
    expect(problemBody(hidden).code).toBe('MATCH_RECORD_NOT_FOUND');
    const refused = await t.call(matcher, {
      method: 'GET',
      url: `/v1/match-records?caller=${theirs.caller}`,
    });
    expect(refused.statusCode).toBe(403);
  });

  test('a match queues a webhook delivery for a bank with a webhook', async () => {
    await t.call(writer, {
      method: 'PATCH',
      url: '/v1/banks/known',
      payload: { webhookUrl: 'http://127.0.0.1:9/hook' },
    });
    const pdq = randomPdq();
    await add('known', [{ signalType: 'pdq', value: pdq }]);
    const recordId = (await match(matcher, [{ signalType: 'pdq', value: pdq }])).json().results[0].recordId;
    const deliveries = (
      await t.call(writer, { method: 'GET', url: '/v1/banks/known/webhook-deliveries' })
    ).json().deliveries;
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      status: 'pending',
      attempts: 0,
      idempotencyKey: `match-${recordId}-1`,
    });
  });
});

describe('metrics', () => {
  test('count requests by route and status, matches by result, and report the index', async () => {
    const pdq = randomPdq();
    await add('known', [{ signalType: 'pdq', value: pdq }]);
    await match(matcher, [
      { signalType: 'pdq', value: pdq },
      { signalType: 'pdq', value: randomPdq() },
    ]);
    await match(matcher, [{ signalType: 'pdq', value: 'bad' }]);
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain(
      'hashline_match_queries_total{source="hash",signal_type="pdq",result="matched"} 1',
    );
    expect(text).toContain(
      'hashline_match_queries_total{source="hash",signal_type="pdq",result="unmatched"} 1',
    );
    expect(text).toContain('hashline_http_requests_total{method="POST",route="/v1/match",status="200"} 1');
    expect(text).toContain('hashline_http_requests_total{method="POST",route="/v1/match",status="400"} 1');
    expect(text).toContain('hashline_index_entries{signal_type="pdq"} 1');
    expect(text).toContain('hashline_change_log_lag 0');
    expect(text).toMatch(
      /hashline_http_request_duration_seconds_bucket\{le="0\.005",method="POST",route="\/v1\/match",status="200"\}/,
    );
  });
});
