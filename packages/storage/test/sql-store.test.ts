import type { HashlineStore, NewEntry } from '@hashline/domain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hexValue } from './contract/hashline-store.contract.js';
import { requirePostgres } from './support/postgres.js';
import { postgresEngine, sqliteEngine, type SqlEngine } from './support/sql-engines.js';

// A trigger that fails the change-log insert of one poisoned value: the failure then comes
// after the entries and the first change-log chunks were written in the same transaction.
const POISON = hexValue('md5', 1100);
const POISON_TRIGGER = {
  sqlite: `create trigger poison before insert on bank_changes when new.value = '${POISON}'
           begin select raise(abort, 'poisoned change'); end;`,
  postgres: `create function poison() returns trigger language plpgsql as $$
             begin if new.value = '${POISON}' then raise exception 'poisoned change'; end if;
             return new; end $$;
             create trigger poison before insert on bank_changes for each row execute function poison();`,
};

describe.each([
  ['sqlite', sqliteEngine],
  ['postgres', postgresEngine],
] as const)('SQL store on %s', (engineName, makeEngine) => {
  let engine: SqlEngine | undefined;
  let stores: HashlineStore[] = [];

  beforeEach(async () => {
    if (engineName === 'postgres') await requirePostgres();
    engine = makeEngine();
    stores = [];
  });

  afterEach(async () => {
    for (const store of stores) await store.close();
    await engine?.dispose();
    engine = undefined;
  });

  const open = async () => {
    const store = await engine!.open();
    stores.push(store);
    return store;
  };

  it('commits a mutation whole or not at all: a failure late in addEntries leaves no entry and no change', async () => {
    const store = await open();
    const bank = await store.createBank({ name: 'atomic', kind: 'test' });
    const seq = await store.latestSeq();
    await engine!.exec(POISON_TRIGGER[engineName]);

    const batch: NewEntry[] = Array.from({ length: 1203 }, (_, i) => ({
      signalType: 'md5',
      value: hexValue('md5', i),
    }));
    await expect(store.addEntries(bank.id, batch, 't')).rejects.toThrow(/poisoned change/);

    expect(await store.countEntries(bank.id)).toBe(0);
    expect(await store.latestSeq()).toBe(seq);
    expect(await store.changesSince(seq, 10)).toEqual([]);
    // The store is usable afterwards.
    const ok = await store.addEntries(bank.id, batch.slice(0, 3), 't');
    expect(ok.created).toHaveLength(3);
  });

  it('keeps its data across reopening, migrating only once', async () => {
    const first = await open();
    const bank = await first.createBank({ name: 'durable', kind: 'known_csam' });
    const { created } = await first.addEntries(
      bank.id,
      [{ signalType: 'pdq', value: hexValue('pdq', 7) }],
      't',
    );
    const seq = await first.latestSeq();
    await first.close();

    const second = await open();
    expect(await second.getBank(bank.id)).toEqual(bank);
    expect(await second.getEntry(created[0]!.id)).toEqual(created[0]);
    expect(await second.latestSeq()).toBe(seq);
    // Ids keep growing after a reopen (never reused).
    const next = await second.createBank({ name: 'later', kind: 'test' });
    expect(next.id).toBeGreaterThan(bank.id);
  });
});
