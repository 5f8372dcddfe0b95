import {
  ExactIndex,
  LiveIndex,
  PdqEntryList,
  PdqIndex,
  rebuildIndex,
  type PdqMatch,
  type RebuildSource,
} from '@hashline/matcher';
import type { Bank, BankChange } from '../banks/bank.js';
import { DomainError } from '../domain-error.js';
import type { BankStore } from '../ports/hashline-store.js';
import type { ExactSignalType, SignalType } from '../vocabulary.js';

/** How the engine builds a PDQ index from many hashes; apps pass one that runs in a worker thread. */
export type PdqIndexBuilder = (ids: Uint32Array, hashes: Uint32Array) => Promise<PdqIndex>;

/** How the engine folds a live index's delta into a new base; apps run it in a worker thread. */
export type PdqIndexRebuilder = (source: RebuildSource) => Promise<PdqIndex>;

/** Options of {@link MatchEngine}. */
export interface MatchEngineOptions {
  /** Builds the index at startup; default: in the calling thread. */
  readonly buildIndex?: PdqIndexBuilder;
  /** Rebuilds from a live index's state; default: in the calling thread. */
  readonly rebuildIndex?: PdqIndexRebuilder;
  /**
   * Load hashes into `SharedArrayBuffer`s (default false), so posting them to a worker for a
   * build or rebuild does not copy them; needs a platform with SharedArrayBuffer.
   */
  readonly sharedMemory?: boolean;
  /** Rows per page when loading from the store (default 50,000). */
  readonly pageSize?: number;
}

/** One query to the engine: a validated hash and, for PDQ, optional rotated/mirrored variants. */
export interface EngineQuery {
  readonly signalType: SignalType;
  /** Lower-case hex, validated. */
  readonly value: string;
  /** Extra PDQ hashes of dihedral variants of the same image, with their names. */
  readonly variants?: readonly { readonly name: string; readonly value: string }[];
  /** Only report matches in these banks (allow-lists always apply). */
  readonly bankIds?: readonly number[];
}

/** One entry within its bank's threshold. */
export interface EngineMatch {
  readonly entryId: number;
  readonly bankId: number;
  readonly distance: number;
  readonly variant?: string;
}

/** What a query found: matches, or matches suppressed because an allow-list bank matched too. */
export interface EngineResult {
  readonly matches: readonly EngineMatch[];
  /** Non-empty when an allow-list entry matched: then `matches` is empty and these were held back. */
  readonly suppressed: readonly EngineMatch[];
  /** Allow-list entries that matched. */
  readonly allowListed: readonly EngineMatch[];
}

/** Freshness and size of the engine, for /readyz and metrics. */
export interface EngineStatus {
  readonly loaded: boolean;
  /** Last change-log seq applied. */
  readonly appliedSeq: number;
  readonly banks: number;
  readonly pdqEntries: number;
  readonly exactEntries: Readonly<Record<ExactSignalType, number>>;
  readonly pdqBaseSize: number;
  readonly pdqDeltaSize: number;
  readonly rebuilding: boolean;
  readonly lastRebuildMs: number | null;
}

/** Entry id → bank id (+1; 0 = absent), growing with the largest id. */
class EntryBankMap {
  private slots = new Int32Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(entryId: number): number | undefined {
    const value = entryId < this.slots.length ? this.slots[entryId]! : 0;
    return value === 0 ? undefined : value - 1;
  }

  set(entryId: number, bankId: number): void {
    if (entryId >= this.slots.length) {
      let length = this.slots.length;
      while (length <= entryId) length *= 2;
      const grown = new Int32Array(length);
      grown.set(this.slots);
      this.slots = grown;
    }
    if (this.slots[entryId] === 0) this.count++;
    this.slots[entryId] = bankId + 1;
  }

  delete(entryId: number): void {
    if (entryId < this.slots.length && this.slots[entryId] !== 0) {
      this.slots[entryId] = 0;
      this.count--;
    }
  }
}

const EXACT_TYPES: readonly ExactSignalType[] = ['md5', 'sha1', 'sha256'];

/**
 * The in-memory matcher of one process: every active entry of every bank, kept current by
 * applying the store's change log in order. Additions land in the live index's delta buffer and
 * match at once; a large delta is folded into a new base by a background rebuild that never
 * blocks queries. Bank settings (threshold, enabled, kind) are applied at query time, so changing
 * them needs no reindexing.
 */
export class MatchEngine {
  private readonly store: BankStore;
  private readonly buildIndex: PdqIndexBuilder;
  private readonly rebuildIndex: PdqIndexRebuilder;
  private readonly sharedMemory: boolean;
  private readonly pageSize: number;
  private readonly banks = new Map<number, Bank>();
  private readonly entryBanks = new EntryBankMap();
  private pdq = new LiveIndex();
  private readonly exact = new Map<ExactSignalType, ExactIndex>(
    EXACT_TYPES.map((type) => [type, new ExactIndex(type)]),
  );
  private appliedSeq = 0;
  private loaded = false;
  private catchingUp: Promise<void> | null = null;
  private rebuilding: Promise<void> | null = null;
  private lastRebuildMs: number | null = null;

