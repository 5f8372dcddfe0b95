import {
  DomainError,
  ZERO_HASH_EXCHANGE_COUNTS,
  type BankAuditEvent,
  type BankChangeAudit,
  type FeedbackDelivery,
  type FeedbackVerdict,
  type FeedbackVote,
  type HashExchange,
  type HashExchangeFeedbackStatus,
  type HashExchangePageCommit,
  type HashExchangePatch,
  type HashExchangeRunEnd,
  type HashExchangeStatusErrorKind,
  type HashExchangeStore,
  type HashExchangeType,
  type ImportBatchResult,
  type ImportOperation,
  type NewHashExchange,
  type PendingFeedback,
  type Provenance,
  type SourceProvenance,
} from '@hashline/domain';
import {
  sql,
  type Kysely,
  type RawBuilder,
  type Selectable,
  type Transaction,
  type Updateable,
} from 'kysely';
import { readBool, readDate, readId, readJson } from './row-mapping.js';
import type { Database, HashExchangesTable } from './schema.js';
import type { StoreDialect } from './store-dialect.js';

type Db = Kysely<Database>;

/** What the exchange store borrows from the bank store: its change-log transaction and import path. */
export interface BankImportIn {
  /** Runs `work` in a transaction that may append to the change log (lock taken, NOTIFY sent); `audit`'s row commits with it. */
  mutate<T>(work: (trx: Transaction<Database>) => Promise<T>, audit?: BankChangeAudit<T>): Promise<T>;
  /** `BankStore.applyImport`'s work inside `trx` (the same plan, the same writes). */
  applyImportIn(
    trx: Transaction<Database>,
    bankId: number,
    operations: readonly ImportOperation[],
    addedBy: string,
    now: Date,
  ): Promise<ImportBatchResult>;
}

/**
 * {@link HashExchangeStore} over Kysely (migration 0016), reached as `store.hashExchanges`.
 *
 * Invariants:
 * - A claim is one conditional UPDATE (not paused, lease free or expired, due), so two processes
 *   never both hold an exchange's lease.
 * - A page's bank changes, its checkpoint and its counts commit in one transaction, and only
 *   while the claimant holds the lease and the checkpoint is the one the page was fetched from.
 */
export class KyselyHashExchangeStore implements HashExchangeStore {
  readonly #db: Db;
  readonly #dialect: StoreDialect;
  readonly #banks: BankImportIn;

  constructor({ db, dialect }: { readonly db: Db; readonly dialect: StoreDialect }, banks: BankImportIn) {
    this.#db = db;
    this.#dialect = dialect;
    this.#banks = banks;
  }

