import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  BankService,
  importHashList,
  type BankChange,
  type Classification,
  type HashlineStore,
  type ImportOperation,
  type NewEntry,
} from '@hashline/domain';
import { createManualClock, createMemoryStore } from '@hashline/domain/testing';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStore, openSqliteStore } from '../src/index.js';
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  requirePostgres,
  runSql,
} from './support/postgres.js';
import { pdq, testEntry } from './support/test-entries.js';

function upsert(n: number, extra: Partial<NewEntry> = {}): ImportOperation {
  return { kind: 'upsert', entry: testEntry(n, extra) };
}

function withdrawHash(n: number): ImportOperation {
  return { kind: 'withdraw', withdrawn: { signalType: 'pdq', value: pdq(n) } };
}

function withdrawSource(externalId: string): ImportOperation {
  return { kind: 'withdraw', withdrawn: { source: 'ncmec', externalId } };
}

function ncmec(n: number, externalId: string, classification: Classification = {}): ImportOperation {
  return upsert(n, { classification, provenance: { source: 'ncmec', externalId, member: null } });
}

interface Engine {
  readonly name: string;
  /** The database file (file-backed engines). */
  readonly file?: () => string;
  open(): Promise<HashlineStore>;
  close(): Promise<void>;
}

const engines: Engine[] = [
  (() => {
    return { name: 'memory', open: async () => createMemoryStore(clock), close: async () => {} };
  })(),
  (() => {
    let dir: string | undefined;
    let store: HashlineStore | undefined;
    return {
      name: 'sqlite',
      file: () => join(dir!, 'store.db'),
      async open() {
        dir ??= mkdtempSync(join(tmpdir(), 'hashline-import-'));
        return (store ??= await openSqliteStore({ file: join(dir, 'store.db'), clock }));
      },
      async close() {
        await store?.close();
        if (dir) rmSync(dir, { recursive: true, force: true });
      },
    };
  })(),
  (() => {
    const schema = freshSchemaName();
    let store: HashlineStore | undefined;
    return {
      name: 'postgres',
      async open() {
        await requirePostgres();
        return (store ??= await openPostgresStore({ connectionString: POSTGRES_TEST_URL, schema, clock }));
      },
      async close() {
        if (!store) return;
        await store.close();
        await dropSchema(schema);
      },
    };
  })(),
];

const clock = createManualClock(new Date(Date.UTC(2025, 0, 1)));
let bankCounter = 0;

/** The bank's live entries as `value → classification`, read from the store. */
async function live(store: HashlineStore, bankId: number): Promise<Map<string, Classification>> {
  const out = new Map<string, Classification>();
  for (const entry of await store.listEntries(bankId, { limit: 100_000, includeDisabled: true })) {
    out.set(entry.value, entry.classification);
  }
  return out;
}

/** Replays the bank's change log from `afterSeq`: the set of entry ids it says are present. */
async function replay(store: HashlineStore, bankId: number, afterSeq = 0): Promise<Set<number>> {
  const present = new Set<number>();
  let seq = afterSeq;
  for (;;) {
    const page = await store.changesSince(seq, 1000);
    for (const change of page) {
      if (change.bankId !== bankId || !('entryId' in change)) continue;
      if (change.op === 'entry_upsert') present.add(change.entryId);
      else if (change.op === 'entry_delete') present.delete(change.entryId);
    }
    if (page.length < 1000) return present;
    seq = page[page.length - 1]!.seq;
  }
}

async function changesOf(store: HashlineStore, bankId: number, afterSeq: number): Promise<BankChange[]> {
  return (await store.changesSince(afterSeq, 100_000)).filter((c) => c.bankId === bankId);
}