  constructor(store: BankStore, options: MatchEngineOptions = {}) {
    this.store = store;
    this.buildIndex = options.buildIndex ?? (async (ids, hashes) => PdqIndex.build(ids, hashes));
    this.rebuildIndex = options.rebuildIndex ?? (async (source) => rebuildIndex(source));
    this.sharedMemory = options.sharedMemory ?? false;
    this.pageSize = options.pageSize ?? 50_000;
  }

  /**
   * Loads every active entry, then replays the changes committed while loading. Reads the log
   * position first, so anything committed during the load is replayed (applying a change twice
   * is harmless: adds replace, removals of absent entries are no-ops).
   */
  async load(): Promise<void> {
    const startSeq = await this.store.latestSeq();
    for (const bank of await this.store.listBanks()) this.banks.set(bank.id, bank);
    const pdqEntries = new PdqEntryList(1024, { shared: this.sharedMemory });
    let afterId = 0;
    for (;;) {
      const page = await this.store.activeSignals(afterId, this.pageSize);
      for (const signal of page) {
        this.entryBanks.set(signal.entryId, signal.bankId);
        if (signal.signalType === 'pdq') pdqEntries.push(signal.entryId, signal.value);
        else this.exact.get(signal.signalType)!.add(signal.entryId, signal.value);
      }
      if (page.length < this.pageSize) break;
      afterId = page[page.length - 1]!.entryId;
    }
    const { ids, hashes } = pdqEntries.finish();
    const base = await this.buildIndex(ids, hashes);
    this.pdq = new LiveIndex(base);
    this.appliedSeq = startSeq;
    this.loaded = true;
    await this.catchUp();
  }

  /** True once {@link load} has finished. */
  get isLoaded(): boolean {
    return this.loaded;
  }

  /** The last change-log seq applied. */
  get seq(): number {
    return this.appliedSeq;
  }

  /**
   * Applies every change committed since the last one applied. Concurrent calls share one pass,
   * and a call made after a commit returns only once that commit is applied.
   */
  async catchUp(): Promise<void> {
    if (!this.loaded) return;
    while (this.catchingUp) await this.catchingUp;
    this.catchingUp = this.applyPendingChanges().finally(() => {
      this.catchingUp = null;
    });
    await this.catchingUp;
    if (this.pdq.needsRebuild()) void this.rebuild();
  }

  /** Waits until changes up to `seq` are applied (catching up as needed). */
  async waitFor(seq: number): Promise<void> {
    while (this.appliedSeq < seq) {
      const before = this.appliedSeq;
      await this.catchUp();
      if (this.appliedSeq === before) break; // not committed yet from this store's point of view
    }
  }

  /**
   * Folds the delta into a new base, built by {@link MatchEngineOptions.rebuildIndex} (a worker
   * thread in the server), while queries keep using the current one. Returns when swapped.
   */
  rebuild(): Promise<void> {
    if (this.rebuilding) return this.rebuilding;
    const started = Date.now();
    const source = this.pdq.rebuildSource();
    const live = this.pdq;
    this.rebuilding = (async () => {
      // The source references the live base's arrays (shared memory in the server), so handing
      // it to a worker copies only the delta; the main thread keeps answering queries.
      const index = await this.rebuildIndex(source);
      // A load() may have replaced the live index meanwhile; then this rebuild is moot.
      if (this.pdq === live) live.swapBase(index, source.version);
      this.lastRebuildMs = Date.now() - started;
    })().finally(() => {
      this.rebuilding = null;
    });
    return this.rebuilding;
  }

