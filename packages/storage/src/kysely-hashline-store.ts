import {
  DEFAULT_PDQ_THRESHOLD,
  DomainError,
  systemClock,
  type ActiveSignal,
  type ActivePdqVariants,
  type AddEntriesResult,
  type BankChangeAudit,
  type ApiKey,
  type Bank,
  type BankChange,
  type SignalType,
  type BankEntry,
  type BankPatch,
  type Clock,
  type EntryLookup,
  type EntryPatch,
  type EntryQuery,
  type HashlineStore,
  type ImportBatchResult,
  type ImportExistingEntry,
  type ImportLookups,
  type ImportPlan,
  type ImportStage,
  type ImportOperation,
  importLookups,
  provenanceKey,
  planImportBatch,
  type HotlineStore,
  type ReferralStore,
  type ExchangeStore,
  type ImportJobStore,
  type HashExchangeStore,
  type StatisticsStore,
  type TakedownStore,
  type MatchRecord,
  type MatchRecordDeletion,
  type MatchRecordItem,
  type MatchRecordQuery,
  type NewBank,
  type NewEntry,
  type NewMatchRecord,
  renderWebhookBody,
  type ClaimOptions,
  type DeliveryOutcome,
  type NewWebhookDelivery,
  type Provenance,
  type PinLockPolicy,
  type SelfSubmissionCase,
  type SelfSubmissionStore,
  type WebhookDelivery,
  type WebhookDeliveryQuery,
  type WebhookDeliveryStats,
  type WebhookDeliveryStatus,
  VPDQ_COMPARED_MATCH_PERCENT,
  VPDQ_QUERY_MATCH_PERCENT,
  formatPdqVariants,
  formatVpdqReferenceLines,
  parsePdqVariants,
  parseVpdqReferenceLines,
  type VpdqSignal,
} from '@hashline/domain';
import {
  sql,
  type Insertable,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type Transaction,
  type Updateable,
} from 'kysely';
import {
  readBool,
  readDate,
  readId,
  toApiKey,
  toBank,
  toCase,
  toChange,
  toDelivery,
  toEntry,
  toMatchRecord,
} from './row-mapping.js';
import type {
  BankChangesTable,
  BankEntriesTable,
  BanksTable,
  Database,
  DbDate,
  MatchRecordBanksTable,
  MatchRecordsTable,
  SelfSubmissionCasesTable,
  VideoSignalsTable,
  WebhookDeliveriesTable,
} from './schema.js';
import { KyselyHotlineStore, appendAuditIn } from './kysely-hotline-store.js';
import { KyselyReferralStore } from './kysely-referral-store.js';
import { KyselyTakedownStore } from './kysely-takedown-store.js';
import { KyselyExchangeStore } from './kysely-exchange-store.js';
import { KyselyStatisticsStore } from './kysely-statistics-store.js';
import { relaxedCommit } from './relaxed-commit.js';
import type { BulkImportStage, BulkImporter } from './bulk-import.js';
import { KyselyImportJobStore } from './kysely-import-job-store.js';
import { KyselyHashExchangeStore, writeVotes } from './kysely-hash-exchange-store.js';
import { inListSelectQuery, rowInsertQuery } from './row-insert-query.js';
import type { StoreDatabase, StoreDialect } from './store-dialect.js';

/** Rows per multi-row INSERT: ~15 parameters each stays far below both engines' limits. */
const INSERT_CHUNK = 500;
/** Columns of the match-record group inserts, in the order their rows list the values. */
const MATCH_RECORD_COLUMNS = [
  'created_at',
  'caller',
  'source',
  'signal_type',
  'value',
  'matches',
  'content_ref',
] as const satisfies readonly (keyof MatchRecordsTable)[];
const MATCH_RECORD_BANK_COLUMNS = [
  'match_record_id',
  'bank_id',
] as const satisfies readonly (keyof MatchRecordBanksTable)[];
/** Columns of a queued webhook delivery, in the order #enqueueIn lists the values. */
const DELIVERY_COLUMNS = [
  'bank_id',
  'seq',
  'url',
  'body',
  'idempotency_key',
  'attempts',
  'next_attempt_at',
  'status',
  'last_error',
  'created_at',
  'queued_at',
  'delivered_at',
  'leased_until',
] as const satisfies readonly (keyof WebhookDeliveriesTable)[];
/** Values per `IN (...)` list. */
const LOOKUP_CHUNK = 1000;

/** Provenance stored when an entry arrives without one. */
const UNKNOWN_PROVENANCE: Provenance = { source: 'unknown' };

function provenance(entry: NewEntry): Provenance {
  return entry.provenance ?? UNKNOWN_PROVENANCE;
}

type Db = Kysely<Database>;
type ChangeRow = Insertable<BankChangesTable>;

/**
 * {@link HashlineStore} over Kysely: every query is written once here and runs on SQLite and
 * PostgreSQL; the few differences live in a {@link StoreDialect}.
 *
 * Invariants:
 * - Every mutation of banks or entries appends its `bank_changes` rows in the same transaction,
 *   after taking the dialect's change-log lock first, so seqs become visible in seq order.
 * - Timestamps come from the injected clock, never from the database, so every engine (and the
 *   in-memory store) stores the same instants.
 */
export class KyselyHashlineStore implements HashlineStore, SelfSubmissionStore {
  readonly engine: StoreDialect['engine'];
  /** Bank changes write their audit row to the hotline's chain in their own transaction. */
  readonly writesBankAudit = true;
  /** The hotline's store on the same database (closed with this store). */
  readonly hotline: HotlineStore;
  /** Referral records of the hotline (issue 5), on the same database. */
  readonly referrals: ReferralStore;
  /** Notice-and-takedown records (issue 5), on the same database. */
  readonly takedowns: TakedownStore;
  /** Hotline-to-hotline exchange records (issue 5), on the same database. */
  readonly exchange: ExchangeStore;
  /** The hotline's figures, counted with SQL aggregates (issue 5). */
  readonly statistics: StatisticsStore;
  /** Bulk import jobs over the API (issue 12), on the same database. */
  readonly importJobs: ImportJobStore;
  /** Scheduled hash exchanges (issue 14), on the same database; a page commits with its bank changes. */
  readonly hashExchanges: HashExchangeStore;
  readonly #db: Db;
  readonly #dialect: StoreDialect;
  readonly #clock: Clock;
  readonly #syncLog: (() => Promise<void>) | undefined;
  readonly #bulk: BulkImporter | undefined;
  #closed = false;
  /** See `BankStore.openImportStage`: present when the engine's bulk path offers a stage. */
  readonly openImportStage?: (
    bankId: number,
    addedBy: string,
    audit?: BankChangeAudit<ImportBatchResult>,
  ) => Promise<ImportStage>;

  constructor({ db, dialect, syncLog, bulk }: StoreDatabase, clock: Clock = systemClock) {
    this.engine = dialect.engine;
    this.#db = db;
    this.#bulk = bulk;
    const openStage = bulk?.openStage;
    if (openStage) {
      this.openImportStage = (bankId, addedBy, audit) =>
        this.#openImportStage(openStage, bankId, addedBy, audit);
    }
    this.#dialect = dialect;
    this.#syncLog = syncLog;
    this.#clock = clock;
    this.hotline = new KyselyHotlineStore({ db, dialect }, clock);
    this.referrals = new KyselyReferralStore({ db, dialect });
    this.takedowns = new KyselyTakedownStore({ db, dialect });
    this.exchange = new KyselyExchangeStore({ db, dialect });
    this.statistics = new KyselyStatisticsStore({ db, dialect });
    this.importJobs = new KyselyImportJobStore({ db, dialect });
    this.hashExchanges = new KyselyHashExchangeStore(
      { db, dialect },
      {
        mutate: (work, audit) => this.#mutate(work, audit),
        applyImportIn: (trx, bankId, operations, addedBy, now) => {
          if (!bulk) throw new Error('this store was opened without a bulk path');
          return this.#applyImportIn(trx, bulk, bankId, operations, addedBy, now);
        },
      },
    );
  }

  // ---- banks ----

