// Group commit of match records on the real engines (issue 12 part 3): many concurrent matches
// queue behind a commit held open (no timing involved), then commit as one group; every answer's
// record id names a committed record with its content and its webhook notification.
import {
  BankService,
  MatchEngine,
  MatchRecorder,
  MatchService,
  type HashlineStore,
  type MatchAnswer,
  type MatchRecord,
  type MatchRecordItem,
} from '@hashline/domain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hexValue } from './contract/hashline-store.contract.js';
import { requirePostgres } from './support/postgres.js';
import { postgresEngine, sqliteEngine, type SqlEngine } from './support/sql-engines.js';

// Fails the insert of a match record whose content_ref is 'poison': a database-side failure of one
// record inside a group.
const POISON_TRIGGER = {
  sqlite: `create trigger poison before insert on match_records when new.content_ref = 'poison'
           begin select raise(abort, 'poisoned record'); end;`,
  postgres: `create function poison() returns trigger language plpgsql as $$
             begin if new.content_ref = 'poison' then raise exception 'poisoned record'; end if;
             return new; end $$;
             create trigger poison before insert on match_records for each row execute function poison();`,
};

type FullAnswer = Extract<MatchAnswer, { recordId: number | null }>;

describe.each([
  ['sqlite', sqliteEngine],
  ['postgres', postgresEngine],
] as const)('group commit of match records on %s', (engineName, makeEngine) => {
  let engine: SqlEngine | undefined;
  let store: HashlineStore | undefined;

  beforeEach(async () => {
    if (engineName === 'postgres') await requirePostgres();
    engine = makeEngine();
    store = await engine.open();
  });

  afterEach(async () => {
    await store?.close();
    await engine?.dispose();
    store = undefined;
    engine = undefined;
  });

  /** Two banks with webhooks, `n` md5 entries alternating between them, and a matcher whose commits can be held. */
  async function setup(n: number) {
    const real = store!;
    const index = new MatchEngine(real);
    await index.load();
    const banks = new BankService(real, index);
    for (const name of ['alpha', 'beta']) {
      await banks.createBank({
        name,
        kind: 'known_csam',
        webhookUrl: `https://hooks.example.org/${name}`,
        webhookSecret: 'a-secret-of-sufficient-length-0123456789',
      });
    }
    const values = Array.from({ length: n }, (_, i) => hexValue('md5', i + 1));
    for (const [i, value] of values.entries()) {
      await banks.addEntries(i % 2 === 0 ? 'alpha' : 'beta', [{ signalType: 'md5', value }], 'test');
    }
    const sizes: number[] = [];
    let gate: Promise<void> | null = null;
    let open: () => void = () => undefined;
    let started: () => void = () => undefined;
    const recorder = new MatchRecorder({
      async recordMatches(items: readonly MatchRecordItem[]): Promise<MatchRecord[]> {
        sizes.push(items.length);
        started();
        if (gate) await gate;
        return real.recordMatches(items);
      },
    });
    const matcher = new MatchService(index, real, undefined, { recorder });
    const hold = (): Promise<void> => {
      gate = new Promise((resolve) => (open = resolve));
      return new Promise((resolve) => (started = resolve));
    };
    const release = (): void => {
      gate = null;
      open();
    };
    return { real, values, matcher, recorder, sizes, hold, release };
  }

  const match = (matcher: MatchService, value: string, caller: string, contentRef: string) =>
    matcher
      .match({ id: caller, verdictOnly: false }, [{ signalType: 'md5', value, contentRef }], {
        source: 'hash',
      })
      .then((answers) => answers[0] as FullAnswer);

  it('commits many concurrent matches in fewer commits; every named record exists with its notification', async () => {
    const { real, values, matcher, recorder, sizes, hold, release } = await setup(40);
    const started = hold();
    const first = match(matcher, values[0]!, 'key_0', 'upload-0');
    await started;
    const rest = values.slice(1).map((value, i) => match(matcher, value, `key_${i + 1}`, `upload-${i + 1}`));
    // The queries ran at once; their records wait for the commit in flight.
    await expect.poll(() => recorder.pending).toBe(39);
    release();
    const answers = await Promise.all([first, ...rest]);

    expect(sizes).toEqual([1, 39]);
    expect(recorder.stats.commits).toBeLessThan(recorder.stats.records);
    const deliveries = await real.listDeliveries({ limit: 100 });
    expect(deliveries).toHaveLength(40);
    for (const [i, answer] of answers.entries()) {
      expect(answer).toMatchObject({ matched: true, recorded: true, contentRef: `upload-${i}` });
      const stored = await real.getMatchRecord(answer.recordId!);
      expect(stored).toMatchObject({
        caller: `key_${i}`,
        signalType: 'md5',
        value: values[i],
        contentRef: `upload-${i}`,
        matches: [{ distance: 0 }],
      });
      const bank = i % 2 === 0 ? 'alpha' : 'beta';
      const delivery = deliveries.find((d) => JSON.parse(d.body).recordId === answer.recordId);
      expect(delivery?.url).toBe(`https://hooks.example.org/${bank}`);
      expect(JSON.parse(delivery!.body)).toMatchObject({
        type: 'match',
        caller: `key_${i}`,
        bank: { name: bank },
      });
    }
    // Each bank's seq runs 1..20 without gaps, in the order of the record ids (commit order).
    for (const bankId of new Set(deliveries.map((d) => d.bankId))) {
      const mine = deliveries.filter((d) => d.bankId === bankId).sort((a, b) => a.seq - b.seq);
      expect(mine.map((d) => d.seq)).toEqual(mine.map((_, k) => k + 1));
      const recordIds = mine.map((d) => JSON.parse(d.body).recordId as number);
      expect(recordIds).toEqual([...recordIds].sort((a, b) => a - b));
    }
  });

  it('a group the database refuses is retried record by record: only the poisoned match fails', async () => {
    const { real, values, matcher, recorder, sizes, hold, release } = await setup(6);
    await engine!.exec(POISON_TRIGGER[engineName]);
    const started = hold();
    const first = match(matcher, values[0]!, 'key_0', 'upload-0');
    await started;
    const rest = values
      .slice(1)
      .map((value, i) => match(matcher, value, `key_${i + 1}`, i + 1 === 3 ? 'poison' : `upload-${i + 1}`));
    await expect.poll(() => recorder.pending).toBe(5);
    release();
    const outcomes = await Promise.allSettled([first, ...rest]);

    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(String((outcomes[3] as PromiseRejectedResult).reason)).toContain('poisoned record');
    expect(sizes).toEqual([1, 5, 1, 1, 1, 1, 1]);
    expect(recorder.stats.retriedGroups).toBe(1);
    const named = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.recordId!] : []));
    for (const id of named) expect(await real.getMatchRecord(id)).toBeDefined();
    const records = await real.listMatchRecords({ limit: 100 });
    expect(records.map((r) => r.id).sort((a, b) => a - b)).toEqual([...named].sort((a, b) => a - b));
    // The failed group left nothing behind: one notification per named record, seq without gaps.
    const deliveries = await real.listDeliveries({ limit: 100 });
    expect(deliveries.map((d) => JSON.parse(d.body).recordId).sort((a, b) => a - b)).toEqual(
      [...named].sort((a, b) => a - b),
    );
    for (const bankId of new Set(deliveries.map((d) => d.bankId))) {
      const seqs = deliveries.filter((d) => d.bankId === bankId).map((d) => d.seq);
      expect(seqs.sort((a, b) => a - b)).toEqual(seqs.map((_, k) => k + 1));
    }
  });
});
