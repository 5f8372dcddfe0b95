import {
  DEFAULT_PDQ_THRESHOLD,
  PDQ_VARIANT_KINDS,
  vpdqSignalKey,
  type VpdqFrame,
  type BankChange,
  type Clock,
  type HashlineStore,
  type NewEntry,
  type NewMatchRecord,
  type SignalType,
} from '@hashline/domain';
import { createManualClock, type ManualClock } from '@hashline/domain/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** A fresh, empty store for one test, and how to dispose of it afterwards. */
export interface ContractStore {
  readonly store: HashlineStore;
  /** Closes the store and removes what it created (temporary file, schema). */
  readonly cleanup: () => Promise<void>;
}

/** Opens a fresh, empty store whose timestamps come from `clock`. */
export type OpenContractStore = (clock: Clock) => Promise<ContractStore>;

const HEX_LENGTH: Record<SignalType, number> = { pdq: 64, md5: 32, sha1: 40, sha256: 64, vpdq: 64 };

/** A small benign video signal: `frames` frames of made-up hashes, as a vpdq NewEntry. */
function videoEntry(n: number, frames = 3, extra: Partial<NewEntry> = {}): NewEntry {
  const list: VpdqFrame[] = Array.from({ length: frames }, (_, i) => ({
    frameNumber: i,
    quality: i === 0 ? 40 : 100,
    pdqHex: `${(n * 16 + i + 1).toString(16).padStart(8, '0')}${'5a'.repeat(28)}`,
    timestampSeconds: i * 0.5,
  }));
  return {
    signalType: 'vpdq',
    value: vpdqSignalKey(list),
    video: { frames: list, fileMd5: 'ab'.repeat(16), fileSha256: null },
    ...extra,
  };
}

/** A distinct, well-formed lower-case hex value of `signalType` for each `n`. */
export function hexValue(signalType: SignalType, n: number): string {
  return `e${n.toString(16).padStart(HEX_LENGTH[signalType] - 1, '0')}`;
}

function entry(signalType: SignalType, n: number, extra: Partial<NewEntry> = {}): NewEntry {
  return { signalType, value: hexValue(signalType, n), ...extra };
}

async function expectDomainError(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'DomainError', code });
}

function ops(changes: readonly BankChange[]): string[] {
  return changes.map((change) =>
    'entryId' in change ? `${change.op}:${change.entryId}` : `${change.op}:b${change.bankId}`,
  );
}

/**
 * The behaviour every {@link HashlineStore} must have, run against the in-memory store, SQLite
 * and PostgreSQL. Each test gets a fresh store and a manual clock starting at 2025-01-01.
 */