  async createExchange(exchange: NewHashExchange): Promise<HashExchange> {
    const d = this.#dialect;
    try {
      const row = await this.#db
        .insertInto('hash_exchanges')
        .values({
          name: exchange.name,
          bank_id: exchange.bankId,
          type: exchange.type,
          endpoint_url: exchange.endpointUrl,
          interval_seconds: exchange.intervalSeconds,
          options: JSON.stringify(exchange.options),
          upload: d.bool(exchange.upload),
          feedback: d.bool(exchange.feedback),
          sealed_credentials: exchange.sealedCredentials,
          paused: d.bool(false),
          paused_reason: null,
          checkpoint: null,
          last_run_at: null,
          last_success_at: null,
          last_error_kind: null,
          last_error_message: null,
          // Due at once: a new exchange makes its first run at the next round.
          next_run_at: d.date(exchange.createdAt),
          leased_by: null,
          lease_until: null,
          created_by: exchange.createdBy,
          created_at: d.date(exchange.createdAt),
          updated_at: d.date(exchange.createdAt),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toExchange(row);
    } catch (error) {
      if (!d.isUniqueViolation(error)) throw error;
      throw new DomainError(
        'HASH_EXCHANGE_NAME_TAKEN',
        `A hash exchange named ${JSON.stringify(exchange.name)} exists already.`,
        [],
        { cause: error },
      );
    }
  }

  async getExchange(id: number): Promise<HashExchange | undefined> {
    const row = await this.#db
      .selectFrom('hash_exchanges')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toExchange(row);
  }

  async getExchangeByName(name: string): Promise<HashExchange | undefined> {
    const row = await this.#db
      .selectFrom('hash_exchanges')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toExchange(row);
  }

  async listExchanges(): Promise<HashExchange[]> {
    const rows = await this.#db.selectFrom('hash_exchanges').selectAll().orderBy('id').execute();
    return rows.map(toExchange);
  }

  async updateExchange(id: number, patch: HashExchangePatch): Promise<HashExchange> {
    const d = this.#dialect;
    const set: Updateable<HashExchangesTable> = { updated_at: d.date(patch.at) };
    if (patch.endpointUrl !== undefined) set.endpoint_url = patch.endpointUrl;
    if (patch.intervalSeconds !== undefined) set.interval_seconds = patch.intervalSeconds;
    if (patch.options !== undefined) set.options = JSON.stringify(patch.options);
    if (patch.upload !== undefined) set.upload = d.bool(patch.upload);
    if (patch.feedback !== undefined) set.feedback = d.bool(patch.feedback);
    if (patch.sealedCredentials !== undefined) set.sealed_credentials = patch.sealedCredentials;
    if (patch.paused !== undefined) {
      set.paused = d.bool(patch.paused !== null);
      set.paused_reason = patch.paused?.reason ?? null;
      if (patch.paused === null) {
        // Resumed: due at once, with a fresh back-off.
        set.next_run_at = d.date(patch.at);
        set.consecutive_failures = 0;
      }
    }
    if (patch.resetCheckpoint) {
      set.checkpoint = null;
      set.next_run_at = d.date(patch.at);
    }
    const row = await this.#db
      .updateTable('hash_exchanges')
      .set(set)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound(id);
    return toExchange(row);
  }

  async deleteExchange(id: number): Promise<void> {
    const result = await this.#db.deleteFrom('hash_exchanges').where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound(id);
  }

  async getSealedCredentials(id: number): Promise<string | null> {
    const row = await this.#db
      .selectFrom('hash_exchanges')
      .select('sealed_credentials')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound(id);
    return row.sealed_credentials;
  }

  async claimExchange(claim: {
    readonly claimant: string;
    readonly now: Date;
    readonly leaseUntil: Date;
    readonly id?: number;
  }): Promise<HashExchange | undefined> {
    const d = this.#dialect;
    const now = d.date(claim.now);
    let id = claim.id;
    if (id === undefined) {
      const due = await this.#db
        .selectFrom('hash_exchanges')
        .select('id')
        .where('paused', '=', d.bool(false))
        .where('next_run_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .orderBy('next_run_at')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      if (!due) return undefined;
      id = due.id;
    }
    // The conditions again in the UPDATE: a concurrent claimer that got there first wins, and
    // PostgreSQL re-checks them on the row it waited for.
    let update = this.#db
      .updateTable('hash_exchanges')
      .set({
        leased_by: claim.claimant,
        lease_until: d.date(claim.leaseUntil),
        last_run_at: now,
        count_pages: 0,
        count_added: 0,
        count_updated: 0,
        count_withdrawn: 0,
        count_unchanged: 0,
        count_skipped: 0,
        count_errors: 0,
      })
      .where('id', '=', id)
      .where('paused', '=', d.bool(false))
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]));
    if (claim.id === undefined) update = update.where('next_run_at', '<=', now);
    const row = await update.returningAll().executeTakeFirst();
    return row && toExchange(row);
  }

  async renewLease(id: number, claimant: string, leaseUntil: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('hash_exchanges')
      .set({ lease_until: this.#dialect.date(leaseUntil) })
      .where('id', '=', id)
      .where('leased_by', '=', claimant)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async commitPage(
    commit: HashExchangePageCommit,
    audit?: BankChangeAudit<ImportBatchResult>,
  ): Promise<ImportBatchResult> {
    const d = this.#dialect;
    return this.#banks.mutate(async (trx) => {
      const result =
        commit.operations.length === 0
          ? undefined
          : await this.#banks.applyImportIn(trx, commit.bankId, commit.operations, commit.addedBy, commit.at);
      let update = trx
        .updateTable('hash_exchanges')
        .set(() => ({
          updated_at: d.date(commit.at),
          count_pages: plus('count_pages', commit.extra.pages),
          count_skipped: plus('count_skipped', commit.extra.skipped),
          count_errors: plus('count_errors', commit.extra.errors),
          count_added: plus('count_added', result?.created ?? 0),
          count_updated: plus('count_updated', result?.updated ?? 0),
          count_withdrawn: plus('count_withdrawn', result?.withdrawn ?? 0),
          count_unchanged: plus(
            'count_unchanged',
            (result?.unchanged ?? 0) + (result?.withdrawalsUnmatched ?? 0),
          ),
          ...(commit.toCheckpoint !== null ? { checkpoint: commit.toCheckpoint } : {}),
        }))
        .where('id', '=', commit.exchangeId)
        .where('leased_by', '=', commit.claimant);
      update =
        commit.fromCheckpoint === null
          ? update.where('checkpoint', 'is', null)
          : update.where('checkpoint', '=', commit.fromCheckpoint);
      // A lost lease or a moved checkpoint throws here, and the whole transaction (the bank's
      // changes with it) rolls back: nothing of the page is written.
      const moved = await update.executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) throw new DomainError('HASH_EXCHANGE_LEASE_LOST');
      return (
        result ?? { created: 0, updated: 0, unchanged: 0, withdrawn: 0, withdrawalsUnmatched: 0, seq: 0 }
      );
    }, audit);
  }

