import type { ApiKey } from '../access/api-key.js';
import {
  DEFAULT_PDQ_THRESHOLD,
  type ActiveSignal,
  type ActivePdqVariants,
  type Bank,
  type BankChange,
  type BankEntry,
  type BankPatch,
  type EntryPatch,
  type NewBank,
  type NewEntry,
  type Provenance,
} from '../banks/bank.js';
import {
  importLookups,
  planImportBatch,
  provenanceKey,
  type ImportExistingEntry,
} from '../banks/import-plan.js';
import { sortPdqVariants } from '../banks/pdq-variants.js';
import { DomainError } from '../domain-error.js';
import { VPDQ_COMPARED_MATCH_PERCENT, VPDQ_QUERY_MATCH_PERCENT, type VpdqSignal } from '../signals/vpdq.js';
import type { MatchRecord, MatchRecordQuery, NewMatchRecord } from '../matching/match-record.js';
import {
  renderWebhookBody,
  type NewWebhookDelivery,
  type WebhookDelivery,
  type WebhookDeliveryQuery,
  type WebhookDeliveryStats,
  type DeliveryOutcome,
} from '../matching/webhook-delivery.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type {
  AddEntriesResult,
  ClaimOptions,
  EntryLookup,
  EntryQuery,
  HashlineStore,
  MatchRecordDeletion,
  MatchRecordItem,
  ImportBatchResult,
  ImportOperation,
} from '../ports/hashline-store.js';

interface StoredBank extends Bank {
  readonly webhookSecret: string | null;
}

/**
 * An in-memory {@link HashlineStore} for unit tests of services and routes. It keeps the exact
 * semantics of the SQL stores (the storage package runs the same contract suite on all three):
 * change-log rows, duplicate handling, ordering, errors, outbox leases. Every method works on
 * copies, so a caller mutating a returned object cannot corrupt the store.
 *
 * @param clock Supplies every timestamp the store sets (`createdAt`, `updatedAt`, change `at`).
 */
export function createMemoryStore(clock: Clock = systemClock): HashlineStore {
  return new MemoryHashlineStore(clock);
}

class MemoryHashlineStore implements HashlineStore {
  readonly engine = 'memory' as const;

  readonly #clock: Clock;
  readonly #banks = new Map<number, StoredBank>();
  // Ids only grow and Maps keep insertion order, so iterating yields ascending ids.
  readonly #entries = new Map<number, BankEntry>();
  /** Sources vouching for an entry besides its first provenance (see ImportPlan.sourceAdds). */
  readonly #sources = new Map<number, Provenance[]>();
  /** `bankId/signalType/value` → entry id: the uniqueness the SQL stores enforce with an index. */
  readonly #entryKeys = new Map<string, number>();
  /** Frames of vpdq entries, by entry id (the SQL stores' video_signals table). */
  readonly #videos = new Map<number, VpdqSignal>();
  readonly #changes: BankChange[] = [];
  readonly #matchRecords = new Map<number, MatchRecord>();
  readonly #apiKeys = new Map<string, ApiKey>();
  readonly #deliveries = new Map<number, StoredDelivery>();
  /** The last notification seq taken by each bank. */
  readonly #webhookSeqs = new Map<number, number>();
  readonly #nextId = { bank: 1, entry: 1, seq: 1, matchRecord: 1, delivery: 1 };

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  // ---- banks ----

  async createBank(bank: NewBank): Promise<Bank> {
    this.#assertNameFree(bank.name);
    const now = this.#clock.now();
    const stored: StoredBank = {
      id: this.#nextId.bank++,
      name: bank.name,
      description: bank.description ?? '',
      kind: bank.kind,
      defaultActions: [...(bank.defaultActions ?? [])],
      pdqThreshold: bank.pdqThreshold ?? DEFAULT_PDQ_THRESHOLD,
      vpdqMatchPercent: bank.vpdqMatchPercent ?? VPDQ_COMPARED_MATCH_PERCENT,
      vpdqQueryMatchPercent: bank.vpdqQueryMatchPercent ?? VPDQ_QUERY_MATCH_PERCENT,
      enabled: bank.enabled ?? true,
      fourEyes: bank.fourEyes ?? false,
      webhookUrl: bank.webhookUrl ?? null,
      webhookSecret: bank.webhookSecret ?? null,
      createdAt: now,
      updatedAt: now,
    };
    this.#banks.set(stored.id, stored);
    this.#log({ op: 'bank_upsert', bankId: stored.id, at: now });
    return toBank(stored);
  }