export function describeHashlineStoreContract(name: string, open: OpenContractStore): void {
  describe(`HashlineStore contract: ${name}`, () => {
    let store: HashlineStore;
    let clock: ManualClock;
    let cleanup: () => Promise<void>;
    const t0 = new Date(Date.UTC(2025, 0, 1));

    beforeEach(async () => {
      clock = createManualClock(t0);
      ({ store, cleanup } = await open(clock));
    });

    afterEach(async () => {
      await cleanup();
    });

    describe('banks', () => {
      it('creates a bank with defaults and reads it back by id, by name and in the list', async () => {
        const bank = await store.createBank({ name: 'known-csam', kind: 'known_csam' });
        expect(bank).toEqual({
          id: expect.any(Number),
          name: 'known-csam',
          description: '',
          kind: 'known_csam',
          defaultActions: [],
          pdqThreshold: DEFAULT_PDQ_THRESHOLD,
          vpdqMatchPercent: 80,
          vpdqQueryMatchPercent: 0,
          enabled: true,
          fourEyes: false,
          webhookUrl: null,
          createdAt: t0,
          updatedAt: t0,
        });
        expect(bank).not.toHaveProperty('webhookSecret');
        expect(await store.getBank(bank.id)).toEqual(bank);
        expect(await store.getBankByName('known-csam')).toEqual(bank);
        expect(await store.listBanks()).toEqual([bank]);
        expect(await store.getBank(bank.id + 1000)).toBeUndefined();
        expect(await store.getBankByName('nope')).toBeUndefined();
      });

      it('marks a bank as holding published material, and unmarks it (migration 0013)', async () => {
        const bank = await store.createBank({ name: 'published', kind: 'known_csam', fourEyes: true });
        expect(bank.fourEyes).toBe(true);
        expect((await store.getBankByName('published'))?.fourEyes).toBe(true);
        expect((await store.updateBank(bank.id, { fourEyes: false })).fourEyes).toBe(false);
        expect((await store.updateBank(bank.id, { description: 'x' })).fourEyes).toBe(false);
      });

      it('keeps every field given at creation', async () => {
        const bank = await store.createBank({
          name: 'partner_1',
          description: 'Partner hotline list',
          kind: 'self_submitted_minors',
          defaultActions: ['block', 'report_ncmec'],
          pdqThreshold: 20,
          enabled: false,
          webhookUrl: 'https://hooks.example.org/hashline',
          webhookSecret: 'a-secret-of-enough-length',
        });
        expect(bank).toMatchObject({
          description: 'Partner hotline list',
          kind: 'self_submitted_minors',
          defaultActions: ['block', 'report_ncmec'],
          pdqThreshold: 20,
          enabled: false,
          webhookUrl: 'https://hooks.example.org/hashline',
        });
        expect(await store.getBank(bank.id)).toEqual(bank);
        expect(await store.getWebhookSecret(bank.id)).toBe('a-secret-of-enough-length');
      });

      it('lists banks in id order', async () => {
        const b = await store.createBank({ name: 'b', kind: 'test' });
        const a = await store.createBank({ name: 'a', kind: 'test' });
        const c = await store.createBank({ name: 'c', kind: 'test' });
        expect(b.id).toBeLessThan(a.id);
        expect((await store.listBanks()).map((bank) => bank.name)).toEqual(['b', 'a', 'c']);
        expect(c.id).toBeGreaterThan(a.id);
      });

      it('refuses a taken name on create and on rename, and changes nothing', async () => {
        const one = await store.createBank({ name: 'one', kind: 'test' });
        const two = await store.createBank({ name: 'two', kind: 'test' });
        const seq = await store.latestSeq();
        await expectDomainError(store.createBank({ name: 'one', kind: 'known_csam' }), 'BANK_NAME_TAKEN');
        await expectDomainError(
          store.updateBank(two.id, { name: 'one', pdqThreshold: 3 }),
          'BANK_NAME_TAKEN',
        );
        expect(await store.getBank(two.id)).toEqual(two);
        expect(await store.listBanks()).toEqual([one, two]);
        expect(await store.latestSeq()).toBe(seq);
        // Keeping its own name is not a conflict.
        await expect(store.updateBank(one.id, { name: 'one' })).resolves.toMatchObject({ name: 'one' });
      });

      it('updates only the fields in the patch, moves updatedAt, and null clears the webhook', async () => {
        const bank = await store.createBank({
          name: 'webhooked',
          kind: 'test',
          description: 'before',
          webhookUrl: 'https://hooks.example.org/a',
          webhookSecret: 'first-secret-1234',
        });
        clock.advance(60_000);
        const renamed = await store.updateBank(bank.id, {
          name: 'renamed',
          pdqThreshold: 10,
          kind: 'known_csam',
        });
        expect(renamed).toEqual({
          ...bank,
          name: 'renamed',
          pdqThreshold: 10,
          kind: 'known_csam',
          updatedAt: new Date(t0.getTime() + 60_000),
        });
        const cleared = await store.updateBank(bank.id, {
          webhookUrl: null,
          webhookSecret: null,
          enabled: false,
          defaultActions: ['review'],
          description: 'after',
        });
        expect(cleared).toMatchObject({
          webhookUrl: null,
          enabled: false,
          defaultActions: ['review'],
          description: 'after',
          name: 'renamed',
        });
        expect(await store.getWebhookSecret(bank.id)).toBeNull();
        await store.updateBank(bank.id, { webhookSecret: 'second-secret-1234' });
        expect(await store.getWebhookSecret(bank.id)).toBe('second-secret-1234');
        expect(await store.getBank(bank.id)).toEqual({ ...cleared, updatedAt: cleared.updatedAt });
      });

      it('reports missing banks as BANK_NOT_FOUND', async () => {
        await expectDomainError(store.updateBank(404, { enabled: false }), 'BANK_NOT_FOUND');
        await expectDomainError(store.deleteBank(404), 'BANK_NOT_FOUND');
        await expectDomainError(store.getWebhookSecret(404), 'BANK_NOT_FOUND');
        await expectDomainError(store.addEntries(404, [entry('md5', 1)], 'test'), 'BANK_NOT_FOUND');
        expect(await store.latestSeq()).toBe(0);
      });

      it('deletes a bank with its entries, logging each entry delete then the bank delete', async () => {
        const doomed = await store.createBank({ name: 'doomed', kind: 'test' });
        const kept = await store.createBank({ name: 'kept', kind: 'test' });
        const { created } = await store.addEntries(
          doomed.id,
          [entry('pdq', 1), entry('md5', 2), entry('sha256', 3, { disabled: true })],
          'test',
        );
        const keptEntries = await store.addEntries(kept.id, [entry('pdq', 1)], 'test');
        const before = await store.latestSeq();
        clock.advance(1000);

        await store.deleteBank(doomed.id);

        expect(await store.getBank(doomed.id)).toBeUndefined();
        expect(await store.countEntries(doomed.id)).toBe(0);
        expect(await store.getEntries(created.map((e) => e.id))).toEqual([]);
        expect(await store.getEntry(keptEntries.created[0]!.id)).toEqual(keptEntries.created[0]);
        const changes = await store.changesSince(before, 100);
        expect(changes.map((c) => c.op)).toEqual([
          'entry_delete',
          'entry_delete',
          'entry_delete',
          'bank_delete',
        ]);
        expect(changes.slice(0, 3)).toEqual(
          expect.arrayContaining(
            created.map((e) => ({
              seq: expect.any(Number),
              op: 'entry_delete',
              entryId: e.id,
              bankId: doomed.id,
              signalType: e.signalType,
              value: e.value,
              at: new Date(t0.getTime() + 1000),
            })),
          ),
        );
        expect(changes[3]).toMatchObject({ bankId: doomed.id, at: new Date(t0.getTime() + 1000) });
        // The name is free again, and a new bank gets a new id.
        const again = await store.createBank({ name: 'doomed', kind: 'test' });
        expect(again.id).not.toBe(doomed.id);
      });
    });

    describe('entries', () => {
      it('adds entries with defaults, integer ids in input order, and reads them back', async () => {
        const bank = await store.createBank({ name: 'b', kind: 'test' });
        clock.advance(5);
        const result = await store.addEntries(
          bank.id,
          [
            entry('pdq', 1, {
              quality: 92,
              classification: { industry: 'A1', uk: 'A', baseline: true },
              provenance: { source: 'ncmec', externalId: 'N-1', member: 'esp-7' },
              reviewerCount: 2,
              note: 'assessed twice',
            }),
            entry('md5', 2),
            entry('sha1', 3, { disabled: true }),
          ],
          'key_abc',
        );
        expect(result.existing).toEqual([]);
        expect(result.created).toHaveLength(3);
        const [pdq, md5, sha1] = result.created;
        expect(pdq).toEqual({
          id: expect.any(Number),
          bankId: bank.id,
          signalType: 'pdq',
          value: hexValue('pdq', 1),
          quality: 92,
          classification: { industry: 'A1', uk: 'A', baseline: true },
          provenance: { source: 'ncmec', externalId: 'N-1', member: 'esp-7' },
          reviewerCount: 2,
          addedBy: 'key_abc',
          note: 'assessed twice',
          disabled: false,
          feedback: null,
          createdAt: new Date(t0.getTime() + 5),
          updatedAt: new Date(t0.getTime() + 5),
        });
        expect(md5).toMatchObject({
          signalType: 'md5',
          quality: null,
          classification: {},
          provenance: { source: 'unknown' },
          reviewerCount: 0,
          note: null,
          disabled: false,
        });
        expect(sha1!.disabled).toBe(true);
        for (const e of result.created) {
          expect(Number.isInteger(e.id) && e.id >= 1 && e.id <= 0xffffffff).toBe(true);
        }
        expect(pdq!.id).toBeLessThan(md5!.id);
        expect(md5!.id).toBeLessThan(sha1!.id);
        expect(await store.getEntry(pdq!.id)).toEqual(pdq);
        expect(await store.getEntry(sha1!.id + 1000)).toBeUndefined();
        expect(result.seq).toBe(await store.latestSeq());
      });

      it('returns duplicates under existing, from the bank and from within the batch', async () => {
        const bank = await store.createBank({ name: 'b', kind: 'test' });
        const other = await store.createBank({ name: 'other', kind: 'test' });
        const first = await store.addEntries(bank.id, [entry('md5', 1), entry('pdq', 2)], 'test');
        const otherBank = await store.addEntries(other.id, [entry('md5', 7)], 'test');
        const seqBefore = await store.latestSeq();

        const second = await store.addEntries(
          bank.id,
          [
            entry('md5', 1, { note: 'ignored: already there' }),
            entry('md5', 3),
            entry('md5', 3, { note: 'ignored: same batch' }),
            entry('sha256', 2),
            entry('pdq', 2),
            entry('md5', 7),
          ],
          'test',
        );

        const created = second.created;
        expect(created.map((e) => [e.signalType, e.value])).toEqual([
          ['md5', hexValue('md5', 3)],
          ['sha256', hexValue('sha256', 2)],
          ['md5', hexValue('md5', 7)],
        ]);
        // Same value in another bank or with another signal type is not a duplicate.
        expect(created[2]!.id).not.toBe(otherBank.created[0]!.id);
        expect(second.existing).toEqual([first.created[0], created[0], first.created[1]]);
        expect(second.existing[0]!.note).toBeNull();
        expect(await store.countEntries(bank.id)).toBe(5);
        // Only the created entries were logged.
        const changes = await store.changesSince(seqBefore, 100);
        expect(changes.map((c) => (c.op === 'entry_upsert' ? c.entryId : -1))).toEqual(
          created.map((e) => e.id),
        );
        expect(second.seq).toBe(changes.at(-1)!.seq);

        const again = await store.addEntries(bank.id, [entry('md5', 3)], 'test');
        expect(again).toEqual({ created: [], existing: [created[0]], seq: second.seq });
      });

      it('handles an empty batch and a batch larger than one statement', async () => {
        const bank = await store.createBank({ name: 'big', kind: 'test' });
        const seq = await store.latestSeq();
        expect(await store.addEntries(bank.id, [], 'test')).toEqual({ created: [], existing: [], seq });

        const batch = Array.from({ length: 1203 }, (_, i) => entry(i % 2 ? 'md5' : 'pdq', i + 1));
        const result = await store.addEntries(bank.id, batch, 'import:big.csv');
        expect(result.created).toHaveLength(1203);
        expect(result.created.map((e) => e.value)).toEqual(batch.map((e) => e.value));
        const ids = result.created.map((e) => e.id);
        expect([...ids].sort((a, b) => a - b)).toEqual(ids);
        expect(new Set(ids).size).toBe(1203);
        const changes = await store.changesSince(seq, 5000);
        expect(changes.map((c) => (c.op === 'entry_upsert' ? c.entryId : -1))).toEqual(ids);
        expect(result.seq).toBe(changes.at(-1)!.seq);

        const repeat = await store.addEntries(bank.id, [...batch].reverse(), 'test');
        expect(repeat.created).toEqual([]);
        expect(repeat.existing.map((e) => e.id)).toEqual([...ids].reverse());
        expect(await store.countEntries(bank.id)).toBe(1203);
      });

      it('gets entries by ids in id order, skipping unknown ids and repeats', async () => {
        const bank = await store.createBank({ name: 'b', kind: 'test' });
        const { created } = await store.addEntries(
          bank.id,
          [1, 2, 3].map((n) => entry('md5', n)),
          't',
        );
        const [a, b, c] = created;
        expect(await store.getEntries([c!.id, a!.id, 999_999, c!.id])).toEqual([a, c]);
        expect(await store.getEntries([])).toEqual([]);
        expect(await store.getEntries([b!.id])).toEqual([b]);
      });

      it('lists entries in id pages, by signal type, with or without disabled ones', async () => {
        const bank = await store.createBank({ name: 'b', kind: 'test' });
        const other = await store.createBank({ name: 'other', kind: 'test' });
        await store.addEntries(other.id, [entry('md5', 100)], 't');
        const { created } = await store.addEntries(
          bank.id,
          [
            entry('pdq', 1),
            entry('md5', 2),
            entry('pdq', 3, { disabled: true }),
            entry('md5', 4),
            entry('pdq', 5),
          ],
          't',
        );
        const ids = created.map((e) => e.id);
        const page1 = await store.listEntries(bank.id, { limit: 2 });
        expect(page1.map((e) => e.id)).toEqual([ids[0], ids[1]]);
        const page2 = await store.listEntries(bank.id, { limit: 2, afterId: page1[1]!.id });
        expect(page2.map((e) => e.id)).toEqual([ids[3], ids[4]]);
        expect(await store.listEntries(bank.id, { limit: 2, afterId: ids[4]! })).toEqual([]);
        expect(
          (await store.listEntries(bank.id, { limit: 10, includeDisabled: true })).map((e) => e.id),
        ).toEqual(ids);
        expect(
          (await store.listEntries(bank.id, { limit: 10, signalType: 'pdq', includeDisabled: true })).map(
            (e) => e.id,
          ),
        ).toEqual([ids[0], ids[2], ids[4]]);
        expect(await store.listEntries(bank.id, { limit: 0 })).toEqual([]);
        expect(await store.listEntries(404, { limit: 10 })).toEqual([]);
        expect(await store.countEntries(bank.id)).toBe(5);
        expect(await store.countEntries(404)).toBe(0);
      });

      it('finds entries by signal value or by provenance source and external id', async () => {
        const bank = await store.createBank({ name: 'ncmec', kind: 'known_csam' });
        const other = await store.createBank({ name: 'other', kind: 'test' });
        const ncmec = (id: string) => ({ source: 'ncmec', externalId: id });
        const { created } = await store.addEntries(
          bank.id,
          [
            entry('pdq', 1, { provenance: ncmec('N-1') }),
            entry('md5', 1, { provenance: ncmec('N-1'), disabled: true }),
            entry('md5', 2, { provenance: ncmec('N-2') }),
            entry('sha1', 3, { provenance: { source: 'stopncii', externalId: 'N-1' } }),
          ],
          't',
        );
        await store.addEntries(other.id, [entry('md5', 1, { provenance: ncmec('N-1') })], 't');

        expect(await store.findEntries(bank.id, { signalType: 'md5', value: hexValue('md5', 1) })).toEqual([
          created[1],
        ]);
        expect(await store.findEntries(bank.id, { signalType: 'sha1', value: hexValue('md5', 1) })).toEqual(
          [],
        );
        expect(await store.findEntries(bank.id, { source: 'ncmec', externalId: 'N-1' })).toEqual([
          created[0],
          created[1],
        ]);
        expect(await store.findEntries(bank.id, { source: 'ncmec', externalId: 'N-9' })).toEqual([]);
        expect(await store.findEntries(404, { source: 'ncmec', externalId: 'N-1' })).toEqual([]);
      });

      it('updates entries, logging entry_upsert with whether the entry is active', async () => {
        const bank = await store.createBank({ name: 'b', kind: 'test' });
        const { created } = await store.addEntries(bank.id, [entry('pdq', 1)], 't');
        const original = created[0]!;
        const seq = await store.latestSeq();
        clock.advance(1000);

        const disabled = await store.updateEntry(original.id, {
          disabled: true,
          feedback: 'negative',
          note: 'false positive reported',
        });
        expect(disabled).toEqual({
          ...original,
          disabled: true,
          feedback: 'negative',
          note: 'false positive reported',
          updatedAt: new Date(t0.getTime() + 1000),
        });
        expect(await store.getEntry(original.id)).toEqual(disabled);

        const reviewed = await store.updateEntry(original.id, {
          disabled: false,
          classification: { industry: 'B2' },
          reviewerCount: 3,
          note: null,
          feedback: null,
        });
        expect(reviewed).toMatchObject({
          disabled: false,
          classification: { industry: 'B2' },
          reviewerCount: 3,
          note: null,
          feedback: null,
        });

        await store.updateBank(bank.id, { enabled: false });
        await store.updateEntry(original.id, { note: 'bank is off' });

        const changes = await store.changesSince(seq, 10);
        expect(changes).toEqual([
          {
            seq: expect.any(Number),
            op: 'entry_upsert',
            entryId: original.id,
            bankId: bank.id,
            signalType: 'pdq',
            value: original.value,
            active: false,
            at: new Date(t0.getTime() + 1000),
          },
          expect.objectContaining({ op: 'entry_upsert', active: true }),
          expect.objectContaining({ op: 'bank_upsert', bankId: bank.id }),
          // Enabled entry of a disabled bank: not active.
          expect.objectContaining({ op: 'entry_upsert', entryId: original.id, active: false }),
        ]);
        await expectDomainError(store.updateEntry(999_999, { disabled: true }), 'ENTRY_NOT_FOUND');
      });

      it('deletes an entry, logging entry_delete; a re-added value gets a new id', async () => {
        const bank = await store.createBank({ name: 'b', kind: 'test' });
        const { created } = await store.addEntries(bank.id, [entry('md5', 1), entry('md5', 2)], 't');
        const [gone, stays] = created;
        const seq = await store.latestSeq();

        await store.deleteEntry(gone!.id);

        expect(await store.getEntry(gone!.id)).toBeUndefined();
        expect(await store.getEntry(stays!.id)).toEqual(stays);
        expect(await store.changesSince(seq, 10)).toEqual([
          {
            seq: seq + 1,
            op: 'entry_delete',
            entryId: gone!.id,
            bankId: bank.id,
            signalType: 'md5',
            value: gone!.value,
            at: t0,
          },
        ]);
        await expectDomainError(store.deleteEntry(gone!.id), 'ENTRY_NOT_FOUND');
        const readded = await store.addEntries(bank.id, [entry('md5', 1)], 't');
        expect(readded.created[0]!.id).toBeGreaterThan(stays!.id);
      });

      it('returns copies: changing a returned object does not change the store', async () => {
        const bank = await store.createBank({ name: 'b', kind: 'test', defaultActions: ['block'] });
        const { created } = await store.addEntries(
          bank.id,
          [entry('md5', 1, { classification: { uk: 'B' } })],
          't',
        );
        (bank.defaultActions as string[]).push('notify');
        bank.createdAt.setTime(0);
        (created[0]!.classification as { uk?: string }).uk = 'C';
        expect((await store.getBank(bank.id))!.defaultActions).toEqual(['block']);
        expect((await store.getBank(bank.id))!.createdAt).toEqual(t0);
        expect((await store.getEntry(created[0]!.id))!.classification).toEqual({ uk: 'B' });
      });
    });

    describe('change log', () => {
      it('starts empty, numbers every mutation with a strictly increasing seq, and pages', async () => {
        expect(await store.latestSeq()).toBe(0);
        expect(await store.changesSince(0, 10)).toEqual([]);

        const bank = await store.createBank({ name: 'b', kind: 'test' });
        const { created } = await store.addEntries(bank.id, [entry('md5', 1), entry('pdq', 2)], 't');
        const [e1, e2] = created;
        await store.updateEntry(e1!.id, { disabled: true });
        await store.updateBank(bank.id, { pdqThreshold: 12 });
        await store.deleteEntry(e2!.id);
        await store.deleteBank(bank.id);

        const all = await store.changesSince(0, 100);
        expect(ops(all)).toEqual([
          `bank_upsert:b${bank.id}`,
          `entry_upsert:${e1!.id}`,
          `entry_upsert:${e2!.id}`,
          `entry_upsert:${e1!.id}`,
          `bank_upsert:b${bank.id}`,
          `entry_delete:${e2!.id}`,
          `entry_delete:${e1!.id}`,
          `bank_delete:b${bank.id}`,
        ]);
        for (let i = 1; i < all.length; i++) expect(all[i]!.seq).toBeGreaterThan(all[i - 1]!.seq);
        expect(await store.latestSeq()).toBe(all.at(-1)!.seq);

        // Keyset pages over seq.
        const paged: BankChange[] = [];
        let after = 0;
        for (;;) {
          const page = await store.changesSince(after, 3);
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(3);
          paged.push(...page);
          after = page.at(-1)!.seq;
        }
        expect(paged).toEqual(all);
        expect(await store.changesSince(all.at(-1)!.seq, 10)).toEqual([]);
        expect(await store.changesSince(all[4]!.seq, 2)).toEqual(all.slice(5, 7));
      });

      it('logs entries added to a disabled bank, or added disabled, as inactive', async () => {
        const off = await store.createBank({ name: 'off', kind: 'test', enabled: false });
        const on = await store.createBank({ name: 'on', kind: 'test' });
        const seq = await store.latestSeq();
        await store.addEntries(off.id, [entry('md5', 1)], 't');
        await store.addEntries(on.id, [entry('md5', 1), entry('md5', 2, { disabled: true })], 't');
        const changes = await store.changesSince(seq, 10);
        expect(changes.map((c) => c.op === 'entry_upsert' && c.active)).toEqual([false, true, false]);
      });

      it('pages active signals: enabled entries of enabled banks, in id order', async () => {
        const on = await store.createBank({ name: 'on', kind: 'test' });
        const off = await store.createBank({ name: 'off', kind: 'test', enabled: false });
        const a = await store.addEntries(on.id, [entry('pdq', 1), entry('md5', 2)], 't');
        await store.addEntries(off.id, [entry('pdq', 3)], 't');
        const b = await store.addEntries(
          on.id,
          [entry('sha256', 4, { disabled: true }), entry('sha1', 5), entry('pdq', 6)],
          't',
        );
        const expected = [a.created[0]!, a.created[1]!, b.created[1]!, b.created[2]!].map((e) => ({
          entryId: e.id,
          bankId: on.id,
          signalType: e.signalType,
          value: e.value,
        }));
        expect(await store.activeSignals(0, 100)).toEqual(expected);
        const first = await store.activeSignals(0, 3);
        expect(first).toEqual(expected.slice(0, 3));
        expect(await store.activeSignals(first[2]!.entryId, 3)).toEqual(expected.slice(3));
        expect(await store.activeSignals(expected[3]!.entryId, 3)).toEqual([]);

        await store.updateBank(off.id, { enabled: true });
        await store.updateBank(on.id, { enabled: false });
        expect((await store.activeSignals(0, 100)).map((s) => s.bankId)).toEqual([off.id]);
      });
    });

    describe('match records', () => {
      const record = (over: Partial<NewMatchRecord> = {}): NewMatchRecord => ({
        createdAt: t0,
        caller: 'key_a',
        source: 'hash',
        signalType: 'pdq',
        value: hexValue('pdq', 1),
        matches: [{ entryId: 1, bankId: 1, distance: 4 }],
        contentRef: null,
        ...over,
      });

      it('stores a record and reads it back', async () => {
        const saved = await store.recordMatch(
          record({
            source: 'media',
            matches: [
              { entryId: 3, bankId: 1, distance: 0, variant: 'rotate90' },
              { entryId: 9, bankId: 2, distance: 17 },
            ],
            contentRef: 'upload-77',
          }),
        );
        expect(saved).toEqual({
          id: expect.any(Number),
          createdAt: t0,
          caller: 'key_a',
          source: 'media',
          signalType: 'pdq',
          value: hexValue('pdq', 1),
          matches: [
            { entryId: 3, bankId: 1, distance: 0, variant: 'rotate90' },
            { entryId: 9, bankId: 2, distance: 17 },
          ],
          contentRef: 'upload-77',
        });
        expect(await store.getMatchRecord(saved.id)).toEqual(saved);
        expect(await store.getMatchRecord(saved.id + 100)).toBeUndefined();
      });

      it('stores a record with its webhook notifications in one transaction; if they fail, neither is stored', async () => {
        const notify = (stored: { id: number }) => [
          {
            bankId: 1,
            url: 'https://hooks.example.org/m',
            payload: { type: 'match', id: `match-${stored.id}-1`, recordId: stored.id },
            idempotencyKey: `match-${stored.id}-1`,
          },
        ];
        const saved = await store.recordMatch(record(), notify);
        const queued = await store.listDeliveries({ limit: 10 });
        expect(queued.map((d) => d.idempotencyKey)).toEqual([`match-${saved.id}-1`]);
        expect(JSON.parse(queued[0]!.body)).toEqual({
          type: 'match',
          id: `match-${saved.id}-1`,
          seq: 1,
          recordId: saved.id,
        });
        await expect(
          store.recordMatch(record({ caller: 'key_b' }), () => {
            throw new Error('the notifications could not be built');
          }),
        ).rejects.toThrow('the notifications could not be built');
        expect((await store.listMatchRecords({ limit: 10 })).map((r) => r.id)).toEqual([saved.id]);
        expect(await store.listDeliveries({ limit: 10 })).toHaveLength(1);
      });

      it("stores many records in one call (group commit): ids and each bank's seq follow the order given", async () => {
        // 600 records: more than one multi-row insert's chunk.
        const items = Array.from({ length: 600 }, (_, i) => ({
          record: record({
            caller: `key_${i}`,
            value: hexValue('pdq', i + 1),
            matches: [{ entryId: i + 1, bankId: (i % 2) + 1, distance: i % 32 }],
            contentRef: i % 3 === 0 ? `upload-${i}` : null,
          }),
          // Every third record queues no notification.
          ...(i % 3 === 2
            ? {}
            : {
                notifications: (stored: { id: number }) => [
                  {
                    bankId: (i % 2) + 1,
                    url: `https://hooks.example.org/${(i % 2) + 1}`,
                    payload: { type: 'match', id: `match-${stored.id}`, recordId: stored.id },
                    idempotencyKey: `match-${stored.id}`,
                  },
                ],
              }),
        }));
        const saved = await store.recordMatches(items);
        expect(saved).toHaveLength(600);
        saved.forEach((r, i) => {
          expect(r).toEqual({ ...items[i]!.record, id: expect.any(Number) });
          if (i > 0) expect(r.id).toBeGreaterThan(saved[i - 1]!.id);
        });
        for (const i of [0, 1, 499, 500, 599])
          expect(await store.getMatchRecord(saved[i]!.id)).toEqual(saved[i]);
        expect((await store.listMatchRecords({ limit: 1000, bankId: 2 })).length).toBe(300);
        const deliveries = (await store.listDeliveries({ limit: 1000 })).reverse();
        expect(deliveries).toHaveLength(400);
        for (const bankId of [1, 2]) {
          const mine = deliveries.filter((d) => d.bankId === bankId);
          const recordIds = mine.map((d) => (JSON.parse(d.body) as { recordId: number }).recordId);
          expect(mine.map((d) => d.seq)).toEqual(mine.map((_, k) => k + 1));
          expect(recordIds).toEqual([...recordIds].sort((a, b) => a - b));
          expect(mine.every((d) => JSON.parse(d.body).seq === d.seq)).toBe(true);
        }
        expect(await store.recordMatches([])).toEqual([]);
      });

      it("stores none of a group when one record's notifications fail", async () => {
        const before = await store.recordMatch(record());
        await expect(
          store.recordMatches([
            { record: record({ caller: 'ok' }) },
            {
              record: record({ caller: 'bad' }),
              notifications: () => {
                throw new Error('the notifications could not be built');
              },
            },
          ]),
        ).rejects.toThrow('the notifications could not be built');
        expect((await store.listMatchRecords({ limit: 10 })).map((r) => r.id)).toEqual([before.id]);
        expect(await store.listDeliveries({ limit: 10 })).toHaveLength(0);
      });

      it('retention deletes old records and finished old deliveries in bounded batches, keeps the rest', async () => {
        const day = 86_400_000;
        const notify = (url: string) => (stored: { id: number }) => [
          {
            bankId: 1,
            url,
            payload: { type: 'match', id: `match-${stored.id}-1`, recordId: stored.id },
            idempotencyKey: `match-${stored.id}-1`,
          },
        ];
        const [old1, old2] = await store.recordMatches([
          { record: record({ createdAt: t0 }), notifications: notify('https://hooks.example.org/a') },
          { record: record({ createdAt: t0 }), notifications: notify('https://hooks.example.org/a') },
        ]);
        // The first is delivered; the second stays pending behind it... and is left pending.
        const [first] = await store.claimDueDeliveries(t0, 10, 1_000);
        await store.markDelivered(first!.id, t0);
        clock.advance(100 * day);
        const now = clock.now();
        const fresh = await store.recordMatch(
          record({ createdAt: now }),
          notify('https://hooks.example.org/b'),
        );
        const claimed = await store.claimDueDeliveries(now, 10, 1_000);
        const freshDelivery = claimed.find((d) => d.url.endsWith('/b'))!;
        await store.markDelivered(freshDelivery.id, now);
        const pendingOld = claimed.find((d) => d.url.endsWith('/a'))!;
        await store.markAttemptFailed(pendingOld.id, 'HTTP 503', new Date(now.getTime() + 60_000));

        const cutoff = new Date(now.getTime() - 90 * day);
        expect(await store.deleteMatchRecordsBefore(cutoff, 1)).toEqual({ records: 1, deliveries: 1 });
        expect(await store.deleteMatchRecordsBefore(cutoff, 1)).toEqual({ records: 1, deliveries: 0 });
        expect(await store.deleteMatchRecordsBefore(cutoff, 1)).toEqual({ records: 0, deliveries: 0 });

        expect(await store.getMatchRecord(old1!.id)).toBeUndefined();
        expect(await store.getMatchRecord(old2!.id)).toBeUndefined();
        expect(await store.getMatchRecord(fresh.id)).toEqual(fresh);
        expect((await store.listMatchRecords({ limit: 10, bankId: 1 })).map((r) => r.id)).toEqual([fresh.id]);
        // The old delivered one is gone; the old one still retrying (its record deleted) and the new
        // delivered one stay, bodies intact, and the retrying one can still be claimed and delivered.
        const left = await store.listDeliveries({ limit: 10 });
        expect(left.map((d) => d.id).sort((a, b) => a - b)).toEqual(
          [pendingOld.id, freshDelivery.id].sort((a, b) => a - b),
        );
        expect(JSON.parse((await store.getDelivery(pendingOld.id))!.body)).toMatchObject({
          recordId: old2!.id,
        });
        clock.advance(120_000);
        const [retried] = await store.claimDueDeliveries(clock.now(), 10, 1_000);
        expect(retried?.id).toBe(pendingOld.id);
        await store.markDelivered(pendingOld.id, clock.now());
        expect(await store.deleteMatchRecordsBefore(cutoff, 10)).toEqual({ records: 0, deliveries: 0 });
      });

      it('lists newest first with bank, caller, time and keyset filters', async () => {
        const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
        const r1 = await store.recordMatch(record({ createdAt: at(0), caller: 'a' }));
        const r2 = await store.recordMatch(
          record({
            createdAt: at(1),
            caller: 'b',
            matches: [
              { entryId: 5, bankId: 2, distance: 0 },
              { entryId: 6, bankId: 2, distance: 1 },
            ],
          }),
        );
        const r3 = await store.recordMatch(
          record({
            createdAt: at(2),
            caller: 'a',
            matches: [
              { entryId: 1, bankId: 1, distance: 3 },
              { entryId: 5, bankId: 2, distance: 9 },
            ],
          }),
        );
        const r4 = await store.recordMatch(record({ createdAt: at(3), caller: 'b', matches: [] }));
        const ids = (list: { id: number }[]) => list.map((r) => r.id);

        expect(ids(await store.listMatchRecords({ limit: 10 }))).toEqual(ids([r4, r3, r2, r1]));
        expect(await store.listMatchRecords({ limit: 1 })).toEqual([r4]);
        expect(ids(await store.listMatchRecords({ limit: 10, bankId: 1 }))).toEqual(ids([r3, r1]));
        expect(ids(await store.listMatchRecords({ limit: 10, bankId: 2 }))).toEqual(ids([r3, r2]));
        expect(ids(await store.listMatchRecords({ limit: 10, caller: 'b' }))).toEqual(ids([r4, r2]));
        // since is inclusive, until exclusive.
        expect(ids(await store.listMatchRecords({ limit: 10, since: at(1), until: at(3) }))).toEqual(
          ids([r3, r2]),
        );
        expect(ids(await store.listMatchRecords({ limit: 2, beforeId: r3.id }))).toEqual(ids([r2, r1]));
        expect(
          ids(await store.listMatchRecords({ limit: 10, bankId: 2, caller: 'a', beforeId: r4.id })),
        ).toEqual(ids([r3]));
      });
    });

    describe('API keys', () => {
      const key = (id: string) => ({
        id,
        name: `key ${id}`,
        scopes: ['match', 'banks:read'] as const,
        secretHash: 'ab'.repeat(32),
        rateLimitPerSecond: null,
      });

      it('creates, reads, lists by creation time and revokes once', async () => {
        const b = await store.createApiKey(key('b'));
        expect(b).toEqual({
          ...key('b'),
          scopes: ['match', 'banks:read'],
          banks: null,
          createdAt: t0,
          revokedAt: null,
        });
        const a = await store.createApiKey({ ...key('a'), scopes: ['admin'], rateLimitPerSecond: 50 });
        await store.createApiKey(key('B'));
        clock.advance(10);
        const c = await store.createApiKey(key('0c'));
        expect(await store.getApiKey('a')).toEqual(a);
        expect(await store.getApiKey('nope')).toBeUndefined();
        // Creation time, then id in byte order (whatever the server's locale).
        expect((await store.listApiKeys()).map((k) => k.id)).toEqual(['B', 'a', 'b', '0c']);

        clock.advance(1000);
        const revoked = await store.revokeApiKey('b');
        expect(revoked).toEqual({ ...b, revokedAt: new Date(t0.getTime() + 1010) });
        clock.advance(1000);
        expect(await store.revokeApiKey('b')).toEqual(revoked);
        expect(await store.getApiKey('b')).toEqual(revoked);
        expect(await store.getApiKey('0c')).toEqual(c);

        // A lifted probing suspension (issue 15): the key is valid again, everything else kept.
        expect(await store.reinstateApiKey('b')).toEqual(b);
        expect(await store.getApiKey('b')).toEqual(b);
        await expectDomainError(store.reinstateApiKey('missing'), 'API_KEY_NOT_FOUND');
      });

      it("keeps a key's bank list (migration 0013)", async () => {
        const limited = await store.createApiKey({ ...key('lim'), banks: ['partner', 'mine'] });
        expect(limited.banks).toEqual(['partner', 'mine']);
        expect((await store.getApiKey('lim'))?.banks).toEqual(['partner', 'mine']);
      });

      it('refuses a duplicate id and reports unknown keys', async () => {
        await store.createApiKey(key('dup'));
        await expectDomainError(store.createApiKey(key('dup')), 'CONFLICT');
        await expectDomainError(store.revokeApiKey('missing'), 'API_KEY_NOT_FOUND');
        expect(await store.listApiKeys()).toHaveLength(1);
      });
    });

    describe('webhook outbox', () => {
      const URL_A = 'https://hooks.example.org/a';
      const URL_B = 'https://hooks.example.org/b';
      const delivery = (n: number, bankId = 1, url = URL_A) => ({
        bankId,
        url,
        payload: { type: 'test', id: `key-${n}`, n },
        idempotencyKey: `key-${n}`,
      });
      const at = (ms: number) => new Date(t0.getTime() + ms);
      const keys = (deliveries: readonly { idempotencyKey: string }[]) =>
        deliveries.map((d) => d.idempotencyKey);
      const unordered = { ordered: false } as const;

      it('numbers each bank’s deliveries 1, 2, 3… into the body; repeated keys take no number', async () => {
        await store.enqueueDeliveries([delivery(1), delivery(2, 2), delivery(1)]);
        clock.advance(50);
        await store.enqueueDeliveries([delivery(2, 2), delivery(3), delivery(4, 2)]);
        await store.enqueueDeliveries([]);
        const all = await store.listDeliveries({ limit: 10 });
        expect(keys(all).sort()).toEqual(['key-1', 'key-2', 'key-3', 'key-4']);
        const byKey = new Map(all.map((d) => [d.idempotencyKey, d]));
        expect(byKey.get('key-1')).toEqual({
          id: expect.any(Number),
          bankId: 1,
          seq: 1,
          url: URL_A,
          body: '{"type":"test","id":"key-1","seq":1,"n":1}',
          idempotencyKey: 'key-1',
          attempts: 0,
          nextAttemptAt: t0,
          status: 'pending',
          lastError: null,
          createdAt: t0,
          queuedAt: t0,
          deliveredAt: null,
        });
        expect(byKey.get('key-3')).toMatchObject({ bankId: 1, seq: 2, createdAt: at(50) });
        expect(JSON.parse(byKey.get('key-3')!.body)).toEqual({ type: 'test', id: 'key-3', seq: 2, n: 3 });
        expect([byKey.get('key-2')!.seq, byKey.get('key-4')!.seq]).toEqual([1, 2]);
        // Newest first, by bank and by status.
        expect(keys(await store.listDeliveries({ limit: 10, bankId: 2 }))).toEqual(['key-4', 'key-2']);
        expect(await store.listDeliveries({ limit: 1 })).toHaveLength(1);
        expect(await store.getDelivery(byKey.get('key-1')!.id)).toEqual(byKey.get('key-1'));
        expect(await store.getDelivery(999_999)).toBeUndefined();
      });

      it('pages the list by id (keyset) and filters by status', async () => {
        await store.enqueueDeliveries([1, 2, 3, 4, 5].map((n) => delivery(n, 1, `${URL_A}/${n}`)));
        const first = await store.listDeliveries({ limit: 2 });
        expect(keys(first)).toEqual(['key-5', 'key-4']);
        const second = await store.listDeliveries({ limit: 2, beforeId: first[1]!.id });
        expect(keys(second)).toEqual(['key-3', 'key-2']);
        const third = await store.listDeliveries({ limit: 2, beforeId: second[1]!.id });
        expect(keys(third)).toEqual(['key-1']);
        const [d1] = await store.claimDueDeliveries(t0, 1, 1_000);
        await store.markAttemptFailed(d1!.id, 'HTTP 500', null);
        expect(keys(await store.listDeliveries({ limit: 10, status: 'failed' }))).toEqual([
          d1!.idempotencyKey,
        ]);
        expect(await store.listDeliveries({ limit: 10, status: 'pending', beforeId: 1 })).toEqual([]);
      });

      it('unordered: claims due deliveries in due order under a lease, and again once the lease expires', async () => {
        await store.enqueueDeliveries([delivery(1), delivery(2)]);
        clock.advance(100);
        await store.enqueueDeliveries([delivery(3)]);

        // Not due yet at t0 - 1.
        expect(await store.claimDueDeliveries(at(-1), 10, 30_000, unordered)).toEqual([]);

        const first = await store.claimDueDeliveries(at(10), 10, 30_000, unordered);
        expect(keys(first)).toEqual(['key-1', 'key-2']);
        expect(first.every((d) => d.attempts === 1 && d.status === 'pending')).toBe(true);
        expect(first.map((d) => d.nextAttemptAt)).toEqual([at(30_010), at(30_010)]);

        // Leased: another worker gets only what is left.
        const second = await store.claimDueDeliveries(at(200), 10, 30_000, unordered);
        expect(keys(second)).toEqual(['key-3']);
        expect(await store.claimDueDeliveries(at(30_000), 10, 30_000, unordered)).toEqual([]);

        // The first worker died: its lease expires and the deliveries come back.
        const retried = await store.claimDueDeliveries(at(30_010), 1, 5_000, unordered);
        expect(retried).toEqual([{ ...first[0], attempts: 2, nextAttemptAt: at(35_010) }]);
        expect(await store.claimDueDeliveries(at(30_010), 0, 5_000, unordered)).toEqual([]);
      });

      it('ordered (the default): only the oldest undelivered delivery of each endpoint, one in flight', async () => {
        await store.enqueueDeliveries([delivery(1), delivery(2), delivery(3, 2, URL_B), delivery(4)]);
        await store.enqueueDeliveries([delivery(5, 2, URL_B)]);

        const first = await store.claimDueDeliveries(t0, 10, 30_000);
        expect(keys(first)).toEqual(['key-1', 'key-3']);
        // Both endpoints have a delivery in flight: another worker gets nothing.
        expect(await store.claimDueDeliveries(at(10), 10, 30_000)).toEqual([]);

        // key-1 fails and waits for its retry: key-2 and key-4 wait behind it (head of line).
        await store.markAttemptFailed(first[0]!.id, 'HTTP 500', at(60_000));
        expect(await store.claimDueDeliveries(at(20), 10, 30_000)).toEqual([]);
        // key-3 is delivered: key-5 of the other endpoint goes next.
        await store.markDelivered(first[1]!.id, at(30));
        const [d5] = await store.claimDueDeliveries(at(40), 10, 30_000);
        expect(d5!.idempotencyKey).toBe('key-5');
        await store.markDelivered(d5!.id, at(50));

        const retry = await store.claimDueDeliveries(at(60_000), 10, 30_000);
        expect(retry.map((d) => [d.idempotencyKey, d.attempts, d.status])).toEqual([
          ['key-1', 2, 'retrying'],
        ]);
        await store.markDelivered(retry[0]!.id, at(60_001));
        const next = await store.claimDueDeliveries(at(60_002), 10, 30_000);
        expect(keys(next)).toEqual(['key-2']);

        // A crashed worker: once the lease ends the same head comes back, and nothing behind it.
        expect(await store.claimDueDeliveries(at(90_001), 10, 30_000)).toEqual([]);
        const again = await store.claimDueDeliveries(at(90_002), 10, 30_000);
        expect(again.map((d) => [d.idempotencyKey, d.attempts])).toEqual([['key-2', 2]]);

        // Given up for good, a delivery no longer holds back the ones behind it.
        await store.markAttemptFailed(again[0]!.id, 'HTTP 410', null);
        expect(keys(await store.claimDueDeliveries(at(90_003), 10, 30_000))).toEqual(['key-4']);
      });

      it('ordered runs: each head with the due deliveries behind it to its endpoint, settled in one call', async () => {
        await store.enqueueDeliveries([
          delivery(1),
          delivery(2),
          delivery(3, 2, URL_B),
          delivery(4),
          delivery(5),
          delivery(6, 2, URL_B),
        ]);
        const runs = { runLength: 3 } as const;
        const first = await store.claimDueDeliveries(t0, 10, 30_000, runs);
        // Each endpoint's run together, in id order, at most 3: key-5 stays queued.
        expect(keys(first)).toEqual(['key-1', 'key-2', 'key-4', 'key-3', 'key-6']);
        expect(
          first.every((d) => d.attempts === 1 && d.nextAttemptAt.getTime() === at(30_000).getTime()),
        ).toBe(true);
        // Both endpoints are in flight: another worker gets nothing, key-5 included.
        expect(await store.claimDueDeliveries(at(10), 10, 30_000, runs)).toEqual([]);

        const id = new Map(first.map((d) => [d.idempotencyKey, d.id]));
        await store.settleDeliveries([
          { id: id.get('key-1')!, outcome: 'delivered', at: at(20) },
          { id: id.get('key-2')!, outcome: 'failed', error: 'HTTP 503', retryAt: at(60_000) },
          { id: id.get('key-4')!, outcome: 'released', at: at(21), leasedUntil: at(30_000) },
          { id: id.get('key-3')!, outcome: 'delivered', at: at(22) },
          { id: id.get('key-6')!, outcome: 'delivered', at: at(23) },
          // Gone from the outbox: skipped.
          { id: 999_999, outcome: 'delivered', at: at(24) },
        ]);
        expect(await store.getDelivery(id.get('key-1')!)).toMatchObject({
          status: 'delivered',
          deliveredAt: at(20),
          attempts: 1,
        });
        expect(await store.getDelivery(id.get('key-6')!)).toMatchObject({
          status: 'delivered',
          deliveredAt: at(23),
        });
        expect(await store.getDelivery(id.get('key-2')!)).toMatchObject({
          status: 'retrying',
          lastError: 'HTTP 503',
          nextAttemptAt: at(60_000),
          attempts: 1,
        });
        // Released: not attempted, so its attempt is uncounted; due at once, but behind key-2.
        expect(await store.getDelivery(id.get('key-4')!)).toMatchObject({
          status: 'pending',
          attempts: 0,
          nextAttemptAt: at(21),
          lastError: null,
        });
        expect(await store.claimDueDeliveries(at(30), 10, 30_000, runs)).toEqual([]);

        // At its retry time key-2 goes first, with what follows it.
        const retry = await store.claimDueDeliveries(at(60_000), 10, 30_000, runs);
        expect(retry.map((d) => [d.idempotencyKey, d.attempts])).toEqual([
          ['key-2', 2],
          ['key-4', 1],
          ['key-5', 1],
        ]);
        await store.settleDeliveries([
          { id: id.get('key-2')!, outcome: 'delivered', at: at(60_001) },
          { id: id.get('key-4')!, outcome: 'failed', error: 'HTTP 500', retryAt: at(200_000) },
          { id: retry[2]!.id, outcome: 'released', at: at(60_002), leasedUntil: at(90_000) },
        ]);
        expect(await store.getDelivery(retry[2]!.id)).toMatchObject({
          attempts: 0,
          nextAttemptAt: at(60_002),
        });
        // key-1 sent again by its owner: it is due, key-4 behind it is not, so the run stops there.
        await store.redeliver(id.get('key-1')!, at(60_010));
        const last = await store.claimDueDeliveries(at(60_020), 10, 30_000, runs);
        expect(keys(last)).toEqual(['key-1']);
        // A release from an older claim, whose lease has ended, leaves the current claim alone.
        await store.settleDeliveries([
          { id: last[0]!.id, outcome: 'released', at: at(60_030), leasedUntil: at(30_000) },
        ]);
        expect(await store.getDelivery(last[0]!.id)).toMatchObject({
          attempts: 1,
          nextAttemptAt: at(90_020),
        });
      });

      it('records success and failures; failed for good and delivered ones are never claimed', async () => {
        await store.enqueueDeliveries([delivery(1), delivery(2), delivery(3)]);
        const [d1, d2, d3] = await store.claimDueDeliveries(t0, 10, 1_000, unordered);

        await store.markDelivered(d1!.id, at(5));
        await store.markAttemptFailed(d2!.id, 'HTTP 503', at(60_000));
        await store.markAttemptFailed(d3!.id, 'HTTP 410 Gone', null);

        const byId = new Map((await store.listDeliveries({ limit: 10 })).map((d) => [d.id, d]));
        expect(byId.get(d1!.id)).toMatchObject({ status: 'delivered', attempts: 1, deliveredAt: at(5) });
        expect(byId.get(d2!.id)).toMatchObject({
          status: 'retrying',
          attempts: 1,
          lastError: 'HTTP 503',
          nextAttemptAt: at(60_000),
        });
        expect(byId.get(d3!.id)).toMatchObject({ status: 'failed', lastError: 'HTTP 410 Gone' });
        expect((await store.listDeliveries({ limit: 10, status: 'failed' })).map((d) => d.id)).toEqual([
          d3!.id,
        ]);

        expect(await store.claimDueDeliveries(at(59_999), 10, 1_000, unordered)).toEqual([]);
        const retry = await store.claimDueDeliveries(at(120_000), 10, 1_000, unordered);
        expect(retry.map((d) => [d.id, d.attempts])).toEqual([[d2!.id, 2]]);

        await expectDomainError(store.markDelivered(999_999, t0), 'WEBHOOK_DELIVERY_NOT_FOUND');
        await expectDomainError(store.markAttemptFailed(999_999, 'x', null), 'WEBHOOK_DELIVERY_NOT_FOUND');
      });

      it('redelivers one delivery: queued again from a clean slate, to the bank’s current URL', async () => {
        const bank = await store.createBank({ name: 'hooked', kind: 'known_csam', webhookUrl: URL_A });
        await store.enqueueDeliveries([delivery(1, bank.id), delivery(2, bank.id)]);
        const [d1] = await store.claimDueDeliveries(t0, 10, 1_000);
        await store.markAttemptFailed(d1!.id, 'HTTP 500', null);
        const [d2] = await store.claimDueDeliveries(at(1), 10, 1_000);
        await store.markDelivered(d2!.id, at(2));

        await store.updateBank(bank.id, { webhookUrl: URL_B });
        clock.advance(5_000);
        const again = await store.redeliver(d1!.id, at(5_000));
        expect(again).toEqual({
          id: d1!.id,
          bankId: bank.id,
          seq: 1,
          url: URL_B,
          body: d1!.body,
          idempotencyKey: 'key-1',
          status: 'pending',
          attempts: 0,
          nextAttemptAt: at(5_000),
          queuedAt: at(5_000),
          lastError: null,
          deliveredAt: null,
          createdAt: t0,
        });
        // A delivered one can be sent again too (the receiver lost it); same seq and key.
        const resent = await store.redeliver(d2!.id, at(5_000));
        expect(resent).toMatchObject({
          seq: 2,
          status: 'pending',
          attempts: 0,
          url: URL_B,
          deliveredAt: null,
        });
        expect(keys(await store.claimDueDeliveries(at(5_001), 10, 1_000))).toEqual(['key-1']);

        await expectDomainError(store.redeliver(999_999, at(5_001)), 'WEBHOOK_DELIVERY_NOT_FOUND');
        // In flight (leased): refused, so it is never sent twice at once.
        await expectDomainError(store.redeliver(d1!.id, at(5_002)), 'WEBHOOK_DELIVERY_IN_FLIGHT');
        // Once the lease ended (its worker died), it may be redelivered.
        expect(await store.redeliver(d1!.id, at(6_002))).toMatchObject({ status: 'pending', attempts: 0 });
        // Without a bank (or a bank URL) the stored URL stays.
        await store.enqueueDeliveries([delivery(9, 777, URL_A)]);
        const [orphan] = await store.listDeliveries({ limit: 1, bankId: 777 });
        expect((await store.redeliver(orphan!.id, at(7_000))).url).toBe(URL_A);
      });

      it('a redelivered older delivery goes before newer ones, but never beside one in flight', async () => {
        await store.enqueueDeliveries([delivery(1), delivery(2), delivery(3)]);
        const [d1] = await store.claimDueDeliveries(t0, 10, 1_000);
        await store.markDelivered(d1!.id, at(1));
        const [d2] = await store.claimDueDeliveries(at(2), 10, 1_000);
        expect(d2!.idempotencyKey).toBe('key-2');
        await store.redeliver(d1!.id, at(3));
        // key-2 is in flight: key-1 waits although it is older.
        expect(await store.claimDueDeliveries(at(4), 10, 1_000)).toEqual([]);
        await store.markDelivered(d2!.id, at(5));
        expect(keys(await store.claimDueDeliveries(at(6), 10, 1_000))).toEqual(['key-1']);
      });

      it('redelivers all of a bank since a seq, except those in flight', async () => {
        await store.enqueueDeliveries([1, 2, 3, 4, 5].map((n) => delivery(n, 1, `${URL_A}/${n}`)));
        await store.enqueueDeliveries([delivery(6, 2, URL_B)]);
        const claimed = await store.claimDueDeliveries(t0, 10, 1_000);
        expect(claimed).toHaveLength(6);
        const byKey = new Map(claimed.map((d) => [d.idempotencyKey, d]));
        await store.markAttemptFailed(byKey.get('key-1')!.id, 'HTTP 500', null);
        await store.markAttemptFailed(byKey.get('key-2')!.id, 'HTTP 500', null);
        await store.markDelivered(byKey.get('key-3')!.id, at(1));
        await store.markAttemptFailed(byKey.get('key-4')!.id, 'HTTP 500', null);
        // key-5 stays in flight; key-6 is another bank's.
        await store.markAttemptFailed(byKey.get('key-6')!.id, 'HTTP 500', null);

        expect(await store.redeliverSince(1, 2, at(10))).toBe(3);
        const after = new Map((await store.listDeliveries({ limit: 10 })).map((d) => [d.idempotencyKey, d]));
        expect(after.get('key-1')).toMatchObject({ status: 'failed', attempts: 1 });
        for (const key of ['key-2', 'key-3', 'key-4']) {
          expect(after.get(key)).toMatchObject({ status: 'pending', attempts: 0, queuedAt: at(10) });
        }
        expect(after.get('key-5')).toMatchObject({
          status: 'pending',
          attempts: 1,
          nextAttemptAt: at(1_000),
        });
        expect(after.get('key-6')).toMatchObject({ status: 'failed' });
        expect(await store.redeliverSince(1, 99, at(11))).toBe(0);
        expect(await store.redeliverSince(3, 0, at(11))).toBe(0);
      });

      it('counts deliveries by status and knows the oldest queued one', async () => {
        expect(await store.webhookDeliveryStats()).toEqual({
          pending: 0,
          retrying: 0,
          failed: 0,
          oldestQueuedAt: null,
        });
        await store.enqueueDeliveries([1, 2, 3].map((n) => delivery(n, 1, `${URL_A}/${n}`)));
        clock.advance(1_000);
        await store.enqueueDeliveries([4, 5].map((n) => delivery(n, 1, `${URL_A}/${n}`)));
        const claimed = await store.claimDueDeliveries(at(1_000), 3, 60_000);
        expect(keys(claimed)).toEqual(['key-1', 'key-2', 'key-3']);
        await store.markAttemptFailed(claimed[0]!.id, 'HTTP 500', null);
        await store.markAttemptFailed(claimed[1]!.id, 'HTTP 500', at(5_000));
        await store.markDelivered(claimed[2]!.id, at(1_001));
        expect(await store.webhookDeliveryStats()).toEqual({
          pending: 2,
          retrying: 1,
          failed: 1,
          oldestQueuedAt: t0,
        });
      });
    });

    describe('video signals (vpdq)', () => {
      it('stores a video with its frames beside the entry, logs it by key, and reads the frames back', async () => {
        const bank = await store.createBank({ name: 'videos', kind: 'known_csam' });
        const before = await store.latestSeq();
        const video = videoEntry(1, 4);
        const { created, seq } = await store.addEntries(bank.id, [video, entry('pdq', 1)], 'test');
        expect(created.map((e) => [e.signalType, e.value])).toEqual([
          ['vpdq', video.value],
          ['pdq', hexValue('pdq', 1)],
        ]);
        const changes = await store.changesSince(before, 10);
        expect(changes.map((c) => ('value' in c ? [c.op, c.signalType, c.value] : c.op))).toEqual([
          ['entry_upsert', 'vpdq', video.value],
          ['entry_upsert', 'pdq', hexValue('pdq', 1)],
        ]);
        expect(seq).toBe(changes.at(-1)!.seq);
        const stored = await store.getVideoSignals([created[0]!.id, created[1]!.id, 999_999]);
        expect([...stored.keys()]).toEqual([created[0]!.id]);
        expect(stored.get(created[0]!.id)).toEqual(video.video);
        expect((await store.activeSignals(0, 10)).map((s) => s.signalType)).toEqual(['vpdq', 'pdq']);
      });

      it('the same video again is an existing entry; deleting the entry deletes its frames', async () => {
        const bank = await store.createBank({ name: 'videos', kind: 'known_csam' });
        const { created } = await store.addEntries(bank.id, [videoEntry(2)], 'test');
        const again = await store.addEntries(bank.id, [videoEntry(2)], 'test');
        expect(again.created).toEqual([]);
        expect(again.existing.map((e) => e.id)).toEqual([created[0]!.id]);
        await store.deleteEntry(created[0]!.id);
        expect((await store.getVideoSignals([created[0]!.id])).size).toBe(0);
        const other = await store.addEntries(bank.id, [videoEntry(3)], 'test');
        await store.deleteBank(bank.id);
        expect((await store.getVideoSignals([other.created[0]!.id])).size).toBe(0);
      });

      it('keeps and updates the bank vPDQ percentages', async () => {
        const bank = await store.createBank({ name: 'videos', kind: 'test', vpdqMatchPercent: 62.5 });
        expect(bank).toMatchObject({ vpdqMatchPercent: 62.5, vpdqQueryMatchPercent: 0 });
        const updated = await store.updateBank(bank.id, { vpdqQueryMatchPercent: 50 });
        expect(updated).toMatchObject({ vpdqMatchPercent: 62.5, vpdqQueryMatchPercent: 50 });
        expect(await store.getBank(bank.id)).toEqual(updated);
      });
    });

    describe('robust PDQ variants (migration 0017)', () => {
      const variants = [
        { kind: 'trim' as const, value: hexValue('pdq', 901) },
        { kind: PDQ_VARIANT_KINDS.at(-1)!, value: hexValue('pdq', 902) },
      ];

      it('keeps an entry’s variants, carries them with every upsert of the change log, and lists the active ones', async () => {
        const bank = await store.createBank({ name: 'robust', kind: 'known_csam' });
        const before = await store.latestSeq();
        const { created } = await store.addEntries(
          bank.id,
          [{ ...entry('pdq', 1), pdqVariants: variants }, entry('pdq', 2), entry('md5', 3)],
          'test',
        );
        expect(created.map((e) => e.pdqVariants)).toEqual([variants, undefined, undefined]);
        expect((await store.getEntry(created[0]!.id))!.pdqVariants).toEqual(variants);
        expect((await store.listEntries(bank.id, { limit: 10 }))[0]!.pdqVariants).toEqual(variants);
        await store.updateEntry(created[0]!.id, { note: 'seen again' });
        const changes = await store.changesSince(before, 10);
        expect(
          changes.map((c) => (c.op === 'entry_upsert' ? [c.entryId, c.pdqVariants ?? null] : c.op)),
        ).toEqual([
          [created[0]!.id, variants],
          [created[1]!.id, null],
          [created[2]!.id, null],
          [created[0]!.id, variants],
        ]);
        expect(await store.activePdqVariants(0, 10)).toEqual([
          { entryId: created[0]!.id, bankId: bank.id, variants },
        ]);
        expect(await store.activePdqVariants(created[0]!.id, 10)).toEqual([]);

        // Inactive entries and banks are left out; a deleted entry's upserts no longer carry them.
        await store.updateEntry(created[0]!.id, { disabled: true });
        expect(await store.activePdqVariants(0, 10)).toEqual([]);
        await store.updateEntry(created[0]!.id, { disabled: false });
        await store.updateBank(bank.id, { enabled: false });
        expect(await store.activePdqVariants(0, 10)).toEqual([]);
        await store.updateBank(bank.id, { enabled: true });
        await store.deleteEntry(created[0]!.id);
        const after = await store.changesSince(before, 20);
        expect(after.some((c) => c.op === 'entry_upsert' && c.pdqVariants)).toBe(false);
        expect(after.at(-1)).toMatchObject({ op: 'entry_delete', entryId: created[0]!.id });
      });
    });
  });
}