for (const engine of engines) {
  describe(`BankStore.applyImport: ${engine.name}`, () => {
    let store: HashlineStore;
    let bankId: number;

    beforeAll(async () => {
      store = await engine.open();
    });
    afterAll(() => engine.close());
    beforeEach(async () => {
      store = await engine.open();
      bankId = (
        await store.createBank({ name: `import-${engine.name}-${++bankCounter}`, kind: 'known_csam' })
      ).id;
    });

    it('folds duplicates within the batch and against the bank; a re-import changes nothing', async () => {
      const first = await store.applyImport(bankId, [upsert(1), upsert(2), upsert(1)], 'cli');
      expect(first).toMatchObject({ created: 2, updated: 0, unchanged: 1, withdrawn: 0 });
      const seq = await store.latestSeq();
      expect(first.seq).toBe(seq);
      const second = await store.applyImport(bankId, [upsert(2), upsert(3), upsert(1), upsert(3)], 'cli');
      expect(second).toMatchObject({ created: 1, updated: 0, unchanged: 3, withdrawn: 0 });
      expect([...(await live(store, bankId)).keys()].sort()).toEqual([pdq(1), pdq(2), pdq(3)]);

      const before = await store.latestSeq();
      const again = await store.applyImport(bankId, [upsert(1), upsert(2), upsert(3)], 'cli');
      expect(again).toEqual({
        created: 0,
        updated: 0,
        unchanged: 3,
        withdrawn: 0,
        withdrawalsUnmatched: 0,
        seq: before,
      });
      expect(await store.latestSeq()).toBe(before);
    });

    it('logs created entries in id order, with the entry_upsert rows the per-entry methods write', async () => {
      const before = await store.latestSeq();
      await store.applyImport(bankId, [upsert(6, { disabled: true }), upsert(5), upsert(4)], 'cli');
      const entries = await store.listEntries(bankId, { limit: 10, includeDisabled: true });
      // Ids follow the hashes' order within a batch (sorted inserts), not the file's.
      expect(entries.map((e) => e.value)).toEqual([pdq(4), pdq(5), pdq(6)]);
      expect(entries[0]).toMatchObject({
        addedBy: 'cli',
        quality: 90,
        provenance: { source: 'import:test' },
      });
      const changes = await changesOf(store, bankId, before);
      expect(changes.map((c) => ('entryId' in c ? c.entryId : -1))).toEqual(entries.map((e) => e.id));
      expect(changes.map((c) => ('active' in c ? c.active : null))).toEqual([true, true, false]);
      expect(changes.every((c) => c.op === 'entry_upsert')).toBe(true);
    });

    it('applies a changed classification as an update (entry_upsert), keeping provenance and disabled', async () => {
      await store.applyImport(bankId, [ncmec(1, 'img-1', { industry: 'A1' }), ncmec(2, 'img-2')], 'cli');
      const [first] = await store.findEntries(bankId, { signalType: 'pdq', value: pdq(1) });
      await store.updateEntry(first!.id, { disabled: true, note: 'analyst' });
      const before = await store.latestSeq();
      const result = await store.applyImport(
        bankId,
        [upsert(1, { classification: { industry: 'B1', uk: 'A' } }), ncmec(2, 'img-2')],
        'other',
      );
      expect(result).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
      const [updated] = await store.findEntries(bankId, { signalType: 'pdq', value: pdq(1) });
      expect(updated).toMatchObject({
        id: first!.id,
        classification: { industry: 'B1', uk: 'A' },
        provenance: { source: 'ncmec', externalId: 'img-1' },
        disabled: true,
        note: 'analyst',
        addedBy: 'cli',
      });
      const changes = await changesOf(store, bankId, before);
      expect(changes).toEqual([
        expect.objectContaining({ op: 'entry_upsert', entryId: first!.id, active: false, value: pdq(1) }),
      ]);
    });

    it('a record without a classification never erases one; text with tabs, breaks and backslashes round-trips', async () => {
      const note = 'tab\there\nline two\\ back\r "quoted" ünïcode';
      await store.applyImport(
        bankId,
        [
          upsert(1, { classification: { industry: 'A1', baseline: true } }),
          upsert(2, { note, provenance: { source: 'src\\x\ty', externalId: 'id\n1', member: 'm' } }),
        ],
        'cli',
      );
      const before = await store.latestSeq();
      const result = await store.applyImport(bankId, [upsert(1), upsert(2)], 'cli');
      expect(result).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
      expect(await store.latestSeq()).toBe(before);
      const [one] = await store.findEntries(bankId, { signalType: 'pdq', value: pdq(1) });
      expect(one!.classification).toEqual({ industry: 'A1', baseline: true });
      const [two] = await store.findEntries(bankId, { source: 'src\\x\ty', externalId: 'id\n1' });
      expect(two).toMatchObject({
        value: pdq(2),
        note,
        provenance: { source: 'src\\x\ty', externalId: 'id\n1', member: 'm' },
      });
    });

    it('an add followed by its withdrawal in one batch writes nothing (by hash and by source id)', async () => {
      const before = await store.latestSeq();
      const result = await store.applyImport(
        bankId,
        [upsert(1), ncmec(2, 'img-2'), withdrawHash(1), withdrawSource('img-2'), withdrawSource('img-9')],
        'cli',
      );
      expect(result).toMatchObject({ created: 0, withdrawn: 0, withdrawalsUnmatched: 1, unchanged: 2 });
      expect(await live(store, bankId)).toEqual(new Map());
      expect(await store.latestSeq()).toBe(before);
    });

    it('withdraws existing entries in file order, by hash and by source id, logging entry_delete', async () => {
      await store.applyImport(
        bankId,
        [upsert(1), ncmec(2, 'img-2'), ncmec(3, 'img-2'), ncmec(4, 'img-4')],
        'cli',
      );
      const before = await store.latestSeq();
      const result = await store.applyImport(bankId, [withdrawHash(1), withdrawSource('img-2')], 'cli');
      expect(result).toMatchObject({ withdrawn: 3, withdrawalsUnmatched: 0 });
      expect([...(await live(store, bankId)).keys()]).toEqual([pdq(4)]);
      const changes = await changesOf(store, bankId, before);
      expect(changes.map((c) => c.op)).toEqual(['entry_delete', 'entry_delete', 'entry_delete']);
      const ids = changes.map((c) => ('entryId' in c ? c.entryId : 0));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    });

    it('a withdrawal followed by a re-add leaves the entry live (new and existing entries)', async () => {
      await store.applyImport(bankId, [ncmec(1, 'img-1', { industry: 'A1' })], 'cli');
      const [existing] = await store.findEntries(bankId, { signalType: 'pdq', value: pdq(1) });
      const result = await store.applyImport(
        bankId,
        [
          withdrawSource('img-1'),
          ncmec(1, 'img-1', { industry: 'A2' }),
          withdrawHash(2),
          upsert(2),
          upsert(3),
          withdrawHash(3),
          upsert(3),
        ],
        'cli',
      );
      expect(result).toMatchObject({ created: 2, updated: 1, withdrawn: 0, withdrawalsUnmatched: 1 });
      const entries = await live(store, bankId);
      expect([...entries.keys()].sort()).toEqual([pdq(1), pdq(2), pdq(3)]);
      expect(entries.get(pdq(1))).toEqual({ industry: 'A2' });
      const [kept] = await store.findEntries(bankId, { signalType: 'pdq', value: pdq(1) });
      expect(kept!.id).toBe(existing!.id);
    });

    it('finds what a small batch names in a bank many times its size, statistics refreshed (index lookups)', async () => {
      const bulk: ImportOperation[] = [];
      for (let n = 1; n <= 2_000; n++) bulk.push(n % 2 === 0 ? ncmec(n, `img-${n}`) : upsert(n));
      await store.applyImport(bankId, bulk, 'cli');
      // The planner now knows the bank outnumbers a batch's keys many times over: PostgreSQL
      // looks the keys up by index instead of hashing the table (see lookUpByIndex).
      await store.refreshStatistics();
      const before = await store.latestSeq();
      const result = await store.applyImport(
        bankId,
        [
          upsert(7),
          upsert(9, { classification: { industry: 'B1' } }),
          withdrawSource('img-10'),
          withdrawHash(11),
          upsert(2_001),
          upsert(2_001),
          withdrawSource('img-99999'),
        ],
        'cli',
      );
      expect(result).toMatchObject({
        created: 1,
        updated: 1,
        unchanged: 2,
        withdrawn: 2,
        withdrawalsUnmatched: 1,
      });
      const entries = await live(store, bankId);
      expect(entries.size).toBe(2_000 - 2 + 1);
      expect(entries.get(pdq(9))).toEqual({ industry: 'B1' });
      expect(entries.has(pdq(10))).toBe(false);
      expect(entries.has(pdq(11))).toBe(false);
      expect((await changesOf(store, bankId, before)).map((c) => c.op).sort()).toEqual([
        'entry_delete',
        'entry_delete',
        'entry_upsert',
        'entry_upsert',
      ]);
      // The import's join settings end with its lookups: a later plain query still runs.
      expect(await store.findEntries(bankId, { source: 'ncmec', externalId: 'img-12' })).toHaveLength(1);
    });

    it('a random file in small batches ends as applying it record by record would, and the log replays to it', async () => {
      let state = 7;
      const next = (): number => {
        state = (state * 1103515245 + 12345) >>> 0;
        return state / 4294967296;
      };
      const classes: Classification[] = [{}, { industry: 'A1' }, { industry: 'B2', uk: 'C' }];
      const operations: ImportOperation[] = [];
      for (let i = 0; i < 400; i++) {
        const n = Math.floor(next() * 40);
        const r = next();
        if (r < 0.6) operations.push(ncmec(n, `id-${n % 13}`, classes[Math.floor(next() * 3)]!));
        else if (r < 0.8) operations.push(withdrawHash(n));
        else operations.push(withdrawSource(`id-${n % 13}`));
      }
      // The reference: each record applied on its own, in order.
      const model = new Map<string, { classification: Classification; externalId: string }>();
      for (const op of operations) {
        if (op.kind === 'upsert') {
          const found = model.get(op.entry.value);
          const stated = Object.keys(op.entry.classification!).length > 0;
          if (found) found.classification = stated ? op.entry.classification! : found.classification;
          else
            model.set(op.entry.value, {
              classification: op.entry.classification!,
              externalId: op.entry.provenance!.externalId!,
            });
        } else if ('value' in op.withdrawn) model.delete(op.withdrawn.value);
        else {
          for (const [value, m] of model) if (m.externalId === op.withdrawn.externalId) model.delete(value);
        }
      }
      const before = await store.latestSeq();
      // Batches of 1..17 records, so boundaries fall everywhere.
      for (let start = 0; start < operations.length;) {
        const size = 1 + Math.floor(next() * 17);
        await store.applyImport(bankId, operations.slice(start, start + size), 'cli');
        start += size;
      }
      const entries = await live(store, bankId);
      expect(new Map([...entries].sort())).toEqual(
        new Map([...model].map(([value, m]) => [value, m.classification] as const).sort()),
      );
      const ids = (await store.listEntries(bankId, { limit: 1000, includeDisabled: true })).map((e) => e.id);
      expect([...(await replay(store, bankId, before))].sort((a, b) => a - b)).toEqual(ids);
      // Re-importing the same file changes nothing... unless it withdraws what it also adds, so
      // re-import the file's net result instead: every live entry as it is.
      const seq = await store.latestSeq();
      await store.applyImport(
        bankId,
        [...model].map(([value, m]) => ({
          kind: 'upsert' as const,
          entry: { signalType: 'pdq' as const, value, classification: m.classification },
        })),
        'cli',
      );
      expect(await store.latestSeq()).toBe(seq);
    });

    it('keeps every source of a shared hash; a withdrawal names source, member and id (issue 14)', async () => {
      const member = (n: number, externalId: string, m: string): ImportOperation =>
        upsert(n, { provenance: { source: 'ncmec', externalId, member: m } });
      const withdraw = (externalId: string, m: string | null): ImportOperation => ({
        kind: 'withdraw',
        withdrawn: { source: 'ncmec', externalId, member: m },
      });
      // Two members' entries share hash 1 (NCMEC ids are per member: both call theirs "e1").
      await store.applyImport(
        bankId,
        [member(1, 'e1', '42'), member(1, 'e1', '43'), member(2, 'e2', '42')],
        't',
      );
      const [shared] = await store.findEntries(bankId, { signalType: 'pdq', value: pdq(1) });
      expect(shared!.provenance).toMatchObject({ externalId: 'e1', member: '42' });
      expect((await store.getEntrySources([shared!.id])).get(shared!.id)).toEqual([
        { source: 'ncmec', externalId: 'e1', member: '43' },
      ]);
      // Member 44 has no e2: nothing happens.
      expect(await store.applyImport(bankId, [withdraw('e2', '44')], 't')).toMatchObject({
        withdrawn: 0,
        withdrawalsUnmatched: 1,
      });
      // Member 42 withdraws e1: the hash stays for member 43, which becomes its provenance.
      const seq = await store.latestSeq();
      expect(await store.applyImport(bankId, [withdraw('e1', '42')], 't')).toMatchObject({
        withdrawn: 0,
        withdrawalsUnmatched: 0,
      });
      expect(await store.latestSeq()).toBe(seq); // nothing a matcher sees changed
      const [kept] = await store.findEntries(bankId, { signalType: 'pdq', value: pdq(1) });
      expect(kept).toMatchObject({ id: shared!.id, provenance: { externalId: 'e1', member: '43' } });
      expect((await store.getEntrySources([kept!.id])).get(kept!.id)).toBeUndefined();
      expect(await store.findEntries(bankId, { source: 'ncmec', externalId: 'e1', member: '42' })).toEqual(
        [],
      );
      // Member 43 withdraws it too: gone, logged as entry_delete; the other entry is untouched.
      expect(await store.applyImport(bankId, [withdraw('e1', '43')], 't')).toMatchObject({ withdrawn: 1 });
      expect((await live(store, bankId)).has(pdq(1))).toBe(false);
      expect((await live(store, bankId)).has(pdq(2))).toBe(true);
      // Deleting an entry forgets its sources.
      await store.applyImport(bankId, [member(3, 'e3', '42'), member(3, 'e3', '43')], 't');
      const [third] = await store.findEntries(bankId, { signalType: 'pdq', value: pdq(3) });
      await store.deleteEntry(third!.id);
      expect((await store.getEntrySources([third!.id])).size).toBe(0);
    });

    it('a stage (SQLite) applied between batches ends as applying every record in file order would', async () => {
      // Pre-existing entries: classified, disabled by an analyst, with a first provenance to keep.
      await store.applyImport(
        bankId,
        [ncmec(1, 'img-1', { industry: 'A1' }), ncmec(2, 'img-2', { industry: 'A1' }), ncmec(3, 'img-3')],
        'first',
      );
      const [disabled] = await store.findEntries(bankId, { signalType: 'pdq', value: pdq(2) });
      await store.updateEntry(disabled!.id, { disabled: true });
      let state = 11;
      const next = (): number => {
        state = (state * 1103515245 + 12345) >>> 0;
        return state / 4294967296;
      };
      const classes: Classification[] = [
        {},
        {},
        { industry: 'A1' },
        { industry: 'B2', uk: 'C' },
        { baseline: true },
      ];
      const operations: ImportOperation[] = [];
      for (let i = 0; i < 600; i++) {
        const n = Math.floor(next() * 60);
        const r = next();
        if (r < 0.97)
          operations.push(ncmec(n, `id-${n}-${i % 3}`, classes[Math.floor(next() * classes.length)]!));
        else if (r < 0.985) operations.push(withdrawHash(n));
        else operations.push(withdrawSource(`id-${n}-${i % 3}`));
      }
      // The reference: the bank as it was, then each record applied on its own, in order.
      // Each hash keeps every source that vouches for it (first one first): withdrawing a source
      // removes the hash only when no other source still vouches for it.
      const model = new Map<string, { classification: Classification; sources: string[]; id?: number }>();
      const everWithdrawn = new Set<string>();
      for (const e of await store.listEntries(bankId, { limit: 100, includeDisabled: true })) {
        model.set(e.value, {
          classification: e.classification,
          sources: [e.provenance.externalId!],
          id: e.id,
        });
      }
      for (const op of operations) {
        if (op.kind === 'upsert') {
          const found = model.get(op.entry.value);
          const stated = Object.keys(op.entry.classification!).length > 0;
          const externalId = op.entry.provenance!.externalId!;
          if (found) {
            found.classification = stated ? op.entry.classification! : found.classification;
            if (!found.sources.includes(externalId)) found.sources.push(externalId);
          } else
            model.set(op.entry.value, {
              classification: op.entry.classification!,
              sources: [externalId],
            });
        } else if ('value' in op.withdrawn) {
          model.delete(op.withdrawn.value);
          everWithdrawn.add(op.withdrawn.value);
        } else {
          const withdrawn = op.withdrawn;
          for (const [value, m] of model) {
            if (!m.sources.includes(withdrawn.externalId)) continue;
            m.sources = m.sources.filter((id) => id !== withdrawn.externalId);
            everWithdrawn.add(value);
            if (m.sources.length === 0) model.delete(value);
          }
        }
      }
      const before = await store.latestSeq();
      // As importHashList does: batches of upserts are staged, a batch with a withdrawal is applied
      // after everything staged before it. Stores without a stage apply every batch.
      const stage = await store.openImportStage?.(bankId, 'cli');
      let staged = 0;
      const totals = { created: 0, updated: 0, unchanged: 0, withdrawn: 0 };
      const count = (r: { created: number; updated: number; unchanged: number; withdrawn: number }): void => {
        totals.created += r.created;
        totals.updated += r.updated;
        totals.unchanged += r.unchanged;
        totals.withdrawn += r.withdrawn;
      };
      const applyStage = async (): Promise<void> => {
        for (let r; stage && (r = await stage.applyNext());) {
          expect(r.seq).toBe(await store.latestSeq());
          count(r);
        }
      };
      try {
        for (let start = 0; start < operations.length;) {
          const batch = operations.slice(start, start + 1 + Math.floor(next() * 12));
          start += batch.length;
          if (stage && batch.every((op) => op.kind === 'upsert')) {
            await stage.add(batch.map((op) => (op as { entry: NewEntry }).entry));
            staged += batch.length;
            expect(stage.size).toBeGreaterThan(0);
            continue;
          }
          await applyStage();
          count(await store.applyImport(bankId, batch, 'cli'));
        }
        await applyStage();
        expect(stage?.size ?? 0).toBe(0);
      } finally {
        await stage?.close();
      }
      if (engine.name === 'sqlite') expect(staged).toBeGreaterThan(100);
      const entries = await store.listEntries(bankId, { limit: 1000, includeDisabled: true });
      expect(new Map(entries.map((e) => [e.value, e.classification] as const).sort())).toEqual(
        new Map([...model].map(([value, m]) => [value, m.classification] as const).sort()),
      );
      // Every entry keeps its sources (the first as its provenance); entries never withdrawn keep
      // their id and an analyst's disabling.
      const sources = await store.getEntrySources(entries.map((e) => e.id));
      for (const e of entries) {
        const m = model.get(e.value)!;
        expect(e.provenance.externalId).toBe(m.sources[0]);
        expect((sources.get(e.id) ?? []).map((p) => p.externalId).sort()).toEqual(m.sources.slice(1).sort());
        if (everWithdrawn.has(e.value)) continue;
        if (m.id !== undefined) expect(e.id).toBe(m.id);
      }
      if (!everWithdrawn.has(pdq(2))) expect(entries.find((e) => e.value === pdq(2))!.disabled).toBe(true);
      const upserts = operations.filter((op) => op.kind === 'upsert').length;
      expect(totals.created + totals.updated + totals.unchanged).toBe(upserts);
      // The log replays to the bank, and every change it holds is one the counts report.
      const ids = entries.map((e) => e.id);
      expect([...(await replay(store, bankId, before))].sort((a, b) => a - b)).toEqual(ids);
      const changes = await changesOf(store, bankId, before);
      expect(changes.filter((c) => c.op === 'entry_upsert')).toHaveLength(totals.created + totals.updated);
      expect(changes.filter((c) => c.op === 'entry_delete')).toHaveLength(totals.withdrawn);
      // Applying the net result again changes nothing.
      const seq = await store.latestSeq();
      await store.applyImport(
        bankId,
        [...model].map(([value, m]) => ({
          kind: 'upsert' as const,
          entry: { signalType: 'pdq' as const, value, classification: m.classification },
        })),
        'cli',
      );
      expect(await store.latestSeq()).toBe(seq);
    });

    it('a staged import (SQLite) loads new entries in hash order, logs them in id order, and commits at the end', async () => {
      const service = new BankService(store);
      const bank = await store.getBank(bankId);
      const header = 'signal_type,value,quality,industry,source,external_id';
      const lines = [header];
      // 40 hashes in reverse order; hash 7 again later with a classification, hash 9 again without.
      for (let n = 40; n >= 1; n--) lines.push(`pdq,${pdq(n)},80,${n === 9 ? 'A1' : ''},ncmec,e${n}`);
      lines.push(`pdq,${pdq(7)},80,B2,other,x7`, `pdq,${pdq(9)},80,,other,x9`);
      const file = lines.join('\n') + '\n';
      const before = await store.latestSeq();
      const committed: number[] = [];
      const summary = await importHashList(service, bank!.name, () => [file], {
        format: 'csv',
        onError: 'skip',
        addedBy: 'cli',
        origin: 'import:t.csv',
        batchSize: 5,
        stageAfterRecords: 10,
        onProgress: (p) => committed.push(p.committedRecords),
      });
      expect(summary).toMatchObject({ read: 42, committedRecords: 42, added: 40 });
      // Staged, hash 7's two records fold into one new entry; batch by batch, the second updates it.
      expect(summary).toMatchObject(
        store.openImportStage ? { existing: 2, updated: 0 } : { existing: 1, updated: 1 },
      );
      const entries = await store.listEntries(bankId, { limit: 100, includeDisabled: true });
      expect(entries).toHaveLength(40);
      const byValue = new Map(entries.map((e) => [e.value, e] as const));
      // Folded: the first record's provenance, the last stated classification.
      expect(byValue.get(pdq(7))).toMatchObject({
        classification: { industry: 'B2' },
        provenance: { externalId: 'e7' },
      });
      expect(byValue.get(pdq(9))).toMatchObject({
        classification: { industry: 'A1' },
        provenance: { externalId: 'e9' },
      });
      const changes = await changesOf(store, bankId, before);
      // Creates logged in id order (batch by batch, hash 7's update follows them).
      expect([...new Set(changes.map((c) => ('entryId' in c ? c.entryId : 0)))]).toEqual(
        entries.map((e) => e.id),
      );
      expect(changes).toHaveLength(store.openImportStage ? 40 : 41);
      const distinct = committed.filter((n, i) => n !== committed[i - 1]);
      if (store.openImportStage) {
        // The first 10 records batch by batch, the rest staged: committed only once applied.
        expect(distinct).toEqual([5, 10, 42]);
        const staged = entries.filter((e) => e.value !== pdq(40) && e.value < pdq(31));
        expect(staged.map((e) => e.value)).toEqual(staged.map((e) => e.value).sort());
      } else {
        expect(distinct).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 42]);
      }
      // Again: nothing changes; staged again, and applied as "existing".
      const seq = await store.latestSeq();
      const again = await importHashList(service, bank!.name, () => [file], {
        format: 'csv',
        onError: 'skip',
        addedBy: 'cli',
        origin: 'import:t.csv',
        batchSize: 5,
        stageAfterRecords: 0,
      });
      expect(again).toMatchObject({ read: 42, added: 0, updated: 0, existing: 42 });
      expect(await store.latestSeq()).toBe(seq);
    });

    it.runIf(engine.name === 'sqlite')(
      'a stage lives beside the database file while open; one a dead process left is removed',
      async () => {
        const folder = dirname(engine.file!());
        const orphan = join(folder, '.hashline-import-stage-999999999-test');
        mkdirSync(orphan, { recursive: true });
        writeFileSync(join(orphan, 'stage.db'), 'left by a killed import');
        const stage = await store.openImportStage!(bankId, 'cli');
        const mine = (): string[] =>
          readdirSync(folder).filter((name) => name.startsWith(`.hashline-import-stage-${process.pid}-`));
        try {
          expect(existsSync(orphan)).toBe(false);
          expect(mine()).toHaveLength(1);
          expect(readdirSync(tmpdir()).some((name) => name.includes(`import-stage-${process.pid}-`))).toBe(
            false,
          );
          await stage.add([(upsert(1) as { entry: NewEntry }).entry]);
          expect(await stage.applyNext()).toMatchObject({ created: 1 });
          expect(await stage.applyNext()).toBeUndefined();
        } finally {
          await stage.close();
        }
        expect(mine()).toEqual([]);
      },
    );

    it('a staged import across the whole hash range ends as the same file applied batch by batch: bank, counts and change log', async () => {
      const service = new BankService(store);
      const staged = (await store.getBank(bankId))!;
      const batched = await store.createBank({ name: `${staged.name}-batched`, kind: 'known_csam' });
      // 300 values spread over every range of the stage (first hex digits 0–f), a few already in
      // the bank (one restated alike, one reclassified), repeats with and without a classification.
      const value = (n: number): string => {
        let x = (n + 1) * 2654435761;
        let hex = '';
        for (let i = 0; i < 8; i++) {
          x = (Math.imul(x ^ (x >>> 15), 2246822519) + i) >>> 0;
          hex += x.toString(16).padStart(8, '0');
        }
        return hex;
      };
      for (const id of [staged.id, batched.id]) {
        await store.applyImport(
          id,
          [0, 1, 2]
            .map((n) => ncmec(0, `pre-${n}`))
            .map((op, n) => ({
              kind: 'upsert' as const,
              entry: {
                ...(op as { entry: NewEntry }).entry,
                value: value(n),
                classification: { industry: 'A1' },
              },
            })),
          'cli',
        );
      }
      const header = 'signal_type,value,quality,industry,source,external_id';
      const lines = [header];
      for (let n = 0; n < 300; n++)
        lines.push(`pdq,${value(n)},80,${n === 1 ? 'A1' : n === 2 ? 'B2' : ''},ncmec,e${n}`);
      for (let n = 10; n < 30; n++) lines.push(`pdq,${value(n)},90,${n % 2 ? 'B1' : ''},other,x${n}`);
      lines.push(`pdq,${value(11)},70,A2,other,y11`);
      const file = lines.join('\n') + '\n';
      const run = (bank: string, stageAfterRecords: number) =>
        importHashList(service, bank, () => [file], {
          format: 'csv',
          onError: 'skip',
          addedBy: 'cli',
          origin: 'import:t.csv',
          batchSize: 1000,
          stageAfterRecords,
        });
      const seqStaged = await store.latestSeq();
      const viaStage = await run(staged.name, 0);
      const seqBatched = await store.latestSeq();
      const viaBatches = await run(batched.name, Infinity);
      expect(viaStage).toMatchObject({ read: 321, added: 297, updated: 1, existing: 23, errors: 0 });
      expect(viaStage).toEqual(viaBatches);
      const view = async (id: number) =>
        (await store.listEntries(id, { limit: 1000, includeDisabled: true })).map((e) => ({
          value: e.value,
          classification: e.classification,
          provenance: e.provenance,
          quality: e.quality,
          disabled: e.disabled,
        }));
      const entries = await view(staged.id);
      expect(entries).toEqual(await view(batched.id));
      expect(entries.find((e) => e.value === value(2))!.classification).toEqual({ industry: 'B2' });
      expect(entries.find((e) => e.value === value(11))).toMatchObject({
        classification: { industry: 'A2' },
        provenance: { source: 'ncmec', externalId: 'e11' },
        quality: 80,
      });
      expect(entries.find((e) => e.value === value(13))!.classification).toEqual({ industry: 'B1' });
      // New entries were created in hash order (ids follow the values), across the ranges.
      const created = entries.slice(3).map((e) => e.value);
      expect(created).toEqual([...created].sort());
      expect(new Set(created.map((v) => v[0])).size).toBe(16);
      const log = async (id: number, after: number) =>
        (await changesOf(store, id, after)).map((c) => [
          c.op,
          'value' in c ? c.value : null,
          'active' in c ? c.active : null,
        ]);
      // The same changes (a reclassification is logged with its range's part, not first).
      const stagedLog = (await log(staged.id, seqStaged)).sort();
      expect(stagedLog).toHaveLength(298);
      expect(stagedLog).toEqual((await log(batched.id, seqBatched)).sort());
      // The same file again, staged: nothing changes.
      const seq = await store.latestSeq();
      expect(await run(staged.name, 0)).toMatchObject({ read: 321, added: 0, updated: 0, existing: 321 });
      expect(await store.latestSeq()).toBe(seq);
    });

    it('into an empty bank, a staged import (no probe of the bank, no sources statement) ends as the file applied batch by batch', async () => {
      const service = new BankService(store);
      const staged = (await store.getBank(bankId))!;
      const batched = await store.createBank({ name: `${staged.name}-batched`, kind: 'known_csam' });
      // Values over every range of the stage, in random order.
      const value = (n: number): string => {
        let x = (n + 7) * 2246822519;
        let hex = '';
        for (let i = 0; i < 8; i++) {
          x = (Math.imul(x ^ (x >>> 13), 3266489917) + i) >>> 0;
          hex += x.toString(16).padStart(8, '0');
        }
        return hex;
      };
      const run = (bank: string, file: string, stageAfterRecords: number) =>
        importHashList(service, bank, () => [file], {
          format: 'csv',
          onError: 'skip',
          addedBy: 'cli',
          origin: 'import:plain.csv',
          batchSize: 64,
          stageAfterRecords,
        });
      const view = async (id: number) => {
        const entries = await store.listEntries(id, { limit: 1000, includeDisabled: true });
        const sources = await service.getEntrySources(entries.map((e) => e.id));
        return (
          entries
            .map((e) => ({
              value: e.value,
              classification: e.classification,
              provenance: e.provenance,
              quality: e.quality,
              note: e.note,
              otherSources: sources.get(e.id) ?? [],
            }))
            // Ids differ (the stage creates in hash order, batches in each batch's order).
            .sort((a, b) => (a.value < b.value ? -1 : 1))
        );
      };
      const log = async (id: number, after: number) =>
        (await changesOf(store, id, after)).map((c) => [c.op, 'value' in c ? c.value : null]);

      // 1. A plain list (signal_type,value,quality; upper-case hex read as lower case): no repeats.
      const plain = ['signal_type,value,quality'];
      for (let n = 0; n < 200; n++)
        plain.push(`pdq,${n % 3 ? value(n) : value(n).toUpperCase()},${50 + (n % 51)}`);
      const plainFile = plain.join('\n') + '\n';
      const seqStaged = await store.latestSeq();
      const viaStage = await run(staged.name, plainFile, 0);
      const seqBatched = await store.latestSeq();
      const viaBatches = await run(batched.name, plainFile, Infinity);
      expect(viaStage).toMatchObject({ read: 200, added: 200, existing: 0, errors: 0 });
      expect(viaStage).toEqual(viaBatches);
      expect(await view(staged.id)).toEqual(await view(batched.id));
      expect((await log(staged.id, seqStaged)).sort()).toEqual((await log(batched.id, seqBatched)).sort());
      expect(await log(staged.id, seqStaged)).toHaveLength(200);

      // 2. Into two more empty banks: repeats from other sources and with classifications.
      const repeatsStaged = await store.createBank({ name: `${staged.name}-r1`, kind: 'known_csam' });
      const repeatsBatched = await store.createBank({ name: `${staged.name}-r2`, kind: 'known_csam' });
      const lines = ['signal_type,value,quality,industry,source,external_id'];
      for (let n = 0; n < 150; n++) lines.push(`pdq,${value(n)},80,,ncmec,e${n}`);
      for (let n = 0; n < 150; n += 7) lines.push(`pdq,${value(n)},90,${n % 2 ? 'A1' : ''},other,x${n}`);
      const file = lines.join('\n') + '\n';
      const r1 = await run(repeatsStaged.name, file, 0);
      const r2 = await run(repeatsBatched.name, file, Infinity);
      expect(r1).toMatchObject({ added: 150, errors: 0 });
      // A repeat that restates a classification folds into its creation when staged; batch by
      // batch it is an update of the entry an earlier batch created (the same end state).
      expect(r2).toMatchObject({ added: 150, errors: 0 });
      expect(r1.existing + r1.updated).toBe(r2.existing + r2.updated);
      const entries = await view(repeatsStaged.id);
      expect(entries).toEqual(await view(repeatsBatched.id));
      expect(entries.find((e) => e.value === value(7))).toMatchObject({
        classification: { industry: 'A1' },
        provenance: { source: 'ncmec', externalId: 'e7' },
        otherSources: [{ source: 'other', externalId: 'x7', member: null }],
      });
      expect(entries.filter((e) => e.otherSources.length > 0)).toHaveLength(22);

      // Re-importing either file changes nothing.
      const seq = await store.latestSeq();
      expect(await run(staged.name, plainFile, 0)).toMatchObject({ added: 0, updated: 0, existing: 200 });
      expect(await run(repeatsStaged.name, file, 0)).toMatchObject({ added: 0, updated: 0 });
      expect(await store.latestSeq()).toBe(seq);
      // Six imports through PostgreSQL's 64-partition stage: well over the default on a busy machine.
    }, 300_000);

    it('imports a file through the service across batch boundaries; re-importing it changes nothing', async () => {
      const service = new BankService(store);
      const bank = await store.getBank(bankId);
      const header = 'signal_type,value,quality,industry,source,external_id';
      const lines = [header];
      for (let n = 1; n <= 25; n++) lines.push(`pdq,${pdq(n).toUpperCase()},80,A1,ncmec,e${n}`);
      lines.push(`pdq,${pdq(4)},80,A1,ncmec,e4`); // repeated
      const file = lines.join('\n') + '\n';
      const options = { format: 'csv', onError: 'skip', addedBy: 'cli', origin: 'import:t.csv' } as const;
      const progress: number[] = [];
      const committed: number[] = [];
      const summary = await importHashList(service, bank!.name, () => [file], {
        ...options,
        batchSize: 4,
        onProgress: (p) => {
          progress.push(p.read);
          committed.push(p.committedRecords);
        },
      });
      expect(summary).toMatchObject({ read: 26, committedRecords: 26, added: 25, updated: 0, existing: 1 });
      expect(progress.at(-1)).toBe(26);
      // Each commit reported the records it covers: whole batches of 4, in order.
      expect(committed.filter((n, i) => n !== committed[i - 1])).toEqual([4, 8, 12, 16, 20, 24, 26]);

      const update = `${header}\npdq,${pdq(3)},80,B1,ncmec,e3\npdq,${pdq(30)},80,,ncmec,e30\n`;
      const updated = await importHashList(service, bank!.name, () => [update], options);
      expect(updated).toMatchObject({ read: 2, added: 1, updated: 1, existing: 0 });
      expect((await live(store, bankId)).get(pdq(3))).toEqual({ industry: 'B1' });

      const seq = await store.latestSeq();
      const again = await importHashList(service, bank!.name, () => [update], options);
      expect(again).toMatchObject({ read: 2, added: 0, updated: 0, existing: 2 });
      const resumed = await importHashList(service, bank!.name, () => [file], {
        ...options,
        batchSize: 3,
        resumeAfterRecord: 20,
      });
      expect(resumed).toMatchObject({ read: 26, added: 0, existing: 6 });
      expect(await store.latestSeq()).toBe(seq);
      await store.refreshStatistics();
    });
  });
}