  async createBank(bank: NewBank, audit?: BankChangeAudit<Bank>): Promise<Bank> {
    const d = this.#dialect;
    const now = this.#clock.now();
    return this.#mapBankNameTaken(bank.name, () =>
      this.#mutate(async (trx) => {
        const row = await trx
          .insertInto('banks')
          .values({
            name: bank.name,
            description: bank.description ?? '',
            kind: bank.kind,
            default_actions: JSON.stringify(bank.defaultActions ?? []),
            pdq_threshold: bank.pdqThreshold ?? DEFAULT_PDQ_THRESHOLD,
            vpdq_match_percent: bank.vpdqMatchPercent ?? VPDQ_COMPARED_MATCH_PERCENT,
            vpdq_query_match_percent: bank.vpdqQueryMatchPercent ?? VPDQ_QUERY_MATCH_PERCENT,
            enabled: d.bool(bank.enabled ?? true),
            four_eyes: d.bool(bank.fourEyes ?? false),
            webhook_url: bank.webhookUrl ?? null,
            webhook_secret: bank.webhookSecret ?? null,
            created_at: d.date(now),
            updated_at: d.date(now),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.#append(trx, [{ op: 'bank_upsert', bank_id: row.id, at: d.date(now) }]);
        return toBank(row);
      }, audit),
    );
  }

  async getBank(id: number): Promise<Bank | undefined> {
    const row = await this.#db.selectFrom('banks').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toBank(row);
  }

  async getBankByName(name: string): Promise<Bank | undefined> {
    const row = await this.#db.selectFrom('banks').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toBank(row);
  }

  async listBanks(): Promise<Bank[]> {
    const rows = await this.#db.selectFrom('banks').selectAll().orderBy('id').execute();
    return rows.map(toBank);
  }

  async updateBank(id: number, patch: BankPatch, audit?: BankChangeAudit<Bank>): Promise<Bank> {
    const d = this.#dialect;
    const now = this.#clock.now();
    const set: Updateable<BanksTable> = { updated_at: d.date(now) };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.kind !== undefined) set.kind = patch.kind;
    if (patch.defaultActions !== undefined) set.default_actions = JSON.stringify(patch.defaultActions);
    if (patch.pdqThreshold !== undefined) set.pdq_threshold = patch.pdqThreshold;
    if (patch.vpdqMatchPercent !== undefined) set.vpdq_match_percent = patch.vpdqMatchPercent;
    if (patch.vpdqQueryMatchPercent !== undefined) set.vpdq_query_match_percent = patch.vpdqQueryMatchPercent;
    if (patch.enabled !== undefined) set.enabled = d.bool(patch.enabled);
    if (patch.fourEyes !== undefined) set.four_eyes = d.bool(patch.fourEyes);
    if (patch.webhookUrl !== undefined) set.webhook_url = patch.webhookUrl;
    if (patch.webhookSecret !== undefined) set.webhook_secret = patch.webhookSecret;
    return this.#mapBankNameTaken(patch.name, () =>
      this.#mutate(async (trx) => {
        const row = await trx
          .updateTable('banks')
          .set(set)
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (!row) throw bankNotFound(id);
        await this.#append(trx, [{ op: 'bank_upsert', bank_id: id, at: d.date(now) }]);
        return toBank(row);
      }, audit),
    );
  }

  async deleteBank(id: number, audit?: BankChangeAudit<void>): Promise<void> {
    const d = this.#dialect;
    const now = this.#clock.now();
    await this.#mutate(async (trx) => {
      await this.#requireBank(trx, id);
      // One statement however large the bank: each entry's delete is logged in id order.
      await trx
        .insertInto('bank_changes')
        .columns(['op', 'bank_id', 'entry_id', 'signal_type', 'value', 'at'])
        .expression(
          trx
            .selectFrom('bank_entries')
            .select([
              sql.lit('entry_delete').as('op'),
              'bank_id',
              'id',
              'signal_type',
              'value',
              d.dateExpression(now).as('at'),
            ])
            .where('bank_id', '=', id)
            .orderBy('id'),
        )
        .execute();
      await trx.deleteFrom('bank_entries').where('bank_id', '=', id).execute();
      await trx.deleteFrom('banks').where('id', '=', id).execute();
      await this.#append(trx, [{ op: 'bank_delete', bank_id: id, at: d.date(now) }]);
    }, audit);
  }

  async getWebhookSecret(bankId: number): Promise<string | null> {
    const row = await this.#db
      .selectFrom('banks')
      .select('webhook_secret')
      .where('id', '=', bankId)
      .executeTakeFirst();
    if (!row) throw bankNotFound(bankId);
    return row.webhook_secret;
  }

  // ---- entries ----

  async addEntries(
    bankId: number,
    entries: readonly NewEntry[],
    addedBy: string,
    audit?: BankChangeAudit<AddEntriesResult>,
  ): Promise<AddEntriesResult> {
    const d = this.#dialect;
    const now = this.#clock.now();
    return this.#mutate(async (trx) => {
      const bank = await this.#requireBank(trx, bankId);

      // The first occurrence of each (signal type, value) in the batch is the one considered.
      const unique = new Map<string, NewEntry>();
      for (const entry of entries) {
        const key = entryKey(entry.signalType, entry.value);
        if (!unique.has(key)) unique.set(key, entry);
      }

      const rows = new Map<string, Selectable<BankEntriesTable>>();
      const preexisting = new Set<string>();
      const valuesByType = new Map<string, string[]>();
      for (const entry of unique.values()) {
        const values = valuesByType.get(entry.signalType) ?? [];
        values.push(entry.value);
        valuesByType.set(entry.signalType, values);
      }
      for (const [signalType, values] of valuesByType) {
        for (const part of chunks(values, LOOKUP_CHUNK)) {
          const found = await trx
            .selectFrom('bank_entries')
            .selectAll()
            .where('bank_id', '=', bankId)
            .where('signal_type', '=', signalType)
            .where('value', 'in', part)
            .execute();
          for (const row of found) {
            const key = entryKey(row.signal_type, row.value);
            rows.set(key, row);
            preexisting.add(key);
          }
        }
      }

      const fresh = [...unique].filter(([key]) => !preexisting.has(key)).map(([, entry]) => entry);
      const inserted: Selectable<BankEntriesTable>[] = [];
      for (const part of chunks(fresh, INSERT_CHUNK)) {
        const values = part.map((entry): Insertable<BankEntriesTable> => ({
          bank_id: bankId,
          signal_type: entry.signalType,
          value: entry.value,
          quality: entry.quality ?? null,
          classification: JSON.stringify(entry.classification ?? {}),
          provenance: JSON.stringify(provenance(entry)),
          provenance_source: provenance(entry).source,
          provenance_external_id: provenance(entry).externalId ?? null,
          reviewer_count: entry.reviewerCount ?? 0,
          added_by: addedBy,
          note: entry.note ?? null,
          disabled: d.bool(entry.disabled ?? false),
          feedback: null,
          created_at: d.date(now),
          updated_at: d.date(now),
          pdq_variants: entry.signalType === 'pdq' ? formatPdqVariants(entry.pdqVariants) : null,
        }));
        inserted.push(...(await trx.insertInto('bank_entries').values(values).returningAll().execute()));
      }
      for (const row of inserted) rows.set(entryKey(row.signal_type, row.value), row);
      await this.#insertVideos(trx, inserted, unique);

      // Log in id order, so seq order and id order agree within the batch.
      inserted.sort((a, b) => a.id - b.id);
      await this.#append(
        trx,
        inserted.map((row) => upsertChange(d, row, readBool(bank.enabled), now)),
      );

      const created: BankEntry[] = [];
      const existing: BankEntry[] = [];
      const seen = new Set<string>();
      for (const entry of entries) {
        const key = entryKey(entry.signalType, entry.value);
        const entity = toEntry(rows.get(key)!);
        if (seen.has(key) || preexisting.has(key)) existing.push(entity);
        else created.push(entity);
        seen.add(key);
      }
      return { created, existing, seq: await latestSeq(trx) };
    }, audit);
  }

  /** Stores the frames of the vpdq entries just inserted (same transaction as the entries). */
  async #insertVideos(
    trx: Transaction<Database>,
    inserted: readonly Selectable<BankEntriesTable>[],
    byKey: ReadonlyMap<string, NewEntry>,
  ): Promise<void> {
    const rows: Insertable<VideoSignalsTable>[] = [];
    for (const row of inserted) {
      if (row.signal_type !== 'vpdq') continue;
      const video = byKey.get(entryKey(row.signal_type, row.value))?.video;
      if (!video) throw new Error('a vpdq entry needs its video (frames)');
      rows.push({
        entry_id: row.id,
        frames: formatVpdqReferenceLines(video.frames),
        frame_count: video.frames.length,
        file_md5: video.fileMd5 ?? null,
        file_sha256: video.fileSha256 ?? null,
      });
    }
    // A few large rows per statement (a frame list can be hundreds of kilobytes).
    for (const part of chunks(rows, 50)) await trx.insertInto('video_signals').values(part).execute();
  }

  async getVideoSignals(entryIds: readonly number[]): Promise<Map<number, VpdqSignal>> {
    const out = new Map<number, VpdqSignal>();
    for (const part of chunks([...new Set(entryIds)], LOOKUP_CHUNK)) {
      const rows = await this.#db
        .selectFrom('video_signals')
        .selectAll()
        .where('entry_id', 'in', part)
        .execute();
      for (const row of rows) {
        out.set(row.entry_id, {
          frames: parseVpdqReferenceLines(row.frames),
          fileMd5: row.file_md5,
          fileSha256: row.file_sha256,
        });
      }
    }
    return out;
  }

  async applyImport(
    bankId: number,
    operations: readonly ImportOperation[],
    addedBy: string,
    audit?: BankChangeAudit<ImportBatchResult>,
  ): Promise<ImportBatchResult> {
    const bulk = this.#bulk;
    if (!bulk)
      throw new Error('this store was opened without a bulk path (openSqliteDatabase/openPostgresDatabase)');
    const now = this.#clock.now();
    return this.#mutate((trx) => this.#applyImportIn(trx, bulk, bankId, operations, addedBy, now), audit);
  }

  /** {@link applyImport}'s work inside a change-log transaction (also a hash exchange's page commit). */
  async #applyImportIn(
    trx: Transaction<Database>,
    bulk: BulkImporter,
    bankId: number,
    operations: readonly ImportOperation[],
    addedBy: string,
    now: Date,
  ): Promise<ImportBatchResult> {
    {
      const bank = await this.#requireBank(trx, bankId);
      const lookups = importLookups(operations);
      const existing = await this.#withSources(
        trx,
        bankId,
        lookups,
        await bulk.findExisting(trx, bankId, lookups),
      );
      const plan = planImportBatch(operations, existing);
      const writes = plan.creates.length + plan.updates.length + plan.deletes.length;
      if (writes > 0) {
        await bulk.write(trx, plan, { bankId, bankEnabled: readBool(bank.enabled), addedBy, now });
      }
      await this.#writeSources(trx, bankId, plan, now);
      await this.#touchSources(trx, bankId, operations, now);
      return {
        created: plan.creates.length,
        updated: plan.updates.length,
        unchanged: plan.unchanged,
        withdrawn: plan.deletes.length,
        withdrawalsUnmatched: plan.withdrawalsUnmatched,
        seq: await latestSeq(trx),
      };
    }
  }

  /**
   * Adds to an import's existing entries the sources recorded beside their first provenance
   * (`bank_entry_sources`), and the entries a withdrawal by provenance names only through such a
   * source. One cheap probe when the bank has none (the common case: no extra query per batch).
   */
  async #withSources(
    trx: Transaction<Database>,
    bankId: number,
    lookups: ImportLookups,
    found: ImportExistingEntry[],
  ): Promise<ImportExistingEntry[]> {
    if (!(await bankHasFurtherSources(trx, bankId))) return found;
    const byId = new Map(found.map((row) => [row.id, row]));
    const more = new Set<number>();
    for (const { source, externalId } of lookups.provenances) {
      const rows = await trx
        .selectFrom('bank_entry_sources')
        .select('entry_id')
        .where('bank_id', '=', bankId)
        .where('source', '=', source)
        .where('external_id', '=', externalId)
        .execute();
      for (const row of rows) if (!byId.has(row.entry_id)) more.add(row.entry_id);
    }
    for (const part of chunks([...more], LOOKUP_CHUNK)) {
      const rows = await trx.selectFrom('bank_entries').selectAll().where('id', 'in', part).execute();
      for (const row of rows) {
        const entry = toEntry(row);
        byId.set(entry.id, {
          id: entry.id,
          signalType: entry.signalType,
          value: entry.value,
          classification: entry.classification,
          provenanceSource: entry.provenance.source,
          provenanceExternalId: entry.provenance.externalId ?? null,
          provenanceMember: entry.provenance.member ?? null,
          disabled: entry.disabled,
        });
      }
    }
    const sources = await this.#sourcesOf(trx, [...byId.keys()]);
    return [...byId.values()].map((row) => ({ ...row, otherSources: sources.get(row.id) ?? [] }));
  }

  async #sourcesOf(db: Kysely<Database>, entryIds: readonly number[]): Promise<Map<number, Provenance[]>> {
    const out = new Map<number, Provenance[]>();
    for (const part of chunks([...new Set(entryIds)], LOOKUP_CHUNK)) {
      const rows = await db
        .selectFrom('bank_entry_sources')
        .select(['entry_id', 'source', 'external_id', 'member'])
        .where('entry_id', 'in', part)
        .orderBy('entry_id')
        .orderBy('id')
        .execute();
      for (const row of rows) {
        let list = out.get(row.entry_id);
        if (!list) out.set(row.entry_id, (list = []));
        list.push({ source: row.source, externalId: row.external_id, member: row.member });
      }
    }
    return out;
  }

  /** Writes a plan's source changes (see `ImportPlan.sourceAdds`): not logged, a matcher never sees them. */
  async #writeSources(
    trx: Transaction<Database>,
    bankId: number,
    plan: ImportPlan,
    now: Date,
  ): Promise<void> {
    const d = this.#dialect;
    for (const { entry, provenance } of plan.provenanceMoves) {
      await trx
        .updateTable('bank_entries')
        .set({
          provenance: JSON.stringify(provenance),
          provenance_source: provenance.source,
          provenance_external_id: provenance.externalId ?? null,
          updated_at: d.date(now),
        })
        .where('id', '=', entry.id)
        .execute();
    }
    const entryId = async (signalType: string, value: string): Promise<number | undefined> =>
      (
        await trx
          .selectFrom('bank_entries')
          .select('id')
          .where('bank_id', '=', bankId)
          .where('signal_type', '=', signalType)
          .where('value', '=', value)
          .executeTakeFirst()
      )?.id;
    const sameSource = (p: Provenance) => (eb: ExpressionBuilder<Database, 'bank_entry_sources'>) =>
      eb.and([
        eb('source', '=', p.source),
        p.externalId == null ? eb('external_id', 'is', null) : eb('external_id', '=', p.externalId),
        p.member == null ? eb('member', 'is', null) : eb('member', '=', p.member),
      ]);
    for (const change of plan.sourceRemoves) {
      const id = await entryId(change.signalType, change.value);
      if (id === undefined) continue;
      await trx
        .deleteFrom('bank_entry_sources')
        .where('entry_id', '=', id)
        .where(sameSource(change.provenance))
        .execute();
    }
    for (const change of plan.sourceAdds) {
      const id = await entryId(change.signalType, change.value);
      if (id === undefined) continue;
      const p = change.provenance;
      await trx
        .insertInto('bank_entry_sources')
        .values({
          entry_id: id,
          bank_id: bankId,
          source: p.source,
          external_id: p.externalId ?? null,
          member: p.member ?? null,
          first_seen_at: d.date(now),
          last_seen_at: d.date(now),
        })
        .execute();
    }
  }

  /**
   * Moves `last_seen_at` of the further sources a batch's upserts name again (an exchange run
   * that sees an entry again); `first_seen_at` stays. One cheap probe when the bank has none.
   */
  async #touchSources(
    trx: Transaction<Database>,
    bankId: number,
    operations: readonly ImportOperation[],
    now: Date,
  ): Promise<void> {
    const seen = new Map<string, Provenance>();
    for (const op of operations) {
      const p = op.kind === 'upsert' ? op.entry.provenance : undefined;
      if (p?.externalId != null) seen.set(provenanceKey(p), p);
    }
    if (seen.size === 0) return;
    if (!(await bankHasFurtherSources(trx, bankId))) return;
    for (const part of chunks([...seen.values()], 200)) {
      await trx
        .updateTable('bank_entry_sources')
        .set({ last_seen_at: this.#dialect.date(now) })
        .where('bank_id', '=', bankId)
        .where((eb) =>
          eb.or(
            part.map((p) =>
              eb.and([
                eb('source', '=', p.source),
                eb('external_id', '=', p.externalId!),
                p.member == null ? eb('member', 'is', null) : eb('member', '=', p.member),
              ]),
            ),
          ),
        )
        .execute();
    }
  }

  async getEntrySources(entryIds: readonly number[]): Promise<Map<number, Provenance[]>> {
    return this.#sourcesOf(this.#db, entryIds);
  }

  /** A stage applied part by part, each part in the change-log transaction like {@link applyImport}. */
  async #openImportStage(
    open: (db: Kysely<Database>) => Promise<BulkImportStage>,
    bankId: number,
    addedBy: string,
    audit?: BankChangeAudit<ImportBatchResult>,
  ): Promise<ImportStage> {
    const stage = await open(this.#db);
    let sealed = false;
    let parts = 0;
    let next = 0;
    return {
      get size() {
        return stage.size;
      },
      add: async (entries) => {
        if (sealed) throw new Error('the import stage is being applied: finish applying it first');
        await stage.add(entries);
      },
      applyNext: async () => {
        if (!sealed) {
          if (stage.size === 0) return undefined;
          parts = await stage.seal();
          next = 0;
          sealed = true;
        }
        if (next >= parts) {
          await stage.reset();
          sealed = false;
          return undefined;
        }
        const part = next;
        const now = this.#clock.now();
        const result = await this.#mutate(async (trx) => {
          const bank = await this.#requireBank(trx, bankId);
          const context = { bankId, bankEnabled: readBool(bank.enabled), addedBy, now };
          const counts = await stage.applyPart(trx, part, context);
          return { ...counts, withdrawn: 0, withdrawalsUnmatched: 0, seq: await latestSeq(trx) };
        }, audit);
        next++;
        return result;
      },
      close: () => stage.close(),
    };
  }

  async refreshStatistics(): Promise<void> {
    await this.#bulk?.refreshStatistics(this.#db);
  }

  async getEntry(id: number): Promise<BankEntry | undefined> {
    const row = await this.#db.selectFrom('bank_entries').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toEntry(row);
  }

  async getEntries(ids: readonly number[]): Promise<BankEntry[]> {
    const out: BankEntry[] = [];
    for (const part of chunks([...new Set(ids)], LOOKUP_CHUNK)) {
      const rows = await this.#db.selectFrom('bank_entries').selectAll().where('id', 'in', part).execute();
      out.push(...rows.map(toEntry));
    }
    return out.sort((a, b) => a.id - b.id);
  }

  async listEntries(bankId: number, query: EntryQuery): Promise<BankEntry[]> {
    let q = this.#db
      .selectFrom('bank_entries')
      .selectAll()
      .where('bank_id', '=', bankId)
      .orderBy('id')
      .limit(clampLimit(query.limit));
    if (query.afterId !== undefined) q = q.where('id', '>', query.afterId);
    if (query.signalType !== undefined) q = q.where('signal_type', '=', query.signalType);
    if (!query.includeDisabled) q = q.where('disabled', '=', this.#dialect.bool(false));
    return (await q.execute()).map(toEntry);
  }

  async countEntries(bankId: number): Promise<number> {
    const row = await this.#db
      .selectFrom('bank_entries')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('bank_id', '=', bankId)
      .executeTakeFirstOrThrow();
    return readId(row.count);
  }

  async findEntries(bankId: number, by: EntryLookup): Promise<BankEntry[]> {
    let q = this.#db.selectFrom('bank_entries').selectAll().where('bank_id', '=', bankId).orderBy('id');
    q =
      'value' in by
        ? q.where('signal_type', '=', by.signalType).where('value', '=', by.value)
        : q.where('provenance_source', '=', by.source).where('provenance_external_id', '=', by.externalId);
    const member = 'value' in by ? null : (by.member ?? null);
    // NCMEC ids are unique per member: a lookup naming a member skips other members' entries.
    return (await q.execute())
      .map(toEntry)
      .filter((e) => member === null || e.provenance.member == null || e.provenance.member === member);
  }

  async updateEntry(id: number, patch: EntryPatch, audit?: BankChangeAudit<BankEntry>): Promise<BankEntry> {
    const d = this.#dialect;
    const now = this.#clock.now();
    const set: Updateable<BankEntriesTable> = { updated_at: d.date(now) };
    if (patch.disabled !== undefined) set.disabled = d.bool(patch.disabled);
    if (patch.classification !== undefined) set.classification = JSON.stringify(patch.classification);
    if (patch.note !== undefined) set.note = patch.note;
    if (patch.feedback !== undefined) set.feedback = patch.feedback;
    if (patch.reviewerCount !== undefined) set.reviewer_count = patch.reviewerCount;
    return this.#mutate(async (trx) => {
      const row = await trx
        .updateTable('bank_entries')
        .set(set)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw entryNotFound(id);
      const bank = await this.#requireBank(trx, row.bank_id);
      await this.#append(trx, [upsertChange(d, row, readBool(bank.enabled), now)]);
      if (patch.feedback !== undefined) {
        // The vote goes to the exchanges' feedback outbox with the entry's change (issue 14).
        await writeVotes(
          trx,
          d,
          [
            {
              entryId: id,
              verdict:
                patch.feedback === null
                  ? null
                  : patch.feedback === 'affirmative'
                    ? 'confirmed'
                    : 'false-positive',
              votedBy: patch.feedbackBy ?? 'unnamed',
              matchRecordId: null,
            },
          ],
          now,
        );
      }
      return toEntry(row);
    }, audit);
  }

  async deleteEntry(id: number, audit?: BankChangeAudit<void>): Promise<void> {
    const d = this.#dialect;
    const now = this.#clock.now();
    await this.#mutate(async (trx) => {
      const row = await trx.deleteFrom('bank_entries').where('id', '=', id).returningAll().executeTakeFirst();
      if (!row) throw entryNotFound(id);
      await this.#append(trx, [
        {
          op: 'entry_delete',
          bank_id: row.bank_id,
          entry_id: row.id,
          signal_type: row.signal_type,
          value: row.value,
          at: d.date(now),
        },
      ]);
    }, audit);
  }

  // ---- change log ----

  async changesSince(afterSeq: number, limit: number): Promise<BankChange[]> {
    const max = clampLimit(limit);
    if (max === 0) return [];
    // An upsert carries its entry's robust variants, read from the entry (they are written once
    // with it and never change; a deleted entry has none, and its delete follows in the log).
    const rows = await this.#db
      .selectFrom('bank_changes as c')
      .leftJoin('bank_entries as e', (join) =>
        join.onRef('e.id', '=', 'c.entry_id').on('c.op', '=', 'entry_upsert'),
      )
      .selectAll('c')
      .select('e.pdq_variants')
      .where('c.seq', '>', afterSeq)
      .where('c.entry_count', 'is', null)
      .orderBy('c.seq')
      .limit(max)
      .execute();
    const changes: BankChange[] = rows.map((row) => {
      const change = toChange(row);
      return change.op === 'entry_upsert' && row.pdq_variants
        ? { ...change, pdqVariants: parsePdqVariants(row.pdq_variants) }
        : change;
    });
    // Ranged rows (a bulk import's creations, migration 0022) stand for one change per seq they
    // span. The answer is the first `max` changes after `afterSeq`: with a full page of single
    // rows, no change past its last seq can be among them.
    const bound = changes.length === max ? changes[max - 1]!.seq : Number.MAX_SAFE_INTEGER;
    const ranges = await this.#rangesOverlapping(afterSeq, bound, max);
    if (ranges.length === 0) return changes;
    for (const range of ranges) changes.push(...(await this.#expandRange(range, afterSeq, bound, max)));
    return changes.sort((a, b) => a.seq - b.seq).slice(0, max);
  }

  /**
   * The ranged rows spanning seqs in (`afterSeq`, `bound`], in seq order: the one that began at
   * or before `afterSeq` and runs past it, then up to `max` beginning after it (each stands for at
   * least one change, so no more can matter).
   */
  async #rangesOverlapping(afterSeq: number, bound: number, max: number): Promise<ChangeRange[]> {
    const ranges = this.#db
      .selectFrom('bank_changes')
      .select(['seq', 'bank_id', 'entry_id', 'entry_count', 'active', 'at'])
      .where('entry_count', 'is not', null);
    const [before, after] = await Promise.all([
      ranges.where('seq', '<=', afterSeq).orderBy('seq', 'desc').limit(1).execute(),
      ranges.where('seq', '>', afterSeq).where('seq', '<=', bound).orderBy('seq').limit(max).execute(),
    ]);
    return [...before, ...after]
      .map((row) => ({
        seq: readId(row.seq),
        bankId: row.bank_id,
        firstEntryId: row.entry_id!,
        count: row.entry_count!,
        bankActive: readBool(row.active!),
        at: readDate(row.at),
      }))
      .filter((range) => range.seq + range.count - 1 > afterSeq);
  }

  /**
   * The changes a ranged row stands for with seqs in (`afterSeq`, `bound`], at most `max`: each
   * entry's creation, from the entry, or from its `entry_delete` row if it was deleted since (the
   * change stays in the log, as a single row's would).
   */
  async #expandRange(
    range: ChangeRange,
    afterSeq: number,
    bound: number,
    max: number,
  ): Promise<BankChange[]> {
    const firstSeq = Math.max(range.seq, afterSeq + 1);
    const lastSeq = Math.min(range.seq + range.count - 1, bound, firstSeq + max - 1);
    if (lastSeq < firstSeq) return [];
    const fromId = range.firstEntryId + (firstSeq - range.seq);
    const toId = range.firstEntryId + (lastSeq - range.seq);
    const [entries, deletes] = await Promise.all([
      this.#db
        .selectFrom('bank_entries')
        .select(['id', 'signal_type', 'value', 'disabled', 'pdq_variants'])
        .where('id', '>=', fromId)
        .where('id', '<=', toId)
        .orderBy('id')
        .execute(),
      this.#db
        .selectFrom('bank_changes')
        .select(['entry_id', 'signal_type', 'value'])
        .where('op', '=', 'entry_delete')
        .where('entry_id', '>=', fromId)
        .where('entry_id', '<=', toId)
        .execute(),
    ]);
    const upsert = (entryId: number, signalType: string, value: string, active: boolean): BankChange => ({
      seq: range.seq + (entryId - range.firstEntryId),
      op: 'entry_upsert',
      entryId,
      bankId: range.bankId,
      signalType: signalType as SignalType,
      value,
      active,
      at: range.at,
    });
    const out: BankChange[] = entries.map((entry) => {
      const change = upsert(
        entry.id,
        entry.signal_type,
        entry.value,
        range.bankActive && !readBool(entry.disabled),
      );
      return entry.pdq_variants ? { ...change, pdqVariants: parsePdqVariants(entry.pdq_variants) } : change;
    });
    // A deleted entry's creation: not active (its delete follows).
    for (const row of deletes) out.push(upsert(row.entry_id!, row.signal_type!, row.value!, false));
    return out;
  }

  async latestSeq(): Promise<number> {
    return latestSeq(this.#db);
  }

  async activePdqVariants(afterId: number, limit: number): Promise<ActivePdqVariants[]> {
    const d = this.#dialect;
    const rows = await this.#db
      .selectFrom('bank_entries as e')
      .innerJoin('banks as b', 'b.id', 'e.bank_id')
      .select(['e.id', 'e.bank_id', 'e.pdq_variants'])
      .where('e.pdq_variants', 'is not', null)
      .where('e.id', '>', afterId)
      .where('e.disabled', '=', d.bool(false))
      .where('b.enabled', '=', d.bool(true))
      .orderBy('e.id')
      .limit(clampLimit(limit))
      .execute();
    return rows.map((row) => ({
      entryId: row.id,
      bankId: row.bank_id,
      variants: parsePdqVariants(row.pdq_variants),
    }));
  }

  async activeSignals(afterId: number, limit: number): Promise<ActiveSignal[]> {
    const d = this.#dialect;
    const rows = await this.#db
      .selectFrom('bank_entries as e')
      .innerJoin('banks as b', 'b.id', 'e.bank_id')
      .select(['e.id', 'e.bank_id', 'e.signal_type', 'e.value'])
      .where('e.id', '>', afterId)
      .where('e.disabled', '=', d.bool(false))
      .where('b.enabled', '=', d.bool(true))
      .orderBy('e.id')
      .limit(clampLimit(limit))
      .execute();
    return rows.map((row) => ({
      entryId: row.id,
      bankId: row.bank_id,
      signalType: row.signal_type as ActiveSignal['signalType'],
      value: row.value,
    }));
  }

  // ---- match records ----

  async recordMatch(
    record: NewMatchRecord,
    notifications?: (record: MatchRecord) => readonly NewWebhookDelivery[],
  ): Promise<MatchRecord> {
    const [stored] = await this.recordMatches([notifications ? { record, notifications } : { record }]);
    return stored!;
  }

  async recordMatches(items: readonly MatchRecordItem[]): Promise<MatchRecord[]> {
    if (items.length === 0) return [];
    const syncLog = this.#syncLog;
    if (!syncLog) return this.#insertMatchRecords(items);
    // SQLite: commit without the blocking fsync, then flush the WAL in the thread pool before
    // answering (sqlite-wal-sync.ts): as durable as a FULL commit once this returns, but the event
    // loop keeps serving requests (and gathering the next group) while the disk works.
    const stored = await relaxedCommit(() => this.#insertMatchRecords(items));
    await syncLog();
    return stored;
  }

  #insertMatchRecords(items: readonly MatchRecordItem[]): Promise<MatchRecord[]> {
    const d = this.#dialect;
    return this.#db.transaction().execute(async (trx) => {
      const stored: MatchRecord[] = [];
      for (const part of chunks(items, INSERT_CHUNK)) {
        // On every matched request's path: a ready-made INSERT, not the query builder (row-insert-query.ts).
        const { rows } = await trx.executeQuery(
          rowInsertQuery<{ id: number | string }>(
            d.engine,
            'match_records',
            MATCH_RECORD_COLUMNS,
            part.map(({ record }) => [
              d.date(record.createdAt),
              record.caller,
              record.source,
              record.signalType,
              record.value,
              JSON.stringify(record.matches),
              record.contentRef ?? null,
            ]),
            'id',
          ),
        );
        // Neither engine promises RETURNING's row order, but both assign a multi-row insert's ids
        // in VALUES order (rising): sorted ids pair with the items in order.
        const ids = rows.map((row) => readId(row.id)).sort((a, b) => a - b);
        if (ids.length !== part.length) throw new Error('match record insert returned a wrong row count');
        part.forEach(({ record }, i) => stored.push(storedMatchRecord(ids[i]!, record)));
      }
      const links = stored.flatMap((record) =>
        [...new Set(record.matches.map((match) => match.bankId))].map((bankId) => [record.id, bankId]),
      );
      for (const part of chunks(links, INSERT_CHUNK)) {
        await trx.executeQuery(
          rowInsertQuery(d.engine, 'match_record_banks', MATCH_RECORD_BANK_COLUMNS, part),
        );
      }
      // In record order: each bank's notifications are numbered in the order of the records.
      const deliveries: NewWebhookDelivery[] = [];
      items.forEach(({ notifications }, i) => {
        if (notifications) deliveries.push(...notifications(storedMatchRecord(stored[i]!.id, stored[i]!)));
      });
      if (deliveries.length > 0) await this.#enqueueIn(trx, deliveries);
      return stored;
    });
  }

  async deleteMatchRecordsBefore(before: Date, limit: number): Promise<MatchRecordDeletion> {
    const max = clampLimit(limit);
    const cutoff = this.#dialect.date(before);
    // One short statement each (bounded by `max` rows): never a long lock. The record's bank links
    // go with it (ON DELETE CASCADE, on SQLite too: foreign_keys is on).
    const records = await this.#db
      .deleteFrom('match_records')
      .where(
        'id',
        'in',
        this.#db
          .selectFrom('match_records')
          .select('id')
          .where('created_at', '<', cutoff)
          .orderBy('created_at')
          .orderBy('id')
          .limit(max),
      )
      .executeTakeFirst();
    // Finished deliveries whose last attempt is past the horizon (next_attempt_at is the last
    // lease's end: the status index's range). Pending and retrying ones stay: their body is all
    // they need, a deleted record does not break them.
    const deliveries = await this.#db
      .deleteFrom('webhook_deliveries')
      .where(
        'id',
        'in',
        this.#db
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('status', 'in', ['delivered', 'failed'])
          .where('next_attempt_at', '<', cutoff)
          .where('queued_at', '<', cutoff)
          .orderBy('id')
          .limit(max),
      )
      .executeTakeFirst();
    return {
      records: Number(records.numDeletedRows),
      deliveries: Number(deliveries.numDeletedRows),
    };
  }

  async getMatchRecord(id: number): Promise<MatchRecord | undefined> {
    const row = await this.#db
      .selectFrom('match_records')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toMatchRecord(row);
  }

  async listMatchRecords(query: MatchRecordQuery): Promise<MatchRecord[]> {
    const d = this.#dialect;
    let q = this.#db
      .selectFrom('match_records')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(clampLimit(query.limit));
    const { bankId } = query;
    if (bankId !== undefined) {
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('match_record_banks as mb')
            .select('mb.bank_id')
            .whereRef('mb.match_record_id', '=', 'match_records.id')
            .where('mb.bank_id', '=', bankId),
        ),
      );
    }
    if (query.caller !== undefined) q = q.where('caller', '=', query.caller);
    if (query.since !== undefined) q = q.where('created_at', '>=', d.date(query.since));
    if (query.until !== undefined) q = q.where('created_at', '<', d.date(query.until));
    if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
    return (await q.execute()).map(toMatchRecord);
  }

  // ---- API keys ----

  async createApiKey(key: Omit<ApiKey, 'createdAt' | 'revokedAt'>): Promise<ApiKey> {
    try {
      const row = await this.#db
        .insertInto('api_keys')
        .values({
          id: key.id,
          name: key.name,
          scopes: JSON.stringify(key.scopes),
          secret_hash: key.secretHash,
          rate_limit_per_second: key.rateLimitPerSecond,
          banks: key.banks ? JSON.stringify(key.banks) : null,
          created_at: this.#dialect.date(this.#clock.now()),
          revoked_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toApiKey(row);
    } catch (error) {
      if (this.#dialect.isUniqueViolation(error)) {
        throw new DomainError('CONFLICT', `An API key with id ${key.id} exists already.`);
      }
      throw error;
    }
  }

  async getApiKey(id: string): Promise<ApiKey | undefined> {
    const row = await this.#db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toApiKey(row);
  }

  async listApiKeys(): Promise<ApiKey[]> {
    const rows = await this.#db
      .selectFrom('api_keys')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string): Promise<ApiKey> {
    // Revoking twice keeps the first revocation time.
    await this.#db
      .updateTable('api_keys')
      .set({ revoked_at: this.#dialect.date(this.#clock.now()) })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
    const key = await this.getApiKey(id);
    if (!key) throw new DomainError('API_KEY_NOT_FOUND', `No API key has id ${id}.`);
    return key;
  }

  async reinstateApiKey(id: string): Promise<ApiKey> {
    await this.#db.updateTable('api_keys').set({ revoked_at: null }).where('id', '=', id).execute();
    const key = await this.getApiKey(id);
    if (!key) throw new DomainError('API_KEY_NOT_FOUND', `No API key has id ${id}.`);
    return key;
  }

  // ---- self-submission cases ----

  async createCase(newCase: SelfSubmissionCase): Promise<SelfSubmissionCase> {
    try {
      await this.#db
        .insertInto('self_submission_cases')
        .values({
          case_number: newCase.caseNumber,
          pin_hash: newCase.pinHash,
          case_type: newCase.caseType,
          status: newCase.status,
          image_count: newCase.imageCount,
          created_day: newCase.createdDay,
          failed_pin_attempts: newCase.failedPinAttempts,
          locked_until: newCase.lockedUntil && this.#dialect.date(newCase.lockedUntil),
        })
        .execute();
    } catch (error) {
      if (this.#dialect.isUniqueViolation(error)) {
        throw new DomainError('CONFLICT', 'A case with this number exists already.');
      }
      throw error;
    }
    return (await this.getCase(newCase.caseNumber))!;
  }

  async getCase(caseNumber: string): Promise<SelfSubmissionCase | undefined> {
    const row = await this.#db
      .selectFrom('self_submission_cases')
      .selectAll()
      .where('case_number', '=', caseNumber)
      .executeTakeFirst();
    return row && toCase(row);
  }

  async claimPinAttempt(
    caseNumber: string,
    now: Date,
    policy: PinLockPolicy,
  ): Promise<SelfSubmissionCase | undefined> {
    const every = policy.every;
    const next = sql<number>`(failed_pin_attempts + 1)`;
    // The attempt that completes the k-th round of `every` locks the case until lockUntil[k-1]
    // (the last entry for every later round); other attempts keep locked_until as it is.
    const steps = policy.lockUntil
      .slice(0, -1)
      .map((until, i) => sql`when ${next} = ${(i + 1) * every} then ${this.#dialect.dateExpression(until)}`);
    const last = this.#dialect.dateExpression(policy.lockUntil[policy.lockUntil.length - 1]!);
    const lock = sql`case when ${next} % ${every} <> 0 then locked_until ${sql.join(steps, sql` `)} else ${last} end`;
    // One statement: the row lock (PostgreSQL) or the single writer (SQLite) serialises concurrent
    // claims, and each reads the count the previous one wrote.
    const row = await this.#db
      .updateTable('self_submission_cases')
      .set({ failed_pin_attempts: next, locked_until: lock as never })
      .where('case_number', '=', caseNumber)
      .where((eb) =>
        eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', this.#dialect.date(now))]),
      )
      .returningAll()
      .executeTakeFirst();
    return row && toCase(row);
  }

  async updateCase(
    caseNumber: string,
    patch: Partial<Pick<SelfSubmissionCase, 'status' | 'failedPinAttempts' | 'lockedUntil'>>,
  ): Promise<SelfSubmissionCase> {
    const set: Updateable<SelfSubmissionCasesTable> = {};
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.failedPinAttempts !== undefined) set.failed_pin_attempts = patch.failedPinAttempts;
    if (patch.lockedUntil !== undefined)
      set.locked_until = patch.lockedUntil && this.#dialect.date(patch.lockedUntil);
    if (Object.keys(set).length > 0) {
      await this.#db
        .updateTable('self_submission_cases')
        .set(set)
        .where('case_number', '=', caseNumber)
        .execute();
    }
    const updated = await this.getCase(caseNumber);
    if (!updated) throw new DomainError('NOT_FOUND', 'No such case.');
    return updated;
  }

  async linkEntries(caseNumber: string, entryIds: readonly number[]): Promise<void> {
    const ids = [...new Set(entryIds)];
    await this.#db.transaction().execute(async (trx) => {
      for (const part of chunks(ids, INSERT_CHUNK)) {
        await trx
          .insertInto('self_submission_case_entries')
          .values(part.map((entryId) => ({ case_number: caseNumber, entry_id: entryId })))
          .onConflict((oc) => oc.columns(['case_number', 'entry_id']).doNothing())
          .execute();
      }
    });
  }

  async entriesToRelease(caseNumber: string): Promise<number[]> {
    const rows = await this.#db
      .selectFrom('self_submission_case_entries as mine')
      .select('mine.entry_id')
      .where('mine.case_number', '=', caseNumber)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('self_submission_case_entries as other')
              .innerJoin('self_submission_cases as c', 'c.case_number', 'other.case_number')
              .select('other.entry_id')
              .whereRef('other.entry_id', '=', 'mine.entry_id')
              .where('other.case_number', '<>', caseNumber)
              .where('c.status', '=', 'active'),
          ),
        ),
      )
      .orderBy('mine.entry_id')
      .execute();
    return rows.map((row) => readId(row.entry_id));
  }

  async unlinkCase(caseNumber: string): Promise<void> {
    await this.#db.deleteFrom('self_submission_case_entries').where('case_number', '=', caseNumber).execute();
  }

  // ---- webhook outbox ----

  async enqueueDeliveries(deliveries: readonly NewWebhookDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.#db.transaction().execute((trx) => this.#enqueueIn(trx, deliveries));
  }

  /** {@link enqueueDeliveries} inside a transaction of the caller's (a match record's). */
  async #enqueueIn(trx: Transaction<Database>, deliveries: readonly NewWebhookDelivery[]): Promise<void> {
    const d = this.#dialect;
    const now = d.date(this.#clock.now());
    // One bank's deliveries in the order given; the first of a repeated key is the one kept.
    const byBank = new Map<number, Map<string, NewWebhookDelivery>>();
    for (const delivery of deliveries) {
      const bank = byBank.get(delivery.bankId) ?? new Map<string, NewWebhookDelivery>();
      if (!bank.has(delivery.idempotencyKey)) bank.set(delivery.idempotencyKey, delivery);
      byBank.set(delivery.bankId, bank);
    }
    if (byBank.size === 0) return;
    // Banks in id order, so two enqueues touching the same banks never wait on each other in a cycle.
    for (const bankId of [...byBank.keys()].sort((a, b) => a - b)) {
      // Takes the bank's counter row first and holds its lock until commit: enqueues of one bank
      // run one at a time and commit in seq order, so a seq is never committed after a higher one
      // (an ordered claim could otherwise send the higher one first).
      const counter = await trx
        .insertInto('webhook_sequences')
        .values({ bank_id: bankId, last_seq: 0 })
        .onConflict((oc) =>
          oc.column('bank_id').doUpdateSet((eb) => ({ last_seq: eb.ref('webhook_sequences.last_seq') })),
        )
        .returning('last_seq')
        .executeTakeFirstOrThrow();
      const wanted = [...byBank.get(bankId)!.values()];
      const known = new Set<string>();
      for (const part of chunks(wanted, LOOKUP_CHUNK)) {
        const { rows } = await trx.executeQuery(
          inListSelectQuery<{ idempotency_key: string }>(
            d.engine,
            'webhook_deliveries',
            'idempotency_key',
            'idempotency_key',
            part.map((delivery) => delivery.idempotencyKey),
          ),
        );
        for (const row of rows) known.add(row.idempotency_key);
      }
      // Known keys take no number: a retried enqueue leaves no gap in the bank's sequence.
      const fresh = wanted.filter((delivery) => !known.has(delivery.idempotencyKey));
      if (fresh.length === 0) continue;
      let seq = readId(counter.last_seq);
      for (const part of chunks(fresh, INSERT_CHUNK)) {
        // One per matched record when its bank has a webhook: a ready-made INSERT (row-insert-query.ts).
        await trx.executeQuery(
          rowInsertQuery(
            d.engine,
            'webhook_deliveries',
            DELIVERY_COLUMNS,
            part.map((delivery) => {
              seq += 1;
              return [
                delivery.bankId,
                seq,
                delivery.url,
                renderWebhookBody(delivery.payload, seq),
                delivery.idempotencyKey,
                0,
                now,
                'pending',
                null,
                now,
                now,
                null,
                null,
              ];
            }),
          ),
        );
      }
      await trx
        .updateTable('webhook_sequences')
        .set({ last_seq: seq })
        .where('bank_id', '=', bankId)
        .execute();
    }
  }

  async claimDueDeliveries(
    now: Date,
    limit: number,
    leaseMs: number,
    options: ClaimOptions = {},
  ): Promise<WebhookDelivery[]> {
    const d = this.#dialect;
    const at = d.date(now);
    const ordered = options.ordered ?? true;
    // A lost claim only means the delivery is claimed (and maybe sent) again: relaxed commit.
    const runLength = ordered ? Math.max(1, Math.min(Math.floor(options.runLength ?? 1), MAX_RUN)) : 1;
    return this.#relaxedTransaction(async (trx) => {
      const due = ordered
        ? await this.#withRuns(
            trx,
            (await this.#orderedHeads(at, clampLimit(limit)).execute(trx)).rows,
            at,
            runLength,
          )
        : await d
            .lockForClaim(
              trx
                .selectFrom('webhook_deliveries')
                .select('id')
                .where('status', 'in', ACTIVE_STATUSES)
                .where('next_attempt_at', '<=', at)
                .orderBy('next_attempt_at')
                .orderBy('id')
                .limit(clampLimit(limit)),
            )
            .execute();
      if (due.length === 0) return [];
      const ids = due.map((row) => readId(row.id));
      const leaseUntil = d.date(new Date(now.getTime() + leaseMs));
      const rows = await trx
        .updateTable('webhook_deliveries')
        .set((eb) => ({
          next_attempt_at: leaseUntil,
          leased_until: leaseUntil,
          attempts: eb('attempts', '+', 1),
        }))
        .where('id', 'in', ids)
        .returningAll()
        .execute();
      // Return them in claim order (due time, then id), which RETURNING does not promise.
      const order = new Map(ids.map((id, index) => [id, index]));
      return rows.map(toDelivery).sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    });
  }

  // A lost "delivered" or "attempt failed" only means the delivery is sent again: relaxed commits.
  async markDelivered(id: number, at: Date): Promise<void> {
    const result = await this.#relaxedTransaction((trx) =>
      trx
        .updateTable('webhook_deliveries')
        .set({ status: 'delivered', delivered_at: this.#dialect.date(at), leased_until: null })
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    if (result.numUpdatedRows === 0n) throw deliveryNotFound(id);
  }

  async markAttemptFailed(id: number, error: string, retryAt: Date | null): Promise<void> {
    const result = await this.#relaxedTransaction((trx) =>
      trx
        .updateTable('webhook_deliveries')
        .set(failedAttempt(this.#dialect, error, retryAt))
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    if (result.numUpdatedRows === 0n) throw deliveryNotFound(id);
  }

  async settleDeliveries(outcomes: readonly DeliveryOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const d = this.#dialect;
    const delivered = outcomes.filter((o) => o.outcome === 'delivered');
    const released = outcomes.filter((o) => o.outcome === 'released');
    // One relaxed commit for the whole round, as markDelivered and markAttemptFailed: losing it only
    // sends these deliveries again (their claim's lease ends), never loses one.
    await this.#relaxedTransaction(async (trx) => {
      if (d.engine === 'postgres') {
        // One statement however many (each its own delivery time); a row gone is simply not joined.
        for (const part of chunks(delivered, LOOKUP_CHUNK)) {
          await sql`
            update webhook_deliveries w
            set status = 'delivered', delivered_at = v.at, leased_until = null
            from unnest(${part.map((o) => o.id)}::bigint[], ${part.map((o) => o.at)}::timestamptz[]) as v(id, at)
            where w.id = v.id`.execute(trx);
        }
      } else {
        // SQLite runs in process: a prepared UPDATE per row costs microseconds, the commit is the cost.
        for (const o of delivered) {
          await trx
            .updateTable('webhook_deliveries')
            .set({ status: 'delivered', delivered_at: d.date(o.at), leased_until: null })
            .where('id', '=', o.id)
            .execute();
        }
      }
      for (const o of outcomes) {
        if (o.outcome !== 'failed') continue;
        await trx
          .updateTable('webhook_deliveries')
          .set(failedAttempt(d, o.error, o.retryAt))
          .where('id', '=', o.id)
          .execute();
      }
      // Not attempted: due again at once (the endpoint's head decides when), attempt uncounted;
      // only under this claim's lease (after it, another worker's claim may hold the delivery).
      for (const o of released) {
        await trx
          .updateTable('webhook_deliveries')
          .set({
            next_attempt_at: d.date(o.at),
            leased_until: null,
            attempts: sql<number>`case when attempts > 0 then attempts - 1 else 0 end`,
          })
          .where('id', '=', o.id)
          .where('leased_until', '=', d.date(o.leasedUntil))
          .execute();
      }
    });
  }

  /**
   * The ordered claim's heads, each followed by the next deliveries to its endpoint (id order, as
   * the heads are chosen) up to `runLength` in all, stopping at the first that is not due: a
   * later delivery never goes out before an earlier one, and one waiting for its retry time
   * holds back the rest as it would as a head. No other claimer takes them: an ordered claim only
   * takes heads, and none of an endpoint with a lease (the head's, set with theirs).
   */
  async #withRuns(
    trx: Transaction<Database>,
    heads: readonly { id: number | string; url: string }[],
    at: DbDate,
    runLength: number,
  ): Promise<{ id: number | string }[]> {
    if (runLength <= 1) return [...heads];
    const byEndpoint =
      this.#dialect.engine === 'postgres' ? sql`` : sql.raw('indexed by webhook_deliveries_active_url_idx');
    const active = sql.raw(`('pending', 'retrying')`);
    const claimed: { id: number | string }[] = [];
    for (const head of heads) {
      claimed.push(head);
      const { rows } = await sql<{ id: number | string; due: boolean | number }>`
        select id, (next_attempt_at <= ${at}) as due from webhook_deliveries ${byEndpoint}
        where url = ${head.url} and status in ${active} and id > ${head.id}
        order by id limit ${runLength - 1}`.execute(trx);
      for (const row of rows) {
        if (!row.due) break;
        claimed.push(row);
      }
    }
    return claimed;
  }

  /**
   * A transaction whose commit does not wait for the disk (relaxed-commit.ts), for outbox
   * bookkeeping whose loss only repeats a delivery: `synchronous = NORMAL` on SQLite (set by the
   * driver), `synchronous_commit = off` for this transaction on PostgreSQL.
   */
  #relaxedTransaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    const postgres = this.#dialect.engine === 'postgres';
    return relaxedCommit(() =>
      this.#db.transaction().execute(async (trx) => {
        if (postgres) await sql`set local synchronous_commit = off`.execute(trx);
        return work(trx);
      }),
    );
  }

  async getDelivery(id: number): Promise<WebhookDelivery | undefined> {
    const row = await this.#db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toDelivery(row);
  }

  async listDeliveries(query: WebhookDeliveryQuery): Promise<WebhookDelivery[]> {
    let q = this.#db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(clampLimit(query.limit));
    if (query.bankId !== undefined) q = q.where('bank_id', '=', query.bankId);
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
    return (await q.execute()).map(toDelivery);
  }

  async redeliver(id: number, now: Date): Promise<WebhookDelivery> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#dialect
        .lockForUpdate(trx.selectFrom('webhook_deliveries').selectAll().where('id', '=', id))
        .executeTakeFirst();
      if (!row) throw deliveryNotFound(id);
      const delivery = toDelivery(row);
      if (ACTIVE_STATUSES.includes(delivery.status) && isLeased(row.leased_until, now)) {
        throw new DomainError(
          'WEBHOOK_DELIVERY_IN_FLIGHT',
          `Webhook delivery ${id} is being attempted; redeliver it once the attempt ends.`,
        );
      }
      const url = (await this.#bankWebhookUrl(trx, delivery.bankId)) ?? delivery.url;
      await this.#lockEndpoints(trx, [url, delivery.url]);
      const updated = await trx
        .updateTable('webhook_deliveries')
        .set(this.#requeue(url, now))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toDelivery(updated);
    });
  }

  async redeliverSince(bankId: number, sinceSeq: number, now: Date): Promise<number> {
    const at = this.#dialect.date(now);
    return this.#db.transaction().execute(async (trx) => {
      const bankUrl = await this.#bankWebhookUrl(trx, bankId);
      const urls = await trx
        .selectFrom('webhook_deliveries')
        .select('url')
        .distinct()
        .where('bank_id', '=', bankId)
        .where('seq', '>=', sinceSeq)
        .execute();
      await this.#lockEndpoints(trx, [...urls.map((row) => row.url), ...(bankUrl ? [bankUrl] : [])]);
      const set = this.#requeue(bankUrl, now);
      const result = await trx
        .updateTable('webhook_deliveries')
        .set(set)
        .where('bank_id', '=', bankId)
        .where('seq', '>=', sinceSeq)
        // Those in flight are being sent anyway; requeueing them would send them twice at once.
        .where((eb) =>
          eb.or([
            eb('status', 'not in', ACTIVE_STATUSES),
            eb('leased_until', 'is', null),
            eb('leased_until', '<=', at),
          ]),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    });
  }

  async webhookDeliveryStats(): Promise<WebhookDeliveryStats> {
    const counts = await this.#db
      .selectFrom('webhook_deliveries')
      .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('status', 'in', ['pending', 'retrying', 'failed'])
      .groupBy('status')
      .execute();
    const oldest = await this.#db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.min('queued_at').as('at'))
      .where('status', 'in', ACTIVE_STATUSES)
      .executeTakeFirst();
    const count = (status: string) => Number(counts.find((row) => row.status === status)?.n ?? 0);
    return {
      pending: count('pending'),
      retrying: count('retrying'),
      failed: count('failed'),
      oldestQueuedAt: oldest?.at == null ? null : readDate(oldest.at),
    };
  }

  /**
   * The ordered claim's candidates: the head (oldest undelivered row) of each endpoint, when it is
   * due and no row of its endpoint is in flight; due first, at most `limit`, locked for the claim.
   *
   * The claim itself enforces the order: a row behind a head is never a candidate, and a head being
   * claimed elsewhere is locked (skipped here) or already leased (not due), so at most one delivery
   * per endpoint is ever in flight, whatever the number of dispatchers.
   *
   * The endpoints are walked with a recursive CTE over the partial index on (url, id) of the
   * undelivered rows, one index probe per endpoint: a long backlog behind one dead endpoint costs
   * nothing per poll. The statuses are literals so both engines can match that partial index.
   */
  #orderedHeads(at: DbDate, limit: number) {
    const active = sql.raw(`('pending', 'retrying')`);
    // PostgreSQL only: concurrent claimers skip each other's locked heads instead of waiting
    // (SQLite transactions are serial, see sqlite-store-dialect.ts).
    const postgres = this.#dialect.engine === 'postgres';
    const lock = postgres ? sql`for update of d skip locked` : sql``;
    // SQLite, without statistics, would walk the endpoints through the due index (every
    // undelivered row per step); named, the partial index gives one probe per endpoint.
    const byEndpoint = postgres ? sql`` : sql.raw('indexed by webhook_deliveries_active_url_idx');
    // A leased row always has next_attempt_at = leased_until (only a claim sets a lease, and it sets
    // both; every other write clears the lease), so "leased past now" implies "next attempt after
    // now". Stated, that bound lets the lease check probe the due index for the few rows not yet
    // due instead of walking the endpoint's whole backlog (which grows while a receiver is slower
    // than the matches that feed it: each claim then cost O(backlog)).
    const byDue = postgres ? sql`` : sql.raw('indexed by webhook_deliveries_due_idx');
    return sql<{ id: number | string; url: string }>`
      with recursive endpoints(url) as (
        select min(url) from webhook_deliveries ${byEndpoint} where status in ${active}
        union all
        select (
          select min(w.url) from webhook_deliveries w ${byEndpoint}
          where w.status in ${active} and w.url > endpoints.url
        )
        from endpoints where endpoints.url is not null
      )
      select d.id, d.url from endpoints
      join webhook_deliveries d on d.id = (
        select min(h.id) from webhook_deliveries h where h.url = endpoints.url and h.status in ${active}
      )
      where d.next_attempt_at <= ${at}
        and not exists (
          select 1 from webhook_deliveries l ${byDue}
          where l.status in ${active} and l.next_attempt_at > ${at}
            and l.url = d.url and l.leased_until > ${at}
        )
      order by d.next_attempt_at, d.id
      limit ${limit}
      ${lock}`;
  }

  /** The columns a redelivery sets: queued again now, from a clean slate, to `url` when given. */
  #requeue(url: string | null, now: Date): Updateable<WebhookDeliveriesTable> {
    const at = this.#dialect.date(now);
    return {
      ...(url !== null ? { url } : {}),
      status: 'pending',
      attempts: 0,
      next_attempt_at: at,
      queued_at: at,
      last_error: null,
      delivered_at: null,
      leased_until: null,
    };
  }

  /** The bank's current webhook URL; null when it has none or the bank is gone. */
  async #bankWebhookUrl(trx: Transaction<Database>, bankId: number): Promise<string | null> {
    const bank = await trx
      .selectFrom('banks')
      .select('webhook_url')
      .where('id', '=', bankId)
      .executeTakeFirst();
    return bank?.webhook_url ?? null;
  }

  /**
   * Locks the undelivered rows of these endpoints until commit. A claim in flight holds its head's
   * row lock until it commits, so a redelivery waits for it and commits after the lease is visible:
   * the requeued rows then wait behind it instead of being claimed beside it.
   */
  async #lockEndpoints(trx: Transaction<Database>, urls: readonly string[]): Promise<void> {
    const unique = [...new Set(urls)];
    for (const part of chunks(unique, LOOKUP_CHUNK)) {
      await this.#dialect
        .lockForUpdate(
          trx
            .selectFrom('webhook_deliveries')
            .select('id')
            .where('url', 'in', part)
            .where('status', 'in', ACTIVE_STATUSES),
        )
        .execute();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.destroy();
  }

  // ---- helpers ----

  /**
   * Runs a bank or entry mutation: one transaction, change-log lock taken first, other processes
   * notified last (the notification leaves only once the transaction commits).
   */
  #mutate<T>(work: (trx: Transaction<Database>) => Promise<T>, audit?: BankChangeAudit<T>): Promise<T> {
    return this.#db.transaction().execute(async (trx) => {
      await this.#dialect.lockChangeLog(trx);
      const result = await work(trx);
      // The change's audit row commits with it, or neither does (issue 15).
      const event = audit?.event(result);
      if (event) {
        await appendAuditIn(
          trx,
          this.#dialect,
          {
            actor: event.actor,
            action: event.action,
            subjectType: 'bank',
            subjectId: event.bank,
            details: event.details,
          },
          this.#clock.now(),
        );
      }
      await this.#dialect.notifyChangeLog(trx);
      return result;
    });
  }

  async #append(trx: Transaction<Database>, changes: readonly ChangeRow[]): Promise<void> {
    for (const part of chunks(changes, INSERT_CHUNK)) {
      await trx.insertInto('bank_changes').values(part).execute();
    }
  }

  async #requireBank(trx: Transaction<Database>, id: number): Promise<{ enabled: boolean | number }> {
    const bank = await trx.selectFrom('banks').select('enabled').where('id', '=', id).executeTakeFirst();
    if (!bank) throw bankNotFound(id);
    return bank;
  }

  /** `banks.name` is the only unique key a bank write can violate: report it as a domain error. */
  async #mapBankNameTaken<T>(name: string | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (name !== undefined && this.#dialect.isUniqueViolation(error)) {
        throw new DomainError('BANK_NAME_TAKEN', `A bank named ${JSON.stringify(name)} exists already.`);
      }
      throw error;
    }
  }
}

