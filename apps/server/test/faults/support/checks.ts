// What a case asserts after its fault, read straight from the tables with the suite's own
// connection: every acknowledged write is there (lost = 0), once (duplicates = 0).
import { createHash } from 'node:crypto';
import type { FaultDatabase } from './fault-database.js';
import type { EntryBatch, MatchItem, ReportItem } from './load.js';

/** Counts for one kind of acknowledged write. */
export interface Tally {
  readonly kind: string;
  acknowledged: number;
  lost: number;
  duplicates: number;
  /** The first few problems, for the failure message. */
  readonly problems: string[];
}

const newTally = (kind: string): Tally => ({ kind, acknowledged: 0, lost: 0, duplicates: 0, problems: [] });

function note(tally: Tally, problem: string): void {
  if (tally.problems.length < 5) tally.problems.push(problem);
}

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Reports: each acknowledged receipt names a stored report (receipts are stored as hashes), each
 * item got one receipt however often it was answered, and each item's URL is in one report only
 * (a retry that stored a second report would put it in two).
 */
export async function checkReports(db: FaultDatabase, items: readonly ReportItem[]): Promise<Tally> {
  const tally = newTally('reports');
  const stored = new Set(
    (await db.query<{ receipt_hash: string }>('select receipt_hash from reports')).map((r) => r.receipt_hash),
  );
  const perUrl = new Map(
    (
      await db.query<{ url: string; n: number | string }>(
        'select url, count(*) as n from reported_urls group by url',
      )
    ).map((r) => [r.url, Number(r.n)]),
  );
  for (const item of items) {
    if (item.receipts.length === 0) continue;
    tally.acknowledged++;
    if (new Set(item.receipts).size > 1) {
      tally.duplicates++;
      note(tally, `one Idempotency-Key got ${new Set(item.receipts).size} different receipts`);
    }
    if (!stored.has(sha256Hex(item.receipts[0]!))) {
      tally.lost++;
      note(tally, `an acknowledged report (receipt ${item.receipts[0]!.slice(0, 4)}…) is not stored`);
    }
    const copies = perUrl.get(item.url) ?? 0;
    if (copies > 1) {
      tally.duplicates += copies - 1;
      note(tally, `a reported URL is stored in ${copies} reports`);
    }
  }
  return tally;
}

/**
 * Bank entries: each value of an acknowledged batch is in the bank once, with one
 * `entry_upsert` change in the change log (the change other processes follow).
 */
export async function checkEntries(
  db: FaultDatabase,
  bank: string,
  batches: readonly EntryBatch[],
  ackedAt: readonly (number | undefined)[],
): Promise<Tally> {
  const tally = newTally('entries');
  const entries = await db.query<{ id: number | string; value: string }>(
    'select e.id as id, e.value as value from bank_entries e join banks b on b.id = e.bank_id where b.name = ?',
    [bank],
  );
  const changes = new Map(
    (
      await db.query<{ entry_id: number | string; n: number | string }>(
        // A ranged row (a bulk import's part, migration 0022) logs each entry of its id range.
        `select entry_id, count(*) as n from (
           select entry_id from bank_changes where op = 'entry_upsert' and entry_count is null
           union all
           select e.id as entry_id from bank_changes c
           join bank_entries e on e.id between c.entry_id and c.entry_id + c.entry_count - 1
           where c.entry_count is not null
         ) logged group by entry_id`,
      )
    ).map((r) => [Number(r.entry_id), Number(r.n)]),
  );
  const stored = new Map<string, { n: number; changes: number }>();
  for (const entry of entries) {
    const seen = stored.get(entry.value);
    const entryChanges = changes.get(Number(entry.id)) ?? 0;
    stored.set(entry.value, { n: (seen?.n ?? 0) + 1, changes: (seen?.changes ?? 0) + entryChanges });
  }
  batches.forEach((batch, i) => {
    if (ackedAt[i] === undefined) return;
    for (const value of batch.values) {
      tally.acknowledged++;
      const row = stored.get(value);
      if (!row) {
        tally.lost++;
        note(tally, `an acknowledged entry of batch ${i} is not in the bank`);
      } else if (row.n > 1) {
        tally.duplicates += row.n - 1;
        note(tally, `an entry of batch ${i} is in the bank ${row.n} times`);
      } else if (row.changes !== 1) {
        if (row.changes === 0) tally.lost++;
        else tally.duplicates += row.changes - 1;
        note(tally, `an entry of batch ${i} has ${row.changes} entry_upsert changes`);
      }
    }
  });
  return tally;
}

/**
 * Match records with their webhook: each record an answer named is stored, with exactly one
 * delivery in the outbox for the bank (`match-<record>-<bank>`), and the receiver got it.
 */
export async function checkMatchDeliveries(
  db: FaultDatabase,
  items: readonly MatchItem[],
  received: ReadonlyMap<string, number>,
): Promise<Tally> {
  const tally = newTally('match records + webhooks');
  const records = new Set(
    (await db.query<{ id: number | string }>('select id from match_records')).map((r) => Number(r.id)),
  );
  const deliveries = new Map<string, number>();
  for (const row of await db.query<{ idempotency_key: string }>(
    'select idempotency_key from webhook_deliveries',
  )) {
    deliveries.set(row.idempotency_key, (deliveries.get(row.idempotency_key) ?? 0) + 1);
  }
  for (const item of items) {
    for (const recordId of item.recordIds) {
      tally.acknowledged++;
      if (!records.has(recordId)) {
        tally.lost++;
        note(tally, `acknowledged match record ${recordId} is not stored`);
        continue;
      }
      const keys = [...deliveries].filter(([key]) => key.startsWith(`match-${recordId}-`));
      if (keys.length === 0) {
        tally.lost++;
        note(tally, `match record ${recordId} has no webhook delivery`);
      } else if (keys.length > 1 || keys[0]![1] > 1) {
        tally.duplicates++;
        note(tally, `match record ${recordId} has ${keys.length} deliveries`);
      } else if (!received.has(keys[0]![0])) {
        tally.lost++;
        note(tally, `the webhook of match record ${recordId} never reached the receiver`);
      }
    }
  }
  return tally;
}