  async commitUpload(id: number, claimant: string, uploadCheckpoint: number, at: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('hash_exchanges')
      .set({ upload_checkpoint: uploadCheckpoint, updated_at: this.#dialect.date(at) })
      .where('id', '=', id)
      .where('leased_by', '=', claimant)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async finishRun(id: number, claimant: string, end: HashExchangeRunEnd): Promise<void> {
    const d = this.#dialect;
    await this.#db
      .updateTable('hash_exchanges')
      .set((eb) => ({
        leased_by: null,
        lease_until: null,
        next_run_at: d.date(end.nextRunAt),
        updated_at: d.date(end.at),
        ...(end.error === null
          ? {
              last_success_at: d.date(end.at),
              last_error_kind: null,
              last_error_message: null,
              consecutive_failures: 0,
            }
          : {
              last_error_kind: end.error.kind,
              last_error_message: end.error.message,
              consecutive_failures: eb('consecutive_failures', '+', 1),
            }),
        ...(end.pause ? { paused: d.bool(true), paused_reason: end.pause.reason } : {}),
      }))
      .where('id', '=', id)
      .where('leased_by', '=', claimant)
      .execute();
  }

  async listSourceProvenances(bankId: number, source: string): Promise<SourceProvenance[]> {
    const firsts = await this.#db
      .selectFrom('bank_entries')
      .select(['provenance'])
      .where('bank_id', '=', bankId)
      .where('provenance_source', '=', source)
      .execute();
    const others = await this.#db
      .selectFrom('bank_entry_sources')
      .select(['external_id', 'member'])
      .where('bank_id', '=', bankId)
      .where('source', '=', source)
      .execute();
    return [
      ...firsts.map((row) => {
        const p = readJson<Provenance>(row.provenance);
        return { externalId: p.externalId ?? null, member: p.member ?? null };
      }),
      ...others.map((row) => ({ externalId: row.external_id, member: row.member })),
    ];
  }

  async recordVotes(votes: readonly FeedbackVote[], at: Date): Promise<void> {
    await this.#db.transaction().execute((trx) => writeVotes(trx, this.#dialect, votes, at));
  }

  async listPendingFeedback(
    exchangeId: number,
    bankId: number,
    source: string,
    limit: number,
  ): Promise<PendingFeedback[]> {
    const d = this.#dialect;
    const rows = await this.#db
      .selectFrom('hash_exchange_votes as v')
      .innerJoin('bank_entries as e', 'e.id', 'v.entry_id')
      .leftJoin('hash_exchange_vote_deliveries as x', (join) =>
        join.onRef('x.entry_id', '=', 'v.entry_id').on('x.exchange_id', '=', exchangeId),
      )
      .select([
        'v.entry_id',
        'v.version',
        'v.verdict',
        'e.signal_type',
        'e.value',
        'e.provenance',
        'e.provenance_source',
      ])
      .where('v.bank_id', '=', bankId)
      .where('e.bank_id', '=', bankId)
      .where((eb) =>
        eb.or([
          eb('e.provenance_source', '=', source),
          eb.exists(
            eb
              .selectFrom('bank_entry_sources as s')
              .select('s.id')
              .whereRef('s.entry_id', '=', 'v.entry_id')
              .where('s.source', '=', source),
          ),
        ]),
      )
      .where((eb) =>
        eb.or([
          eb('x.entry_id', 'is', null),
          eb('x.version', '<', eb.ref('v.version')),
          eb.and([eb('x.sent_at', 'is', null), eb('x.refused', '=', d.bool(false))]),
        ]),
      )
      .orderBy('v.entry_id')
      .limit(limit)
      .execute();
    if (rows.length === 0) return [];
    const further = await this.#db
      .selectFrom('bank_entry_sources')
      .select(['entry_id', 'external_id', 'member'])
      .where(
        'entry_id',
        'in',
        rows.map((r) => r.entry_id),
      )
      .where('source', '=', source)
      .orderBy('id')
      .execute();
    return rows.map((row) => {
      const provenances: { externalId: string | null; member: string | null }[] = [];
      if (row.provenance_source === source) {
        const p = readJson<Provenance>(row.provenance);
        provenances.push({ externalId: p.externalId ?? null, member: p.member ?? null });
      }
      for (const s of further) {
        if (s.entry_id === row.entry_id) provenances.push({ externalId: s.external_id, member: s.member });
      }
      return {
        entryId: row.entry_id,
        version: Number(row.version),
        verdict: row.verdict as FeedbackVerdict,
        signalType: row.signal_type,
        value: row.value,
        provenances,
      };
    });
  }

  async commitFeedback(
    exchangeId: number,
    claimant: string,
    deliveries: readonly FeedbackDelivery[],
    at: Date,
    audit?: BankAuditEvent | null,
  ): Promise<boolean> {
    const d = this.#dialect;
    try {
      await this.#banks.mutate(
        async (trx) => {
          const held = await trx
            .selectFrom('hash_exchanges')
            .select('id')
            .where('id', '=', exchangeId)
            .where('leased_by', '=', claimant)
            .executeTakeFirst();
          if (!held) throw new DomainError('HASH_EXCHANGE_LEASE_LOST');
          for (const delivery of deliveries) {
            const before = await trx
              .selectFrom('hash_exchange_vote_deliveries')
              .select(['version', 'attempts'])
              .where('entry_id', '=', delivery.entryId)
              .where('exchange_id', '=', exchangeId)
              .executeTakeFirst();
            // Attempts count the tries of the vote's current version.
            const attempts =
              (before && Number(before.version) === delivery.version ? Number(before.attempts) : 0) + 1;
            const values = {
              version: delivery.version,
              verdict: delivery.verdict,
              sent_at: delivery.outcome === 'sent' ? d.date(at) : null,
              attempts,
              last_error: delivery.error,
              refused: d.bool(delivery.outcome === 'refused'),
              updated_at: d.date(at),
            };
            if (before) {
              await trx
                .updateTable('hash_exchange_vote_deliveries')
                .set(values)
                .where('entry_id', '=', delivery.entryId)
                .where('exchange_id', '=', exchangeId)
                .execute();
            } else {
              await trx
                .insertInto('hash_exchange_vote_deliveries')
                .values({ entry_id: delivery.entryId, exchange_id: exchangeId, ...values })
                .execute();
            }
          }
          const failed = deliveries.filter((x) => x.outcome !== 'sent').at(-1);
          if (failed) {
            await trx
              .updateTable('hash_exchanges')
              .set({ feedback_last_error: failed.error, feedback_last_error_at: d.date(at) })
              .where('id', '=', exchangeId)
              .execute();
          }
        },
        audit ? { event: () => audit } : undefined,
      );
      return true;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'HASH_EXCHANGE_LEASE_LOST') return false;
      throw error;
    }
  }

  async feedbackStatus(
    exchangeId: number,
    bankId: number,
    source: string,
  ): Promise<HashExchangeFeedbackStatus> {
    const d = this.#dialect;
    const pending = await this.listPendingFeedback(exchangeId, bankId, source, 100_000);
    const counts = await this.#db
      .selectFrom('hash_exchange_vote_deliveries')
      .select((eb) => [
        eb.fn.count<number | string>('entry_id').filterWhere('sent_at', 'is not', null).as('sent'),
        eb.fn.count<number | string>('entry_id').filterWhere('refused', '=', d.bool(true)).as('refused'),
      ])
      .where('exchange_id', '=', exchangeId)
      .executeTakeFirstOrThrow();
    const row = await this.#db
      .selectFrom('hash_exchanges')
      .select(['feedback_last_error', 'feedback_last_error_at'])
      .where('id', '=', exchangeId)
      .executeTakeFirst();
    return {
      pending: pending.length,
      sent: readId(counts.sent ?? 0),
      refused: readId(counts.refused ?? 0),
      lastError: row?.feedback_last_error ?? null,
      lastErrorAt: row?.feedback_last_error_at == null ? null : readDate(row.feedback_last_error_at),
    };
  }
}

/**
 * Keeps votes in the feedback outbox inside `trx` (one row per entry: the latest vote replaces an
 * earlier one and bumps its version, so a vote changed before it was sent sends only the latest).
 * A `null` verdict withdraws the entry's vote (deliveries already made stay recorded).
 */
export async function writeVotes(
  trx: Kysely<Database>,
  dialect: StoreDialect,
  votes: readonly (Omit<FeedbackVote, 'verdict'> & { readonly verdict: FeedbackVerdict | null })[],
  at: Date,
): Promise<void> {
  for (const vote of votes) {
    if (vote.verdict === null) {
      await trx.deleteFrom('hash_exchange_votes').where('entry_id', '=', vote.entryId).execute();
      continue;
    }
    const entry = await trx
      .selectFrom('bank_entries')
      .select('bank_id')
      .where('id', '=', vote.entryId)
      .executeTakeFirst();
    if (!entry) continue;
    // One statement (two concurrent votes on an entry cannot both insert); the version moves only
    // when the verdict changes, so a repeated vote is not sent twice.
    await trx
      .insertInto('hash_exchange_votes')
      .values({
        entry_id: vote.entryId,
        bank_id: entry.bank_id,
        verdict: vote.verdict,
        voted_by: vote.votedBy,
        match_record_id: vote.matchRecordId,
        version: 1,
        created_at: dialect.date(at),
        updated_at: dialect.date(at),
      })
      .onConflict((oc) =>
        oc.column('entry_id').doUpdateSet({
          verdict: (eb) => eb.ref('excluded.verdict'),
          voted_by: (eb) => eb.ref('excluded.voted_by'),
          match_record_id: (eb) => eb.ref('excluded.match_record_id'),
          updated_at: (eb) => eb.ref('excluded.updated_at'),
          version: sql<number>`case when hash_exchange_votes.verdict = excluded.verdict
            then hash_exchange_votes.version else hash_exchange_votes.version + 1 end`,
        }),
      )
      .execute();
  }
}

/** `column + n` in an UPDATE (the counters are bigint: `pg` reads them as strings, writes numbers). */
function plus(column: string, n: number): RawBuilder<number> {
  return sql<number>`${sql.ref(column)} + ${n}`;
}

function notFound(id: number): DomainError {
  return new DomainError('HASH_EXCHANGE_NOT_FOUND', `No hash exchange with id ${id}.`);
}

function toExchange(row: Selectable<HashExchangesTable>): HashExchange {
  const count = (value: number | string): number => readId(value);
  return {
    id: row.id,
    name: row.name,
    bankId: row.bank_id,
    type: row.type as HashExchangeType,
    endpointUrl: row.endpoint_url,
    intervalSeconds: row.interval_seconds,
    options: readJson<Record<string, string | number | boolean>>(row.options),
    upload: readBool(row.upload),
    feedback: readBool(row.feedback),
    hasCredentials: row.sealed_credentials !== null,
    paused: readBool(row.paused),
    pausedReason: row.paused_reason,
    checkpoint: row.checkpoint,
    uploadCheckpoint: count(row.upload_checkpoint),
    lastRunAt: row.last_run_at === null ? null : readDate(row.last_run_at),
    lastSuccessAt: row.last_success_at === null ? null : readDate(row.last_success_at),
    lastErrorKind: row.last_error_kind as HashExchangeStatusErrorKind | null,
    lastErrorMessage: row.last_error_message,
    consecutiveFailures: Number(row.consecutive_failures),
    nextRunAt: readDate(row.next_run_at),
    counts: {
      ...ZERO_HASH_EXCHANGE_COUNTS,
      pages: count(row.count_pages),
      added: count(row.count_added),
      updated: count(row.count_updated),
      withdrawn: count(row.count_withdrawn),
      unchanged: count(row.count_unchanged),
      skipped: count(row.count_skipped),
      errors: count(row.count_errors),
    },
    leasedBy: row.leased_by,
    leaseUntil: row.lease_until === null ? null : readDate(row.lease_until),
    createdBy: row.created_by,
    createdAt: readDate(row.created_at),
    updatedAt: readDate(row.updated_at),
  };
}