  /** Finds the entries a hash matches, applying each bank's threshold, state and allow-lists. */
  query(query: EngineQuery): EngineResult {
    if (!this.loaded)
      throw new DomainError('INDEX_NOT_READY', 'The match index is still loading; retry shortly.');
    const candidates: EngineMatch[] = [];
    if (query.signalType === 'pdq') {
      const radius = this.maxThreshold();
      if (radius < 0) return { matches: [], suppressed: [], allowListed: [] };
      const found: (PdqMatch & { variant?: string })[] = query.variants?.length
        ? this.pdq.queryMany([query.value, ...query.variants.map((v) => v.value)], radius).map((m) => ({
            ...m,
            variant: m.variant === 0 ? undefined : query.variants![m.variant - 1]!.name,
          }))
        : this.pdq.query(query.value, radius);
      for (const m of found) {
        const bankId = this.entryBanks.get(m.id);
        if (bankId === undefined) continue;
        const bank = this.banks.get(bankId);
        if (!bank?.enabled || m.distance > bank.pdqThreshold) continue;
        candidates.push(
          m.variant === undefined
            ? { entryId: m.id, bankId, distance: m.distance }
            : { entryId: m.id, bankId, distance: m.distance, variant: m.variant },
        );
      }
    } else {
      for (const entryId of this.exact.get(query.signalType)!.lookup(query.value)) {
        const bankId = this.entryBanks.get(entryId);
        if (bankId === undefined || !this.banks.get(bankId)?.enabled) continue;
        candidates.push({ entryId, bankId, distance: 0 });
      }
    }
    const allowListed = candidates.filter((m) => this.banks.get(m.bankId)!.kind === 'allow_list');
    const wanted = query.bankIds ? new Set(query.bankIds) : null;
    const relevant = candidates.filter(
      (m) => this.banks.get(m.bankId)!.kind !== 'allow_list' && (!wanted || wanted.has(m.bankId)),
    );
    relevant.sort((a, b) => a.distance - b.distance || a.entryId - b.entryId);
    return allowListed.length > 0
      ? { matches: [], suppressed: relevant, allowListed }
      : { matches: relevant, suppressed: [], allowListed: [] };
  }

  /** A bank as the engine knows it (current as of {@link seq}). */
  bank(id: number): Bank | undefined {
    return this.banks.get(id);
  }

  /** A bank by name or numeric id, as the engine knows it. */
  findBank(ref: string | number): Bank | undefined {
    if (typeof ref === 'number' || /^\d+$/.test(ref)) return this.banks.get(Number(ref));
    for (const bank of this.banks.values()) if (bank.name === ref) return bank;
    return undefined;
  }

  /** Size and freshness. */
  status(): EngineStatus {
    const stats = this.pdq.stats();
    return {
      loaded: this.loaded,
      appliedSeq: this.appliedSeq,
      banks: this.banks.size,
      pdqEntries: this.pdq.size,
      exactEntries: {
        md5: this.exact.get('md5')!.size,
        sha1: this.exact.get('sha1')!.size,
        sha256: this.exact.get('sha256')!.size,
      },
      pdqBaseSize: stats.baseSize,
      pdqDeltaSize: stats.deltaSize,
      rebuilding: this.rebuilding !== null,
      lastRebuildMs: this.lastRebuildMs,
    };
  }

  private maxThreshold(): number {
    let max = -1;
    for (const bank of this.banks.values()) if (bank.enabled) max = Math.max(max, bank.pdqThreshold);
    return max;
  }

  private async applyPendingChanges(): Promise<void> {
    for (;;) {
      const changes = await this.store.changesSince(this.appliedSeq, 5_000);
      for (const change of changes) await this.apply(change);
      if (changes.length < 5_000) return;
    }
  }

  private async apply(change: BankChange): Promise<void> {
    switch (change.op) {
      case 'entry_upsert':
        if (change.active) this.index(change.entryId, change.bankId, change.signalType, change.value);
        else this.unindex(change.entryId, change.signalType);
        break;
      case 'entry_delete':
        this.unindex(change.entryId, change.signalType);
        break;
      case 'bank_upsert': {
        const previous = this.banks.get(change.bankId);
        const bank = await this.store.getBank(change.bankId);
        if (bank) {
          this.banks.set(bank.id, bank);
          // A store may log entries of a disabled bank as inactive: re-read them on re-enabling.
          if (bank.enabled && previous && !previous.enabled) await this.reloadBankEntries(bank.id);
        } else this.banks.delete(change.bankId);
        break;
      }
      case 'bank_delete':
        this.banks.delete(change.bankId);
        break;
    }
    this.appliedSeq = Math.max(this.appliedSeq, change.seq);
  }

  private async reloadBankEntries(bankId: number): Promise<void> {
    let afterId = 0;
    for (;;) {
      const page = await this.store.listEntries(bankId, { afterId, limit: this.pageSize });
      for (const entry of page) {
        if (!entry.disabled) this.index(entry.id, bankId, entry.signalType, entry.value);
      }
      if (page.length < this.pageSize) return;
      afterId = page[page.length - 1]!.id;
    }
  }

  // The live index numbers its own changes (rebuilds swap at its own versions); the store's seq is
  // tracked separately in appliedSeq, since a bank reload applies many index changes for one seq.
  private index(entryId: number, bankId: number, signalType: SignalType, value: string): void {
    this.entryBanks.set(entryId, bankId);
    if (signalType === 'pdq') this.pdq.add(entryId, value);
    else this.exact.get(signalType)!.add(entryId, value);
  }

  private unindex(entryId: number, signalType: SignalType): void {
    this.entryBanks.delete(entryId);
    if (signalType === 'pdq') this.pdq.remove(entryId);
    else this.exact.get(signalType)!.remove(entryId);
  }
}
