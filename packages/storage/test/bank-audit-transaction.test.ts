import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BankService, type HashlineStore, type HotlineStore } from '@hashline/domain';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStore, openSqliteStore } from '../src/index.js';
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  requirePostgres,
  runSql,
} from './support/postgres.js';

// Issue 15: a bank change and its audit row commit in one transaction. A store whose audit insert
// fails (a trigger refuses every row, as a full disk or a lost connection at that moment would)
// must leave the bank as it was: no change without its audit row.

interface Engine {
  readonly name: string;
  open(): Promise<HashlineStore & { hotline: HotlineStore }>;
  /** Makes every insert into the audit log fail, or succeed again. */
  refuseAudit(refuse: boolean): Promise<void>;
  close(): Promise<void>;
}

const pdq = (n: number) => `b${n.toString(16).padStart(62, '0')}7`;
const entry = (n: number) => ({ signalType: 'pdq', value: pdq(n), quality: 100 });

const engines: Engine[] = [
  (() => {
    const dir = mkdtempSync(join(tmpdir(), 'hashline-bank-audit-'));
    const file = join(dir, 'store.db');
    let store: (HashlineStore & { hotline: HotlineStore }) | undefined;
    return {
      name: 'sqlite',
      async open() {
        return (store ??= (await openSqliteStore({ file })) as HashlineStore & { hotline: HotlineStore });
      },
      async refuseAudit(refuse) {
        // A second connection to the same file: triggers belong to the schema, every connection obeys them.
        const db = new BetterSqlite3(file);
        try {
          db.exec(
            refuse
              ? `create trigger refuse_audit before insert on audit_events begin select raise(abort, 'audit refused'); end`
              : `drop trigger refuse_audit`,
          );
        } finally {
          db.close();
        }
      },
      async close() {
        await store?.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  })(),
  (() => {
    const schema = freshSchemaName();
    let store: (HashlineStore & { hotline: HotlineStore }) | undefined;
    return {
      name: 'postgres',
      async open() {
        await requirePostgres();
        return (store ??= (await openPostgresStore({
          connectionString: POSTGRES_TEST_URL,
          schema,
        })) as HashlineStore & { hotline: HotlineStore });
      },
      async refuseAudit(refuse) {
        await runSql(
          schema,
          refuse
            ? `create function refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit refused'; end $$;
               create trigger refuse_audit before insert on audit_events for each row execute function refuse_audit();`
            : `drop trigger refuse_audit on audit_events; drop function refuse_audit();`,
        );
      },
      async close() {
        if (!store) return;
        await store.close();
        await dropSchema(schema);
      },
    };
  })(),
];

afterAll(async () => {
  for (const engine of engines) await engine.close();
});

describe.each(engines)('bank changes and their audit rows on $name', (engine) => {
  beforeEach(async () => {
    if (engine.name === 'postgres') await requirePostgres();
  });

  it('commit together, and a failing audit insert rolls every kind of bank change back', async () => {
    const store = await engine.open();
    expect(store.writesBankAudit).toBe(true);
    // No audit sink: the store alone writes the rows.
    const banks = new BankService(store);
    const operator = { via: 'operator', id: 'operator:test' } as const;
    const bank = await banks.createBank({ name: `audited-${engine.name}`, kind: 'known_csam' }, operator);
    const added = await banks.addEntries(bank.name, [entry(1), entry(2)], operator);
    const rows = await store.hotline.listAudit({ limit: 100 });
    expect(rows.map((r) => [r.action, r.subjectId, r.actor])).toEqual([
      ['bank_created', bank.name, 'operator:test'],
      ['bank_entries_added', bank.name, 'operator:test'],
    ]);
    expect(rows[1]!.details).toMatchObject({ created: 2, existing: 0, seq: added.seq });

    const seqBefore = await store.latestSeq();
    const auditBefore = (await store.hotline.listAudit({ limit: 100 })).length;
    await engine.refuseAudit(true);
    try {
      const [first] = added.created;
      const attempts: [string, () => Promise<unknown>][] = [
        ['addEntries', () => banks.addEntries(bank.name, [entry(3)], operator)],
        [
          'applyImport',
          () =>
            banks.applyImport(
              bank.id,
              [
                {
                  kind: 'upsert',
                  entry: {
                    signalType: 'pdq',
                    value: pdq(4),
                    quality: 90,
                    classification: {},
                    provenance: { source: 'import:test', externalId: null, member: null },
                    reviewerCount: 0,
                    note: null,
                    disabled: false,
                  },
                },
              ],
              operator,
            ),
        ],
        ['withdraw', () => banks.withdraw(bank.name, { signalType: 'pdq', value: pdq(2) }, operator)],
        ['updateEntry', () => banks.updateEntry(first!.id, { disabled: true }, operator)],
        ['deleteEntry', () => banks.deleteEntry(first!.id, operator)],
        ['updateBank', () => banks.updateBank(bank.name, { enabled: false }, operator)],
        ['deleteBank', () => banks.deleteBank(bank.name, operator)],
        [
          'createBank',
          () => banks.createBank({ name: `never-${engine.name}`, kind: 'known_csam' }, operator),
        ],
      ];
      for (const [name, attempt] of attempts) {
        await expect(attempt(), name).rejects.toThrow(/audit refused/);
      }
      // Nothing changed: the change log did not move, the entries and the bank are as they were.
      expect(await store.latestSeq()).toBe(seqBefore);
      const entries = await store.listEntries(bank.id, { limit: 100, includeDisabled: true });
      expect(entries.map((e) => [e.value, e.disabled])).toEqual([
        [pdq(1), false],
        [pdq(2), false],
      ]);
      expect((await store.getBank(bank.id))?.enabled).toBe(true);
      expect(await store.getBankByName(`never-${engine.name}`)).toBeUndefined();
    } finally {
      await engine.refuseAudit(false);
    }
    expect((await store.hotline.listAudit({ limit: 100 })).length).toBe(auditBefore);

    // The same change once the audit log takes rows again: both commit, and the chain still verifies.
    await banks.deleteEntry(added.created[0]!.id, operator);
    const last = (await store.hotline.listAudit({ limit: 100 })).at(-1)!;
    expect(last).toMatchObject({ action: 'bank_entry_deleted', details: { entry: added.created[0]!.id } });
    // One change logged since (PostgreSQL's sequence skips the numbers the refused changes drew).
    const since = await store.changesSince(seqBefore, 100);
    expect(since.map((c) => c.op)).toEqual(['entry_delete']);
  });
});
