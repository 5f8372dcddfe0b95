import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createTestApp, problemBody, randomPdq, type TestApp } from './support/test-app.js';

let t: TestApp;
let writer: string;
let reader: string;
beforeEach(async () => {
  t = await createTestApp();
  writer = await t.key(['banks:write']);
  reader = await t.key(['banks:read']);
});
afterEach(() => t.close());

const createBank = (body: Record<string, unknown>) =>
  t.call(writer, { method: 'POST', url: '/v1/banks', payload: body });
const addEntries = (bank: string, entries: unknown[]) =>
  t.call(writer, { method: 'POST', url: `/v1/banks/${bank}/entries`, payload: { entries } });

describe('banks', () => {
  test('create, read, list, update, delete', async () => {
    const created = await createBank({
      name: 'iwf-list',
      kind: 'known_csam',
      defaultActions: ['block', 'review'],
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe('/v1/banks/iwf-list');
    const bank = created.json();
    expect(bank).toMatchObject({
      name: 'iwf-list',
      kind: 'known_csam',
      pdqThreshold: 31,
      enabled: true,
      entryCount: 0,
    });
    expect(bank).not.toHaveProperty('webhookSecret');

    expect((await t.call(reader, { method: 'GET', url: '/v1/banks/iwf-list' })).json()).toEqual(bank);
    expect((await t.call(reader, { method: 'GET', url: `/v1/banks/${bank.id}` })).json().name).toBe(
      'iwf-list',
    );
    expect((await t.call(reader, { method: 'GET', url: '/v1/banks' })).json().banks).toHaveLength(1);

    const patched = await t.call(writer, {
      method: 'PATCH',
      url: '/v1/banks/iwf-list',
      payload: { pdqThreshold: 40, enabled: false },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ pdqThreshold: 40, enabled: false });

    expect((await t.call(writer, { method: 'DELETE', url: '/v1/banks/iwf-list' })).statusCode).toBe(204);
    const gone = await t.call(reader, { method: 'GET', url: '/v1/banks/iwf-list' });
    expect(gone.statusCode).toBe(404);
    expect(problemBody(gone).code).toBe('BANK_NOT_FOUND');
  });

  test('invalid banks: every problem listed; duplicate names conflict', async () => {
    const bad = await createBank({ name: 'Bad Name!', kind: 'nope', pdqThreshold: 99, colour: 'red' });
    expect(bad.statusCode).toBe(400);
    const problem = problemBody(bad);
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors!.map((e) => e.at).sort()).toEqual(['colour', 'kind', 'name', 'pdqThreshold']);
    expect((await createBank({ name: 'a', kind: 'test' })).statusCode).toBe(201);
    const taken = await createBank({ name: 'a', kind: 'test' });
    expect(taken.statusCode).toBe(409);
    expect(problemBody(taken).code).toBe('BANK_NAME_TAKEN');
  });

  test('a webhook URL without a secret gets a generated secret, shown once', async () => {
    const created = await createBank({
      name: 'hooked',
      kind: 'test',
      webhookUrl: 'https://example.org/hook',
    });
    const secret = created.json().webhookSecret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect(await t.store.getWebhookSecret(created.json().id)).toBe(secret);
    const read = await t.call(reader, { method: 'GET', url: '/v1/banks/hooked' });
    expect(read.body).not.toContain(secret);
    // Changing the URL keeps the secret; none is generated again.
    const patched = await t.call(writer, {
      method: 'PATCH',
      url: '/v1/banks/hooked',
      payload: { webhookUrl: 'https://example.org/h2' },
    });
    expect(patched.json()).not.toHaveProperty('webhookSecret');
    expect(await t.store.getWebhookSecret(created.json().id)).toBe(secret);
    // A bank created without a webhook gets one (and its secret) on the first PATCH that sets it.
    await createBank({ name: 'later', kind: 'test' });
    const later = await t.call(writer, {
      method: 'PATCH',
      url: '/v1/banks/later',
      payload: { webhookUrl: 'https://example.org/x' },
    });
    expect(later.json().webhookSecret).toMatch(/^whsec_/);
    const given = await createBank({
      name: 'given',
      kind: 'test',
      webhookUrl: 'https://e.org/',
      webhookSecret: 'my-own-secret-1234567',
    });
    expect(given.json()).not.toHaveProperty('webhookSecret');
  });
});

describe('entries', () => {
  beforeEach(async () => {
    await createBank({ name: 'b', kind: 'test' });
  });

  test('bulk add returns created and existing; duplicates are not added twice', async () => {
    const [h1, h2] = [randomPdq(), randomPdq()];
    const first = await addEntries('b', [
      {
        signalType: 'pdq',
        value: h1.toUpperCase(),
        quality: 90,
        classification: { industry: 'A1', uk: 'A' },
      },
      {
        signalType: 'md5',
        value: 'd41d8cd98f00b204e9800998ecf8427e',
        provenance: { source: 'ncmec', externalId: 'N-1' },
      },
    ]);
    expect(first.statusCode).toBe(201);
    const body = first.json();
    expect(body.created).toHaveLength(2);
    expect(body.created[0]).toMatchObject({
      value: h1,
      quality: 90,
      classification: { industry: 'A1', uk: 'A' },
    });
    expect(body.created[0].addedBy).toMatch(/^[0-9a-f]{16}$/);
    expect(body.existing).toEqual([]);
    expect(body.seq).toBeGreaterThan(0);

    const again = await addEntries('b', [
      { signalType: 'pdq', value: h1 },
      { signalType: 'pdq', value: h2 },
    ]);
    expect(again.statusCode).toBe(201);
    expect(again.json().created.map((e: { value: string }) => e.value)).toEqual([h2]);
    expect(again.json().existing.map((e: { value: string }) => e.value)).toEqual([h1]);
    const dup = await addEntries('b', [{ signalType: 'pdq', value: h2 }]);
    expect(dup.statusCode).toBe(200);
  });

  test('all or nothing: each bad entry is listed with its code and position', async () => {
    const response = await addEntries('b', [
      { signalType: 'pdq', value: randomPdq() },
      { signalType: 'pdq', value: 'xyz' },
      { signalType: 'pdq', value: randomPdq(), quality: 20 },
      { signalType: 'pdq', value: '0'.repeat(64) },
      { signalType: 'crc32', value: 'abcd' },
    ]);
    expect(response.statusCode).toBe(400);
    const problem = problemBody(response);
    expect(problem.errors).toEqual([
      expect.objectContaining({ at: '/entries/1/value', code: 'INVALID_HASH' }),
      expect.objectContaining({ at: '/entries/2/value', code: 'LOW_QUALITY_HASH' }),
      expect.objectContaining({ at: '/entries/3/value', code: 'DEGENERATE_HASH' }),
      expect.objectContaining({ at: '/entries/4/signalType', code: 'VALIDATION_FAILED' }),
    ]);
    expect(await t.store.countEntries(1)).toBe(0);
  });

  test('one bad entry gets its own code and status', async () => {
    const low = await addEntries('b', [{ signalType: 'pdq', value: randomPdq(), quality: 49 }]);
    expect(low.statusCode).toBe(422);
    expect(problemBody(low).code).toBe('LOW_QUALITY_HASH');
  });

  test('more than 10,000 entries → 413 BATCH_TOO_LARGE', async () => {
    const entries = Array.from({ length: 10_001 }, () => ({ signalType: 'pdq', value: randomPdq() }));
    const response = await addEntries('b', entries);
    expect(response.statusCode).toBe(413);
    expect(problemBody(response).code).toBe('BATCH_TOO_LARGE');
  });

  test('listing pages by id; get, patch and delete one entry', async () => {
    const values = Array.from({ length: 5 }, () => randomPdq());
    await addEntries(
      'b',
      values.map((value) => ({ signalType: 'pdq', value })),
    );
    const page1 = (await t.call(reader, { method: 'GET', url: '/v1/banks/b/entries?limit=2' })).json();
    expect(page1.entries.map((e: { value: string }) => e.value)).toEqual(values.slice(0, 2));
    const page2 = (
      await t.call(reader, { method: 'GET', url: `/v1/banks/b/entries?limit=2&after=${page1.nextAfter}` })
    ).json();
    const page3 = (
      await t.call(reader, { method: 'GET', url: `/v1/banks/b/entries?limit=2&after=${page2.nextAfter}` })
    ).json();
    expect([...page2.entries, ...page3.entries].map((e: { value: string }) => e.value)).toEqual(
      values.slice(2),
    );
    expect(page3.nextAfter).toBeNull();

    const id = page1.entries[0].id;
    const got = (await t.call(reader, { method: 'GET', url: `/v1/entries/${id}` })).json();
    expect(got.value).toBe(values[0]);
    expect(got.otherSources).toEqual([]);
    const patched = await t.call(writer, {
      method: 'PATCH',
      url: `/v1/entries/${id}`,
      payload: { disabled: true, feedback: 'negative' },
    });
    expect(patched.json()).toMatchObject({ disabled: true, feedback: 'negative' });
    const visible = (await t.call(reader, { method: 'GET', url: '/v1/banks/b/entries' })).json().entries;
    expect(visible).toHaveLength(4);
    const all = (
      await t.call(reader, { method: 'GET', url: '/v1/banks/b/entries?includeDisabled=true' })
    ).json().entries;
    expect(all).toHaveLength(5);
    expect((await t.call(writer, { method: 'DELETE', url: `/v1/entries/${id}` })).statusCode).toBe(204);
    const missing = await t.call(reader, { method: 'GET', url: `/v1/entries/${id}` });
    expect(missing.statusCode).toBe(404);
    expect(problemBody(missing).code).toBe('ENTRY_NOT_FOUND');
  });

  test('query strings are validated', async () => {
    for (const query of ['limit=0', 'limit=10001', 'after=-1', 'signalType=crc', 'bogus=1']) {
      const response = await t.call(reader, { method: 'GET', url: `/v1/banks/b/entries?${query}` });
      expect(response.statusCode, query).toBe(400);
      expect(problemBody(response).code).toBe('VALIDATION_FAILED');
    }
    const badId = await t.call(reader, { method: 'GET', url: '/v1/entries/abc' });
    expect(badId.statusCode).toBe(400);
  });
});

describe('change feed', () => {
  test('platforms sync additions, updates and deletions incrementally, per bank or for all', async () => {
    await createBank({ name: 'one', kind: 'known_csam' });
    await createBank({ name: 'two', kind: 'test' });
    const [a, b, c] = [randomPdq(), randomPdq(), randomPdq()];
    const added = (
      await addEntries('one', [
        { signalType: 'pdq', value: a, classification: { industry: 'B2' } },
        { signalType: 'pdq', value: b },
      ])
    ).json();
    await addEntries('two', [{ signalType: 'pdq', value: c }]);
    await t.call(writer, {
      method: 'PATCH',
      url: `/v1/entries/${added.created[1].id}`,
      payload: { disabled: true },
    });
    await t.call(writer, { method: 'DELETE', url: `/v1/entries/${added.created[0].id}` });

    const all = (await t.call(reader, { method: 'GET', url: '/v1/changes' })).json();
    expect(all.hasMore).toBe(false);
    expect(all.nextAfter).toBe(all.latestSeq);
    const ops = all.changes.map((ch: { op: string; bank: string }) => `${ch.op}:${ch.bank}`);
    expect(ops).toEqual([
      'bank_upsert:one',
      'bank_upsert:two',
      'entry_upsert:one',
      'entry_upsert:one',
      'entry_upsert:two',
      'entry_upsert:one',
      'entry_delete:one',
    ]);
    const upsertA = all.changes[2];
    // The entry is its current state: deleted since, so null; the change itself carries the hash.
    expect(upsertA).toMatchObject({ signalType: 'pdq', value: a, active: true, entry: null });
    expect(all.changes[3].entry).toMatchObject({ value: b, disabled: true });
    expect(all.changes[5]).toMatchObject({ value: b, active: false });
    expect(all.changes[6]).toMatchObject({ op: 'entry_delete', value: a, entryId: added.created[0].id });

    // Paging: two at a time reproduces the same sequence.
    const seen: number[] = [];
    let after = 0;
    for (;;) {
      const page = (
        await t.call(reader, { method: 'GET', url: `/v1/changes?after=${after}&limit=2` })
      ).json();
      seen.push(...page.changes.map((ch: { seq: number }) => ch.seq));
      after = page.nextAfter;
      if (!page.hasMore) break;
    }
    expect(seen).toEqual(all.changes.map((ch: { seq: number }) => ch.seq));

    const two = (await t.call(reader, { method: 'GET', url: '/v1/banks/two/changes' })).json();
    expect(two.changes.map((ch: { op: string }) => ch.op)).toEqual(['bank_upsert', 'entry_upsert']);
    expect(two.changes[1].value).toBe(c);
    const later = (
      await t.call(reader, { method: 'GET', url: `/v1/banks/two/changes?after=${two.nextAfter}` })
    ).json();
    expect(later.changes).toEqual([]);
  });

  test('bank deletion is in the feed, entry deletions first', async () => {
    await createBank({ name: 'gone', kind: 'test' });
    await addEntries('gone', [{ signalType: 'pdq', value: randomPdq() }]);
    const before = (await t.call(reader, { method: 'GET', url: '/v1/changes' })).json().nextAfter;
    await t.call(writer, { method: 'DELETE', url: '/v1/banks/gone' });
    const after = (await t.call(reader, { method: 'GET', url: `/v1/changes?after=${before}` })).json();
    expect(after.changes.map((ch: { op: string }) => ch.op)).toEqual(['entry_delete', 'bank_delete']);
    expect(after.changes[1]).toMatchObject({ bankId: 1, bank: null });
  });
});