  async getBank(id: number): Promise<Bank | undefined> {
    const bank = this.#banks.get(id);
    return bank && toBank(bank);
  }

  async getBankByName(name: string): Promise<Bank | undefined> {
    for (const bank of this.#banks.values()) if (bank.name === name) return toBank(bank);
    return undefined;
  }

  async listBanks(): Promise<Bank[]> {
    return [...this.#banks.values()].map(toBank);
  }

  async updateBank(id: number, patch: BankPatch): Promise<Bank> {
    const bank = this.#bank(id);
    if (patch.name !== undefined && patch.name !== bank.name) this.#assertNameFree(patch.name);
    const now = this.#clock.now();
    const updated: StoredBank = {
      ...bank,
      name: patch.name ?? bank.name,
      description: patch.description ?? bank.description,
      kind: patch.kind ?? bank.kind,
      defaultActions: patch.defaultActions ? [...patch.defaultActions] : bank.defaultActions,
      pdqThreshold: patch.pdqThreshold ?? bank.pdqThreshold,
      vpdqMatchPercent: patch.vpdqMatchPercent ?? bank.vpdqMatchPercent,
      vpdqQueryMatchPercent: patch.vpdqQueryMatchPercent ?? bank.vpdqQueryMatchPercent,
      enabled: patch.enabled ?? bank.enabled,
      fourEyes: patch.fourEyes ?? bank.fourEyes,
      webhookUrl: patch.webhookUrl !== undefined ? patch.webhookUrl : bank.webhookUrl,
      webhookSecret: patch.webhookSecret !== undefined ? patch.webhookSecret : bank.webhookSecret,
      updatedAt: now,
    };
    this.#banks.set(id, updated);
    this.#log({ op: 'bank_upsert', bankId: id, at: now });
    return toBank(updated);
  }

  async deleteBank(id: number): Promise<void> {
    this.#bank(id);
    const at = this.#clock.now();
    for (const entry of [...this.#entries.values()]) {
      if (entry.bankId !== id) continue;
      this.#removeEntry(entry);
      this.#log(entryDelete(entry, at));
    }
    this.#banks.delete(id);
    this.#log({ op: 'bank_delete', bankId: id, at });
  }

  async getWebhookSecret(bankId: number): Promise<string | null> {
    return this.#bank(bankId).webhookSecret;
  }

  // ---- entries ----

  async addEntries(bankId: number, entries: readonly NewEntry[], addedBy: string): Promise<AddEntriesResult> {
    const bank = this.#bank(bankId);
    const now = this.#clock.now();
    const created: BankEntry[] = [];
    const existing: BankEntry[] = [];
    for (const entry of entries) {
      const key = entryKey(bankId, entry.signalType, entry.value);
      const found = this.#entryKeys.get(key);
      if (found !== undefined) {
        existing.push(copyEntry(this.#entries.get(found)!));
        continue;
      }
      const stored = this.#newEntry(bankId, entry, addedBy, now);
      created.push(copyEntry(stored));
    }
    for (const entry of created) this.#log(entryUpsert(entry, bank.enabled, now));
    return { created, existing, seq: this.#latestSeq() };
  }

  async applyImport(
    bankId: number,
    operations: readonly ImportOperation[],
    addedBy: string,
  ): Promise<ImportBatchResult> {
    const bank = this.#bank(bankId);
    const now = this.#clock.now();
    const lookups = importLookups(operations);
    const found = new Map<number, BankEntry>();
    for (const { signalType, value } of lookups.values) {
      const id = this.#entryKeys.get(entryKey(bankId, signalType, value));
      if (id !== undefined) found.set(id, this.#entries.get(id)!);
    }
    if (lookups.provenances.length > 0) {
      const wanted = new Set(lookups.provenances.map((p) => `${p.source}\u0000${p.externalId}`));
      const names = (p: Provenance): boolean =>
        p.externalId != null && wanted.has(`${p.source}\u0000${p.externalId}`);
      for (const entry of this.#entries.values()) {
        if (entry.bankId !== bankId) continue;
        if (names(entry.provenance) || (this.#sources.get(entry.id) ?? []).some(names))
          found.set(entry.id, entry);
      }
    }
    const plan = planImportBatch(
      operations,
      [...found.values()].map((entry): ImportExistingEntry => ({
        id: entry.id,
        signalType: entry.signalType,
        value: entry.value,
        classification: entry.classification,
        provenanceSource: entry.provenance.source,
        provenanceExternalId: entry.provenance.externalId ?? null,
        provenanceMember: entry.provenance.member ?? null,
        otherSources: this.#sources.get(entry.id) ?? [],
        disabled: entry.disabled,
      })),
    );
    // Change-log rows in entry-id order, like the SQL stores.
    const changes: { id: number; change: DistributiveOmit<BankChange, 'seq'> }[] = [];
    for (const row of plan.deletes) {
      const entry = this.#entries.get(row.id)!;
      this.#removeEntry(entry);
      changes.push({ id: entry.id, change: entryDelete(entry, now) });
    }
    for (const { entry: row, classification } of plan.updates) {
      const updated: BankEntry = {
        ...this.#entries.get(row.id)!,
        classification: cloneJson(classification),
        updatedAt: now,
      };
      this.#entries.set(updated.id, updated);
      changes.push({ id: updated.id, change: entryUpsert(updated, bank.enabled, now) });
    }
    for (const entry of plan.creates) {
      const stored = this.#newEntry(bankId, entry, addedBy, now);
      changes.push({ id: stored.id, change: entryUpsert(stored, bank.enabled, now) });
    }
    // Sources: a matcher does not see them, so they are not logged.
    const idOf = (c: { signalType: string; value: string }): number =>
      this.#entryKeys.get(entryKey(bankId, c.signalType, c.value))!;
    for (const { entry: row, provenance } of plan.provenanceMoves) {
      const entry = this.#entries.get(row.id)!;
      this.#entries.set(row.id, { ...entry, provenance: cloneJson(provenance), updatedAt: now });
    }
    for (const change of plan.sourceRemoves) {
      const id = idOf(change);
      const key = provenanceKey(change.provenance);
      const left = (this.#sources.get(id) ?? []).filter((p) => provenanceKey(p) !== key);
      if (left.length > 0) this.#sources.set(id, left);
      else this.#sources.delete(id);
    }
    for (const change of plan.sourceAdds) {
      const id = idOf(change);
      this.#sources.set(id, [...(this.#sources.get(id) ?? []), cloneJson(change.provenance)]);
    }
    changes.sort((a, b) => a.id - b.id);
    for (const { change } of changes) this.#log(change);
    return {
      created: plan.creates.length,
      updated: plan.updates.length,
      unchanged: plan.unchanged,
      withdrawn: plan.deletes.length,
      withdrawalsUnmatched: plan.withdrawalsUnmatched,
      seq: this.#latestSeq(),
    };
  }

  async refreshStatistics(): Promise<void> {}

  #newEntry(bankId: number, entry: NewEntry, addedBy: string, now: Date): BankEntry {
    const stored: BankEntry = {
      id: this.#nextId.entry++,
      bankId,
      signalType: entry.signalType,
      value: entry.value,
      quality: entry.quality ?? null,
      classification: cloneJson(entry.classification ?? {}),
      provenance: cloneJson(entry.provenance ?? { source: 'unknown' }),
      reviewerCount: entry.reviewerCount ?? 0,
      addedBy,
      note: entry.note ?? null,
      disabled: entry.disabled ?? false,
      feedback: null,
      createdAt: now,
      updatedAt: now,
      ...(entry.signalType === 'pdq' && entry.pdqVariants?.length
        ? { pdqVariants: sortPdqVariants(entry.pdqVariants) }
        : {}),
    };
    this.#entries.set(stored.id, stored);
    this.#entryKeys.set(entryKey(bankId, entry.signalType, entry.value), stored.id);
    if (entry.signalType === 'vpdq') {
      if (!entry.video) throw new Error('a vpdq entry needs its video (frames)');
      this.#videos.set(stored.id, copyVideo(entry.video));
    }
    return stored;
  }

  async getVideoSignals(entryIds: readonly number[]): Promise<Map<number, VpdqSignal>> {
    const out = new Map<number, VpdqSignal>();
    for (const id of entryIds) {
      const video = this.#videos.get(id);
      if (video) out.set(id, copyVideo(video));
    }
    return out;
  }

  async getEntry(id: number): Promise<BankEntry | undefined> {
    const entry = this.#entries.get(id);
    return entry && copyEntry(entry);
  }

  async getEntries(ids: readonly number[]): Promise<BankEntry[]> {
    return [...new Set(ids)]
      .sort((a, b) => a - b)
      .flatMap((id) => {
        const entry = this.#entries.get(id);
        return entry ? [copyEntry(entry)] : [];
      });
  }

  async listEntries(bankId: number, query: EntryQuery): Promise<BankEntry[]> {
    const out: BankEntry[] = [];
    const limit = clampLimit(query.limit);
    for (const entry of this.#entries.values()) {
      if (out.length >= limit) break;
      if (entry.bankId !== bankId) continue;
      if (query.afterId !== undefined && entry.id <= query.afterId) continue;
      if (query.signalType !== undefined && entry.signalType !== query.signalType) continue;
      if (entry.disabled && !query.includeDisabled) continue;
      out.push(copyEntry(entry));
    }
    return out;
  }

  async countEntries(bankId: number): Promise<number> {
    let count = 0;
    for (const entry of this.#entries.values()) if (entry.bankId === bankId) count++;
    return count;
  }

  async getEntrySources(entryIds: readonly number[]): Promise<Map<number, Provenance[]>> {
    const out = new Map<number, Provenance[]>();
    for (const id of entryIds) {
      const sources = this.#sources.get(id);
      if (sources) out.set(id, cloneJson(sources));
    }
    return out;
  }

  async findEntries(bankId: number, by: EntryLookup): Promise<BankEntry[]> {
    const out: BankEntry[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.bankId !== bankId) continue;
      const hit =
        'value' in by
          ? entry.signalType === by.signalType && entry.value === by.value
          : entry.provenance.source === by.source &&
            entry.provenance.externalId === by.externalId &&
            (by.member == null || entry.provenance.member == null || entry.provenance.member === by.member);
      if (hit) out.push(copyEntry(entry));
    }
    return out;
  }

  async updateEntry(id: number, patch: EntryPatch): Promise<BankEntry> {
    const entry = this.#entry(id);
    const now = this.#clock.now();
    const updated: BankEntry = {
      ...entry,
      disabled: patch.disabled ?? entry.disabled,
      classification:
        patch.classification !== undefined ? cloneJson(patch.classification) : entry.classification,
      note: patch.note !== undefined ? patch.note : entry.note,
      feedback: patch.feedback !== undefined ? patch.feedback : entry.feedback,
      reviewerCount: patch.reviewerCount ?? entry.reviewerCount,
      updatedAt: now,
    };
    this.#entries.set(id, updated);
    this.#log(entryUpsert(updated, this.#bank(entry.bankId).enabled, now));
    return copyEntry(updated);
  }

  async deleteEntry(id: number): Promise<void> {
    const entry = this.#entry(id);
    this.#removeEntry(entry);
    this.#log(entryDelete(entry, this.#clock.now()));
  }

  // ---- change log ----

  async changesSince(afterSeq: number, limit: number): Promise<BankChange[]> {
    // Seqs ascend with the array index, so the first change past `afterSeq` starts the page.
    const start = this.#changes.findIndex((change) => change.seq > afterSeq);
    if (start < 0) return [];
    // As the SQL stores read them: an upsert carries the variants of the entry as it is now
    // (variants never change; a deleted entry has none, and its delete follows in the log).
    return this.#changes.slice(start, start + clampLimit(limit)).map((change) => {
      const variants =
        change.op === 'entry_upsert' ? this.#entries.get(change.entryId)?.pdqVariants : undefined;
      return variants ? { ...copyChange(change), pdqVariants: variants } : copyChange(change);
    });
  }

  async latestSeq(): Promise<number> {
    return this.#latestSeq();
  }

  async activePdqVariants(afterId: number, limit: number): Promise<ActivePdqVariants[]> {
    const out: ActivePdqVariants[] = [];
    const max = clampLimit(limit);
    const ids = [...this.#entries.keys()].filter((id) => id > afterId).sort((a, b) => a - b);
    for (const id of ids) {
      if (out.length >= max) break;
      const entry = this.#entries.get(id)!;
      if (!entry.pdqVariants || entry.disabled || !this.#bank(entry.bankId).enabled) continue;
      out.push({ entryId: entry.id, bankId: entry.bankId, variants: entry.pdqVariants });
    }
    return out;
  }

  async activeSignals(afterId: number, limit: number): Promise<ActiveSignal[]> {
    const out: ActiveSignal[] = [];
    const max = clampLimit(limit);
    for (const entry of this.#entries.values()) {
      if (out.length >= max) break;
      if (entry.id <= afterId || entry.disabled || !this.#bank(entry.bankId).enabled) continue;
      out.push({
        entryId: entry.id,
        bankId: entry.bankId,
        signalType: entry.signalType,
        value: entry.value,
      });
    }
    return out;
  }

  // ---- match records ----

  async recordMatch(
    record: NewMatchRecord,
    notifications?: (record: MatchRecord) => readonly NewWebhookDelivery[],
  ): Promise<MatchRecord> {
    const stored: MatchRecord = {
      ...record,
      id: this.#nextId.matchRecord++,
      createdAt: new Date(record.createdAt),
      matches: cloneJson(record.matches),
    };
    // Built before anything is stored, so a throwing builder leaves neither (one transaction).
    const deliveries = notifications?.(copyMatchRecord(stored)) ?? [];
    this.#matchRecords.set(stored.id, stored);
    this.#enqueue(deliveries);
    return copyMatchRecord(stored);
  }

  async recordMatches(items: readonly MatchRecordItem[]): Promise<MatchRecord[]> {
    // Everything is built before anything is stored: a throwing factory stores none (one transaction).
    const built = items.map(({ record, notifications }) => {
      const stored: MatchRecord = {
        ...record,
        id: this.#nextId.matchRecord++,
        createdAt: new Date(record.createdAt),
        matches: cloneJson(record.matches),
      };
      return { stored, deliveries: notifications?.(copyMatchRecord(stored)) ?? [] };
    });
    for (const { stored } of built) this.#matchRecords.set(stored.id, stored);
    this.#enqueue(built.flatMap((b) => b.deliveries));
    return built.map((b) => copyMatchRecord(b.stored));
  }

  async deleteMatchRecordsBefore(before: Date, limit: number): Promise<MatchRecordDeletion> {
    const max = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
    const cutoff = before.getTime();
    const records = [...this.#matchRecords.values()]
      .filter((record) => record.createdAt.getTime() < cutoff)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id)
      .slice(0, max);
    for (const record of records) this.#matchRecords.delete(record.id);
    const deliveries = [...this.#deliveries.values()]
      .filter(
        (d) =>
          (d.status === 'delivered' || d.status === 'failed') &&
          d.queuedAt.getTime() < cutoff &&
          d.nextAttemptAt.getTime() < cutoff,
      )
      .slice(0, max);
    for (const delivery of deliveries) this.#deliveries.delete(delivery.id);
    return { records: records.length, deliveries: deliveries.length };
  }

  async getMatchRecord(id: number): Promise<MatchRecord | undefined> {
    const record = this.#matchRecords.get(id);
    return record && copyMatchRecord(record);
  }

  async listMatchRecords(query: MatchRecordQuery): Promise<MatchRecord[]> {
    return [...this.#matchRecords.values()]
      .filter(
        (record) =>
          (query.bankId === undefined || record.matches.some((m) => m.bankId === query.bankId)) &&
          (query.caller === undefined || record.caller === query.caller) &&
          (query.since === undefined || record.createdAt.getTime() >= query.since.getTime()) &&
          (query.until === undefined || record.createdAt.getTime() < query.until.getTime()) &&
          (query.beforeId === undefined || record.id < query.beforeId),
      )
      .sort((a, b) => b.id - a.id)
      .slice(0, clampLimit(query.limit))
      .map(copyMatchRecord);
  }

  // ---- API keys ----

  async createApiKey(key: Omit<ApiKey, 'createdAt' | 'revokedAt'>): Promise<ApiKey> {
    if (this.#apiKeys.has(key.id)) {
      throw new DomainError('CONFLICT', `An API key with id ${key.id} exists already.`);
    }
    const stored: ApiKey = {
      id: key.id,
      name: key.name,
      scopes: [...key.scopes],
      secretHash: key.secretHash,
      rateLimitPerSecond: key.rateLimitPerSecond,
      banks: key.banks ? [...key.banks] : null,
      createdAt: this.#clock.now(),
      revokedAt: null,
    };
    this.#apiKeys.set(stored.id, stored);
    return copyApiKey(stored);
  }

  async getApiKey(id: string): Promise<ApiKey | undefined> {
    const key = this.#apiKeys.get(id);
    return key && copyApiKey(key);
  }

  async listApiKeys(): Promise<ApiKey[]> {
    return [...this.#apiKeys.values()]
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compareCodeUnits(a.id, b.id))
      .map(copyApiKey);
  }

  async revokeApiKey(id: string): Promise<ApiKey> {
    const key = this.#apiKeys.get(id);
    if (!key) throw new DomainError('API_KEY_NOT_FOUND', `No API key has id ${id}.`);
    if (key.revokedAt) return copyApiKey(key);
    const revoked: ApiKey = { ...key, revokedAt: this.#clock.now() };
    this.#apiKeys.set(id, revoked);
    return copyApiKey(revoked);
  }

  async reinstateApiKey(id: string): Promise<ApiKey> {
    const key = this.#apiKeys.get(id);
    if (!key) throw new DomainError('API_KEY_NOT_FOUND', `No API key has id ${id}.`);
    const reinstated: ApiKey = { ...key, revokedAt: null };
    this.#apiKeys.set(id, reinstated);
    return copyApiKey(reinstated);
  }

  // ---- webhook outbox ----

  async enqueueDeliveries(deliveries: readonly NewWebhookDelivery[]): Promise<void> {
    this.#enqueue(deliveries);
  }

  #enqueue(deliveries: readonly NewWebhookDelivery[]): void {
    const now = this.#clock.now();
    const keys = new Set([...this.#deliveries.values()].map((d) => d.idempotencyKey));
    for (const delivery of deliveries) {
      if (keys.has(delivery.idempotencyKey)) continue;
      keys.add(delivery.idempotencyKey);
      const seq = (this.#webhookSeqs.get(delivery.bankId) ?? 0) + 1;
      this.#webhookSeqs.set(delivery.bankId, seq);
      const stored: StoredDelivery = {
        id: this.#nextId.delivery++,
        bankId: delivery.bankId,
        seq,
        url: delivery.url,
        body: renderWebhookBody(delivery.payload, seq),
        idempotencyKey: delivery.idempotencyKey,
        attempts: 0,
        nextAttemptAt: now,
        status: 'pending',
        lastError: null,
        createdAt: now,
        queuedAt: now,
        deliveredAt: null,
        leasedUntil: null,
      };
      this.#deliveries.set(stored.id, stored);
    }
  }

  async claimDueDeliveries(
    now: Date,
    limit: number,
    leaseMs: number,
    options: ClaimOptions = {},
  ): Promise<WebhookDelivery[]> {
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const active = [...this.#deliveries.values()].filter(isActive);
    // Per endpoint: the oldest active delivery (ids ascend in map order), and whether one is in flight.
    const head = new Map<string, number>();
    const busy = new Set<string>();
    for (const d of active) {
      if (!head.has(d.url)) head.set(d.url, d.id);
      if (d.leasedUntil && d.leasedUntil.getTime() > now.getTime()) busy.add(d.url);
    }
    const ordered = options.ordered ?? true;
    const heads = active
      .filter((d) => d.nextAttemptAt.getTime() <= now.getTime())
      .filter((d) => !ordered || (head.get(d.url) === d.id && !busy.has(d.url)))
      .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.id - b.id)
      .slice(0, clampLimit(limit));
    const runLength = ordered ? Math.max(1, Math.floor(options.runLength ?? 1)) : 1;
    // Each head, then the endpoint's next active deliveries in id order while they are due.
    const due = heads.flatMap((first) => {
      const run = [first];
      for (const d of active) {
        if (run.length >= runLength) break;
        if (d.url !== first.url || d.id <= first.id) continue;
        if (d.nextAttemptAt.getTime() > now.getTime()) break;
        run.push(d);
      }
      return run;
    });
    return due.map((delivery) => {
      const claimed: StoredDelivery = {
        ...delivery,
        attempts: delivery.attempts + 1,
        nextAttemptAt: leaseUntil,
        leasedUntil: leaseUntil,
      };
      this.#deliveries.set(claimed.id, claimed);
      return copyDelivery(claimed);
    });
  }

  async markDelivered(id: number, at: Date): Promise<void> {
    const delivery = this.#delivery(id);
    this.#deliveries.set(id, {
      ...delivery,
      status: 'delivered',
      deliveredAt: new Date(at),
      leasedUntil: null,
    });
  }

  async markAttemptFailed(id: number, error: string, retryAt: Date | null): Promise<void> {
    const delivery = this.#delivery(id);
    this.#deliveries.set(id, {
      ...delivery,
      lastError: error,
      status: retryAt ? 'retrying' : 'failed',
      nextAttemptAt: retryAt ? new Date(retryAt) : delivery.nextAttemptAt,
      leasedUntil: null,
    });
  }

  async settleDeliveries(outcomes: readonly DeliveryOutcome[]): Promise<void> {
    for (const outcome of outcomes) {
      const delivery = this.#deliveries.get(outcome.id);
      if (!delivery) continue;
      if (outcome.outcome === 'delivered') await this.markDelivered(outcome.id, outcome.at);
      else if (outcome.outcome === 'failed') {
        await this.markAttemptFailed(outcome.id, outcome.error, outcome.retryAt);
      } else if (delivery.leasedUntil?.getTime() === outcome.leasedUntil.getTime()) {
        this.#deliveries.set(outcome.id, {
          ...delivery,
          attempts: Math.max(0, delivery.attempts - 1),
          nextAttemptAt: new Date(outcome.at),
          leasedUntil: null,
        });
      }
    }
  }

  async getDelivery(id: number): Promise<WebhookDelivery | undefined> {
    const delivery = this.#deliveries.get(id);
    return delivery && copyDelivery(delivery);
  }

  async listDeliveries(query: WebhookDeliveryQuery): Promise<WebhookDelivery[]> {
    return [...this.#deliveries.values()]
      .filter(
        (d) =>
          (query.bankId === undefined || d.bankId === query.bankId) &&
          (query.status === undefined || d.status === query.status) &&
          (query.beforeId === undefined || d.id < query.beforeId),
      )
      .sort((a, b) => b.id - a.id)
      .slice(0, clampLimit(query.limit))
      .map(copyDelivery);
  }

  async redeliver(id: number, now: Date): Promise<WebhookDelivery> {
    const delivery = this.#delivery(id);
    if (inFlight(delivery, now)) {
      throw new DomainError(
        'WEBHOOK_DELIVERY_IN_FLIGHT',
        `Webhook delivery ${id} is being attempted; redeliver it once the attempt ends.`,
      );
    }
    const requeued = this.#requeue(delivery, now);
    return copyDelivery(requeued);
  }

  async redeliverSince(bankId: number, sinceSeq: number, now: Date): Promise<number> {
    let count = 0;
    for (const delivery of [...this.#deliveries.values()]) {
      if (delivery.bankId !== bankId || delivery.seq < sinceSeq || inFlight(delivery, now)) continue;
      this.#requeue(delivery, now);
      count++;
    }
    return count;
  }

  async webhookDeliveryStats(): Promise<WebhookDeliveryStats> {
    let pending = 0;
    let retrying = 0;
    let failed = 0;
    let oldest: number | null = null;
    for (const d of this.#deliveries.values()) {
      if (d.status === 'pending') pending++;
      else if (d.status === 'retrying') retrying++;
      else if (d.status === 'failed') failed++;
      if (isActive(d)) oldest = Math.min(oldest ?? Infinity, d.queuedAt.getTime());
    }
    return { pending, retrying, failed, oldestQueuedAt: oldest === null ? null : new Date(oldest) };
  }

  #requeue(delivery: StoredDelivery, now: Date): StoredDelivery {
    const requeued: StoredDelivery = {
      ...delivery,
      // A redelivery goes to where the bank wants its notifications now.
      url: this.#banks.get(delivery.bankId)?.webhookUrl ?? delivery.url,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: new Date(now),
      queuedAt: new Date(now),
      lastError: null,
      deliveredAt: null,
      leasedUntil: null,
    };
    this.#deliveries.set(delivery.id, requeued);
    return requeued;
  }

  async close(): Promise<void> {}

  // ---- helpers ----

  #bank(id: number): StoredBank {
    const bank = this.#banks.get(id);
    if (!bank) throw new DomainError('BANK_NOT_FOUND', `No bank has id ${id}.`);
    return bank;
  }

  #entry(id: number): BankEntry {
    const entry = this.#entries.get(id);
    if (!entry) throw new DomainError('ENTRY_NOT_FOUND', `No bank entry has id ${id}.`);
    return entry;
  }

  #delivery(id: number): StoredDelivery {
    const delivery = this.#deliveries.get(id);
    if (!delivery) throw new DomainError('WEBHOOK_DELIVERY_NOT_FOUND', `No webhook delivery has id ${id}.`);
    return delivery;
  }

  #assertNameFree(name: string): void {
    for (const bank of this.#banks.values()) {
      if (bank.name === name) {
        throw new DomainError('BANK_NAME_TAKEN', `A bank named ${JSON.stringify(name)} exists already.`);
      }
    }
  }

  #removeEntry(entry: BankEntry): void {
    this.#entries.delete(entry.id);
    this.#sources.delete(entry.id);
    this.#videos.delete(entry.id);
    this.#entryKeys.delete(entryKey(entry.bankId, entry.signalType, entry.value));
  }

  #log(change: DistributiveOmit<BankChange, 'seq'>): void {
    this.#changes.push({ ...change, seq: this.#nextId.seq++ } as BankChange);
  }

  #latestSeq(): number {
    return this.#changes.at(-1)?.seq ?? 0;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function entryKey(bankId: number, signalType: string, value: string): string {
  return `${bankId}/${signalType}/${value}`;
}

function entryUpsert(entry: BankEntry, bankEnabled: boolean, at: Date): DistributiveOmit<BankChange, 'seq'> {
  return {
    op: 'entry_upsert',
    entryId: entry.id,
    bankId: entry.bankId,
    signalType: entry.signalType,
    value: entry.value,
    active: !entry.disabled && bankEnabled,
    at,
  };
}

function entryDelete(entry: BankEntry, at: Date): DistributiveOmit<BankChange, 'seq'> {
  return {
    op: 'entry_delete',
    entryId: entry.id,
    bankId: entry.bankId,
    signalType: entry.signalType,
    value: entry.value,
    at,
  };
}

/** SQL `LIMIT` semantics for any number: negative or NaN means none. */
function clampLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
}

/** Binary string order, as the SQL stores sort text (`COLLATE "C"` in PostgreSQL). */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A deep copy through JSON, as the SQL stores keep these fields (drops `undefined` members). */
function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function toBank(stored: StoredBank): Bank {
  const { webhookSecret: _secret, ...bank } = stored;
  return {
    ...bank,
    defaultActions: [...bank.defaultActions],
    createdAt: new Date(bank.createdAt),
    updatedAt: new Date(bank.updatedAt),
  };
}

function copyEntry(entry: BankEntry): BankEntry {
  return {
    ...entry,
    classification: cloneJson(entry.classification),
    provenance: cloneJson(entry.provenance),
    createdAt: new Date(entry.createdAt),
    updatedAt: new Date(entry.updatedAt),
  };
}

function copyChange(change: BankChange): BankChange {
  return { ...change, at: new Date(change.at) };
}

function copyMatchRecord(record: MatchRecord): MatchRecord {
  return { ...record, createdAt: new Date(record.createdAt), matches: cloneJson(record.matches) };
}

function copyApiKey(key: ApiKey): ApiKey {
  return {
    ...key,
    scopes: [...key.scopes],
    banks: key.banks ? [...key.banks] : null,
    createdAt: new Date(key.createdAt),
    revokedAt: key.revokedAt && new Date(key.revokedAt),
  };
}

function copyDelivery(delivery: StoredDelivery): WebhookDelivery {
  const { leasedUntil: _lease, ...visible } = delivery;
  return {
    ...visible,
    nextAttemptAt: new Date(delivery.nextAttemptAt),
    createdAt: new Date(delivery.createdAt),
    queuedAt: new Date(delivery.queuedAt),
    deliveredAt: delivery.deliveredAt && new Date(delivery.deliveredAt),
  };
}

/** A delivery with its lease: set while an attempt is under way (claimed, not yet marked). */
interface StoredDelivery extends WebhookDelivery {
  readonly leasedUntil: Date | null;
}

function isActive(delivery: WebhookDelivery): boolean {
  return delivery.status === 'pending' || delivery.status === 'retrying';
}

function inFlight(delivery: StoredDelivery, now: Date): boolean {
  return (
    isActive(delivery) && delivery.leasedUntil !== null && delivery.leasedUntil.getTime() > now.getTime()
  );
}

function copyVideo(video: VpdqSignal): VpdqSignal {
  return {
    frames: video.frames.map((f) => ({ ...f })),
    fileMd5: video.fileMd5 ?? null,
    fileSha256: video.fileSha256 ?? null,
  };
}
