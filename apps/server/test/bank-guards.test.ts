import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createTestApp, problemBody, randomPdq, type TestApp } from './support/test-app.js';

// Issue 15, finding 1: a `banks:write` key bypassed four eyes and the audit log on the hotline's
// bank. Banks that hold published material now change only through the workbench's four-eyes
// publication, every bank change is audited with its actor, and keys can be limited to banks.

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.close());

/** The hotline's bank as the workbench's first publication leaves it, with one entry. */
async function publishedBank(name = 'hotline-known-csam') {
  const bank = await t.store.createBank({ name, kind: 'known_csam', fourEyes: true });
  const added = await t.store.addEntries(
    bank.id,
    [{ signalType: 'md5', value: 'a'.repeat(32) }],
    'hotline:1+2',
  );
  await t.engine.catchUp();
  return { bank, entryId: added.created[0]!.id };
}

async function auditRows(action?: string) {
  const rows = await t.app.hashlineHotline.store.listAudit({ limit: 1000 });
  return rows.filter((row) => action === undefined || row.action === action);
}

describe('four eyes that API keys cannot bypass', () => {
  test('every bank-changing route answers 403 FOUR_EYES_REQUIRED to banks:write and admin keys on the hotline bank', async () => {
    const { entryId } = await publishedBank();
    for (const token of [await t.key(['banks:write']), await t.key(['admin'])]) {
      const attempts = [
        {
          method: 'POST' as const,
          url: '/v1/banks/hotline-known-csam/entries',
          payload: { entries: [{ signalType: 'md5', value: 'b'.repeat(32) }] },
        },
        { method: 'DELETE' as const, url: `/v1/entries/${entryId}` },
        { method: 'PATCH' as const, url: `/v1/entries/${entryId}`, payload: { disabled: true } },
        { method: 'PATCH' as const, url: '/v1/banks/hotline-known-csam', payload: { enabled: false } },
        { method: 'DELETE' as const, url: '/v1/banks/hotline-known-csam' },
        {
          method: 'POST' as const,
          url: '/v1/banks/hotline-known-csam/imports?format=threatexchange',
          payload: `${'c'.repeat(32)}\n`,
          headers: { 'content-type': 'text/plain' },
        },
      ];
      for (const attempt of attempts) {
        const response = await t.call(token, attempt);
        expect(response.statusCode, `${attempt.method} ${attempt.url}`).toBe(403);
        expect(response.headers['content-type']).toContain('application/problem+json');
        expect(problemBody(response).code).toBe('FOUR_EYES_REQUIRED');
      }
    }
    // Nothing changed: the entry is there, enabled, and matches.
    const entry = await t.store.getEntry(entryId);
    expect(entry?.disabled).toBe(false);
    expect(await t.store.countEntries((await t.store.getBankByName('hotline-known-csam'))!.id)).toBe(1);
  });

  test('no key can create the hotline bank before the workbench does (it would own its webhook)', async () => {
    const response = await t.call(await t.key(['banks:write']), {
      method: 'POST',
      url: '/v1/banks',
      payload: { name: 'hotline-known-csam', kind: 'known_csam' },
    });
    expect(response.statusCode).toBe(403);
    expect(problemBody(response).code).toBe('FOUR_EYES_REQUIRED');
  });

  test('admins mark other banks; a banks:write key cannot, and is then refused on them; the hotline bank stays marked', async () => {
    const writer = await t.key(['banks:write']);
    const admin = await t.key(['admin']);
    await t.call(writer, {
      method: 'POST',
      url: '/v1/banks',
      payload: { name: 'partner', kind: 'known_csam' },
    });
    const byWriter = await t.call(writer, {
      method: 'PATCH',
      url: '/v1/banks/partner',
      payload: { fourEyes: true },
    });
    expect(byWriter.statusCode).toBe(403);
    expect(problemBody(byWriter).code).toBe('FORBIDDEN');
    const byAdmin = await t.call(admin, {
      method: 'PATCH',
      url: '/v1/banks/partner',
      payload: { fourEyes: true },
    });
    expect(byAdmin.statusCode).toBe(200);
    expect(byAdmin.json().fourEyes).toBe(true);
    const add = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/partner/entries',
      payload: { entries: [{ signalType: 'md5', value: 'd'.repeat(32) }] },
    });
    expect(problemBody(add).code).toBe('FOUR_EYES_REQUIRED');

    await publishedBank();
    const unmark = await t.call(admin, {
      method: 'PATCH',
      url: '/v1/banks/hotline-known-csam',
      payload: { fourEyes: false },
    });
    expect(unmark.statusCode).toBe(403);
    expect(problemBody(unmark).code).toBe('FOUR_EYES_REQUIRED');
  });

  test('every bank change through the API is in the audit chain with the key as actor, and the chain verifies', async () => {
    const writer = await t.key(['banks:write']);
    const keyId = writer.split('_')[1]!;
    await t.call(writer, {
      method: 'POST',
      url: '/v1/banks',
      payload: { name: 'partner', kind: 'known_csam' },
    });
    const added = await t.call(writer, {
      method: 'POST',
      url: '/v1/banks/partner/entries',
      payload: { entries: [{ signalType: 'pdq', value: randomPdq(), quality: 90 }] },
    });
    const entryId = added.json().created[0].id as number;
    await t.call(writer, { method: 'PATCH', url: `/v1/entries/${entryId}`, payload: { disabled: true } });
    await t.call(writer, { method: 'DELETE', url: `/v1/entries/${entryId}` });
    await t.call(writer, { method: 'PATCH', url: '/v1/banks/partner', payload: { enabled: false } });
    await t.call(writer, { method: 'DELETE', url: '/v1/banks/partner' });

    const rows = (await auditRows()).filter((row) => row.subjectType === 'bank');
    expect(rows.map((row) => row.action)).toEqual([
      'bank_created',
      'bank_entries_added',
      'bank_entry_updated',
      'bank_entry_deleted',
      'bank_updated',
      'bank_deleted',
    ]);
    for (const row of rows) {
      expect(row.actor).toBe(`api-key:${keyId}`);
      expect(row.subjectId).toBe('partner');
    }
    // Counts, never hash values.
    expect(JSON.stringify(rows.map((row) => row.details))).not.toMatch(/[0-9a-f]{32}/);
    expect((await t.app.hashlineHotline.workbench.verifyAudit()).ok).toBe(true);
  });
});