describe('PostgreSQL import stage', () => {
  const schema = freshSchemaName();
  let store: HashlineStore | undefined;

  beforeEach(requirePostgres);
  afterAll(async () => {
    await store?.close();
    await dropSchema(schema);
  });

  it('drops a stage that a killed import left over a day ago, keeps a recent one, and drops its own on close', async () => {
    store = await openPostgresStore({ connectionString: POSTGRES_TEST_URL, schema, clock });
    const bank = await store.createBank({ name: 'stage-owner', kind: 'known_csam' });
    const secondsAgo = (s: number): string => Math.floor(Date.now() / 1000 - s).toString(36);
    const dead = `hashline_import_stage_${secondsAgo(2 * 86_400)}_dead`;
    const live = `hashline_import_stage_${secondsAgo(60)}_live`;
    for (const name of [dead, live]) {
      await runSql(schema, `create table "${name}" (bucket integer) partition by range (bucket)`);
    }
    const stages = async (): Promise<string[]> => {
      const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
      await client.connect();
      try {
        const { rows } = await client.query<{ name: string }>(
          `select relname as name from pg_class
           where relnamespace = $1::regnamespace and relkind = 'p' and relname like 'hashline\\_import\\_stage\\_%'
           order by 1`,
          [schema],
        );
        return rows.map((r) => r.name);
      } finally {
        await client.end();
      }
    };
    const stage = await store.openImportStage!(bank.id, 'cli');
    try {
      const open = await stages();
      expect(open).toContain(live);
      expect(open).not.toContain(dead);
      expect(open).toHaveLength(2);
      await stage.add([(upsert(1) as { entry: NewEntry }).entry, (upsert(1) as { entry: NewEntry }).entry]);
      expect(await stage.applyNext()).toMatchObject({ created: 1, unchanged: 1 });
      expect(await stage.applyNext()).toBeUndefined();
    } finally {
      await stage.close();
    }
    expect(await stages()).toEqual([live]);
    expect(await store.countEntries(bank.id)).toBe(1);
  });
});