async function latestSeq(db: Kysely<Database>): Promise<number> {
  // The last row holds the highest seq; a ranged one spans the seqs after its own (reserved).
  const row = await db
    .selectFrom('bank_changes')
    .select(['seq', 'entry_count'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? readId(row.seq) + (row.entry_count ?? 1) - 1 : 0;
}

/** A ranged change-log row (see {@link BankChangesTable.entry_count}). */
interface ChangeRange {
  readonly seq: number;
  readonly bankId: number;
  readonly firstEntryId: number;
  readonly count: number;
  /** The bank's state when the entries were created. */
  readonly bankActive: boolean;
  readonly at: Date;
}

/** The `entry_upsert` change of an entry row: active when neither it nor its bank is disabled. */
function upsertChange(
  d: StoreDialect,
  row: Selectable<BankEntriesTable>,
  bankEnabled: boolean,
  at: Date,
): ChangeRow {
  return {
    op: 'entry_upsert',
    bank_id: row.bank_id,
    entry_id: row.id,
    signal_type: row.signal_type,
    value: row.value,
    active: d.bool(!readBool(row.disabled) && bankEnabled),
    at: d.date(at),
  };
}

function entryKey(signalType: string, value: string): string {
  return `${signalType}/${value}`;
}

/** A stored match record from what was inserted (a copy: the caller's objects stay theirs). */
function storedMatchRecord(id: number, record: NewMatchRecord): MatchRecord {
  return {
    id,
    createdAt: new Date(record.createdAt.getTime()),
    caller: record.caller,
    source: record.source,
    signalType: record.signalType,
    value: record.value,
    matches: record.matches.map((match) => ({ ...match })),
    contentRef: record.contentRef,
  };
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

/** SQL `LIMIT` for any number: SQLite reads a negative limit as "no limit", so clamp it to 0. */
function clampLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
}

function bankNotFound(id: number): DomainError {
  return new DomainError('BANK_NOT_FOUND', `No bank has id ${id}.`);
}

function entryNotFound(id: number): DomainError {
  return new DomainError('ENTRY_NOT_FOUND', `No bank entry has id ${id}.`);
}

/** The columns a failed attempt sets: retrying until `retryAt`, or failed for good (null). */
function failedAttempt(d: StoreDialect, error: string, retryAt: Date | null) {
  return retryAt
    ? { status: 'retrying', last_error: error, next_attempt_at: d.date(retryAt), leased_until: null }
    : { status: 'failed', last_error: error, leased_until: null };
}

/** The most deliveries of one endpoint a claim takes together (the dispatcher asks for fewer). */
const MAX_RUN = 1000;

function deliveryNotFound(id: number): DomainError {
  return new DomainError('WEBHOOK_DELIVERY_NOT_FOUND', `No webhook delivery has id ${id}.`);
}

/** Deliveries not yet delivered nor given up. */
const ACTIVE_STATUSES: readonly WebhookDeliveryStatus[] = ['pending', 'retrying'];

function isLeased(leasedUntil: DbDate | null, now: Date): boolean {
  return leasedUntil !== null && readDate(leasedUntil).getTime() > now.getTime();
}

/** Whether any entry of the bank has a source besides its own provenance (most banks have none). */
async function bankHasFurtherSources(trx: Transaction<Database>, bankId: number): Promise<boolean> {
  const row = await trx
    .selectFrom('bank_entry_sources')
    .select('entry_id')
    .where('bank_id', '=', bankId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