describe('keys limited to named banks', () => {
  test('read, write and match only the banks on the list; spanning routes refused', async () => {
    const admin = await t.key(['admin']);
    for (const name of ['mine', 'theirs']) {
      await t.call(admin, { method: 'POST', url: '/v1/banks', payload: { name, kind: 'known_csam' } });
    }
    const mineHash = randomPdq();
    const theirsHash = randomPdq();
    for (const [bank, value] of [
      ['mine', mineHash],
      ['theirs', theirsHash],
    ] as const) {
      await t.call(admin, {
        method: 'POST',
        url: `/v1/banks/${bank}/entries`,
        payload: { entries: [{ signalType: 'pdq', value, quality: 90 }] },
      });
    }
    const theirsEntry = (await t.call(admin, { method: 'GET', url: '/v1/banks/theirs/entries' })).json()
      .entries[0].id as number;
    const theirsId = (await t.store.getBankByName('theirs'))!.id;
    const limited = await t.key(['banks:write', 'match'], null, ['mine']);

    const list = await t.call(limited, { method: 'GET', url: '/v1/banks' });
    expect(list.json().banks.map((b: { name: string }) => b.name)).toEqual(['mine']);
    expect((await t.call(limited, { method: 'GET', url: '/v1/banks/mine' })).statusCode).toBe(200);
    for (const request of [
      { method: 'GET' as const, url: '/v1/banks/theirs' },
      { method: 'GET' as const, url: `/v1/banks/${theirsId}` },
      { method: 'GET' as const, url: '/v1/banks/no-such-bank' },
      { method: 'GET' as const, url: '/v1/banks/theirs/entries' },
      { method: 'GET' as const, url: `/v1/entries/${theirsEntry}` },
      { method: 'DELETE' as const, url: `/v1/entries/${theirsEntry}` },
      {
        method: 'POST' as const,
        url: '/v1/banks/theirs/entries',
        payload: { entries: [{ signalType: 'md5', value: 'e'.repeat(32) }] },
      },
      { method: 'GET' as const, url: '/v1/changes' },
      { method: 'GET' as const, url: '/v1/webhook-deliveries' },
    ]) {
      const response = await t.call(limited, request);
      expect(response.statusCode, `${request.method} ${request.url}`).toBe(403);
      expect(problemBody(response).code).toBe('BANK_NOT_ALLOWED');
    }

    // Matching: only against the key's banks, whatever the request asks.
    const both = await t.call(limited, {
      method: 'POST',
      url: '/v1/match',
      payload: {
        hashes: [
          { signalType: 'pdq', value: mineHash },
          { signalType: 'pdq', value: theirsHash },
        ],
      },
    });
    expect(both.statusCode).toBe(200);
    expect(both.json().results.map((r: { matched: boolean }) => r.matched)).toEqual([true, false]);
    const asked = await t.call(limited, {
      method: 'POST',
      url: '/v1/match',
      payload: { hashes: [{ signalType: 'pdq', value: theirsHash }], banks: ['theirs'] },
    });
    expect(asked.statusCode).toBe(403);
    expect(problemBody(asked).code).toBe('BANK_NOT_ALLOWED');
    // An unlimited key still sees both.
    const full = await t.call(await t.key(['match']), {
      method: 'POST',
      url: '/v1/match',
      payload: { hashes: [{ signalType: 'pdq', value: theirsHash }] },
    });
    expect(full.json().results[0].matched).toBe(true);
  });

  test('an admin creates a limited key through the API; its list is shown', async () => {
    const admin = await t.key(['admin']);
    const created = await t.call(admin, {
      method: 'POST',
      url: '/v1/api-keys',
      payload: { name: 'platform x', scopes: ['match:verdict'], banks: ['mine'] },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().apiKey.banks).toEqual(['mine']);
    const bad = await t.call(admin, {
      method: 'POST',
      url: '/v1/api-keys',
      payload: { name: 'bad', scopes: ['match'], banks: ['Not A Bank!'] },
    });
    expect(bad.statusCode).toBe(400);
  });
});
