import {
  DIGEST_BYTES,
  ExactIndex,
  LiveIndex,
  PdqEntryList,
  PdqIndex,
  VideoFrameIndex,
  rebuildIndex,
  type SerializedVideoFrameIndex,
  wordsToPdqHash,
  type PdqMatch,
  type RebuildSource,
  type SerializedPdqIndex,
} from '@hashline/matcher';
import { QUERY_VARIANT_NAMES } from '@hashline/pdq';
import type { ActiveSignal, Bank, BankChange } from '../banks/bank.js';
import { DomainError } from '../domain-error.js';
import { PDQ_VARIANT_KINDS, pdqVariantKindCode, type PdqVariantHash } from '../banks/pdq-variants.js';
import type { BankStore } from '../ports/hashline-store.js';
import { usableVpdqFrames, type VpdqFrame } from '../signals/vpdq.js';
import type { ExactSignalType, SignalType } from '../vocabulary.js';

/** How the engine builds a PDQ index from many hashes; apps pass one that runs in a worker thread. */
export type PdqIndexBuilder = (ids: Uint32Array, hashes: Uint32Array) => Promise<PdqIndex>;

/** How the engine folds a live index's delta into a new base; apps run it in a worker thread. */
export type PdqIndexRebuilder = (source: RebuildSource) => Promise<PdqIndex>;

/**
 * Every active entry of the store, packed (no object per entry): from {@link ActiveSignalsReader}.
 * The entry tables are indexed by entry id, sized to the largest id + 1, as the engine keeps
 * them (so they are adopted, not copied): `entryBanks[id]` is the entry's bank id + 1 (0 = no
 * active entry), `entryKinds[id]` its signal kind (1 pdq, 2 md5, 3 sha1, 4 sha256).
 */
export interface PackedActiveSignals {
  readonly entryBanks: Int32Array;
  readonly entryKinds: Uint8Array;
  /** The PDQ entries: ids and their hashes, 8 words each (as `PdqIndex.build` takes them). */
  readonly pdqIds: Uint32Array;
  readonly pdqHashes: Uint32Array;
  /** The exact-hash (md5/sha1/sha256) entries, usually few. */
  readonly exact: readonly ActiveSignal[];
}

/**
 * Reads every active entry at once, off the caller's thread where it can (the server reads a SQLite
 * file in a worker thread with its own read-only connection). It must see the store as of some
 * moment after the call started: the engine replays the change log from before the call.
 */
export type ActiveSignalsReader = () => Promise<PackedActiveSignals>;

/** Exact-hash entries of one algorithm in a snapshot: ids and their digests, back to back. */
export interface SnapshotExactEntries {
  readonly ids: Uint32Array;
  /** `ids.length × DIGEST_BYTES[algorithm]` bytes. */
  readonly digests: Uint8Array;
}

/** A bank as a snapshot keeps it: plain JSON values (times as ISO-8601 text). */
export type SnapshotBank = Omit<Bank, 'createdAt' | 'updatedAt'> & {
  readonly createdAt: string;
  readonly updatedAt: string;
};

/**
 * The whole state of an engine at one change-log position, as an index snapshot file keeps it
 * (the server writes and reads the file; see {@link IndexSnapshotPort}). Only plain values and
 * typed arrays, so a generic codec can store it.
 *
 * Invariant: the state holds the effects of every change up to `seq` and of no change after it.
 * It is captured in one synchronous step between two changes (never while a change is being
 * applied: a bank re-enable applies in several awaited steps), so `seq` is exactly the engine's
 * `appliedSeq` at that moment. Replaying `changesSince(seq)` on top then gives exactly what a
 * process that never stopped would hold. (A state holding extra later effects would be fine for
 * entries, since applying an entry change is idempotent per entry and replay re-applies them in
 * order; it would not be for banks: a replayed re-enable compares with the bank as saved, and
 * reloads the bank's entries only if the saved bank was disabled. Hence one consistent moment.)
 */
export interface EngineSnapshot {
  /** The change-log seq the state reflects exactly (see the invariant). */
  readonly seq: number;
  /**
   * A fingerprint of the change at `seq` (op, ids, commit time; no hash values), or null when
   * `seq` is 0: at load it proves the store still logs that change and that it is the same change,
   * i.e. the same database and history (not a restored backup that diverged, nor another database).
   */
  readonly seqMark: string | null;
  readonly banks: readonly SnapshotBank[];
  /** The live index's base, as `PdqIndex.serialize()` gave it. */
  readonly pdqBase: SerializedPdqIndex;
  /** Base ids removed or replaced since the base was built. */
  readonly pdqRemoved: Uint32Array;
  /** Entries added since the base was built: ids and 8 words per hash. */
  readonly pdqDeltaIds: Uint32Array;
  readonly pdqDeltaHashes: Uint32Array;
  /** Entry id → bank id + 1 (0 = absent), indexed by entry id. */
  readonly entryBanks: Int32Array;
  /** Entry id → kind of its signal (0 absent, 1 pdq, 2 md5, 3 sha1, 4 sha256). */
  readonly entryKinds: Uint8Array;
  readonly exact: Readonly<Record<ExactSignalType, SnapshotExactEntries>>;
  /** The frames of vpdq entries (absent in snapshots written before video signals: none then). */
  readonly video?: SerializedVideoFrameIndex;
  /**
   * The robust variants of PDQ entries (absent in snapshots written before them: none then): the
   * index, with entries as its "videos" and their variants as its "frames", and per entry (in the
   * order of `variants.videoIds`) the mask of its variants' kinds (bit i: `PDQ_VARIANT_KINDS[i]`).
   */
  readonly variants?: SerializedVideoFrameIndex;
  readonly variantKindMasks?: Uint32Array;
}

/**
 * Where an engine keeps its snapshot (the server: a checksummed file). `read` resolves with the
 * snapshot, or with the reason it cannot be used (missing, truncated, wrong checksum or format);
 * `write` replaces the saved one atomically and must not block the caller's thread for long. The
 * arrays `write` is given are the engine's own, lent until it resolves: it must not change them,
 * and must copy what it keeps beyond that (the engine changes them again afterwards).
 */
export interface IndexSnapshotPort {
  read(): Promise<{ readonly snapshot: EngineSnapshot } | { readonly problem: string }>;
  write(snapshot: EngineSnapshot): Promise<void>;
}

/** What the engine tells its host about loading and snapshots (the server logs these, one line each). */
export type EngineEvent =
  | { readonly type: 'snapshot-rejected'; readonly reason: string }
  | { readonly type: 'snapshot-written'; readonly seq: number; readonly ms: number }
  | { readonly type: 'snapshot-write-failed'; readonly error: unknown }
  | { readonly type: 'loaded'; readonly source: IndexSource; readonly ms: number; readonly seq: number };

/** Where the engine's last load came from. */
export type IndexSource = 'snapshot' | 'store';

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
  /** Reads every active entry packed (default: pages of `store.activeSignals`). */
  readonly readActive?: ActiveSignalsReader;
  /** Where to read the snapshot at load and write one after each build (default: none). */
  readonly snapshots?: IndexSnapshotPort;
  /** Lets the host's event loop run between slices of long work (default: a resolved promise). */
  readonly yieldToEventLoop?: () => Promise<void>;
  /** Told of loads and snapshots (default: nothing). */
  readonly onEvent?: (event: EngineEvent) => void;
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
  /** The query's variant that matched (a rotation, a mirror image, `trim`, `frame`, `screen`); absent: the query hash. */
  readonly variant?: string;
  /**
   * The banked entry's robust variant that matched (`trim`, `crop-*`), absent when its primary
   * hash did: the distance is then to that variant (ADR 0021).
   */
  readonly bankVariant?: string;
  /**
   * Set when a single image matched a frame of a banked video (a vpdq entry): the frame's position
   * among the video's usable frames (quality ≥ 50, deduplicated, in order).
   */
  readonly videoFrame?: number;
  /** A query video's match (`queryVideo`): the query's share of matched frames, 0–100. */
  readonly queryMatchPercent?: number;
  /** A query video's match: the banked video's share of matched frames, 0–100. */
  readonly comparedMatchPercent?: number;
}

/** One banked video a query video matched, with both sides' percentages (0–100). */
export interface EngineVideoMatch {
  readonly entryId: number;
  readonly bankId: number;
  /** Share of the query's usable frames with a frame of the banked video within the bank's threshold. */
  readonly queryMatchPercent: number;
  /** Share of the banked video's usable frames with a query frame within the bank's threshold. */
  readonly comparedMatchPercent: number;
  /** The smallest frame distance seen. */
  readonly distance: number;
}

/** What a query video found, allow-lists applied as for images. */
export interface EngineVideoResult {
  /** Banked videos meeting their bank's percentages (`vpdqMatchPercent`, `vpdqQueryMatchPercent`). */
  readonly matches: readonly EngineVideoMatch[];
  /** Non-empty when an allow-listed video matched: then `matches` is empty and these were held back. */
  readonly suppressed: readonly EngineVideoMatch[];
  readonly allowListed: readonly EngineVideoMatch[];
  /** How many of the query's frames were usable (quality ≥ 50, distinct, not degenerate). */
  readonly usableQueryFrames: number;
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
  /** vpdq entries indexed, and their frames. */
  readonly videoEntries: number;
  readonly videoFrames: number;
  /** PDQ entries with robust variants indexed, and their variants (ADR 0021). */
  readonly variantEntries: number;
  readonly variantHashes: number;
  readonly pdqBaseSize: number;
  readonly pdqDeltaSize: number;
  readonly rebuilding: boolean;
  readonly lastRebuildMs: number | null;
  /** Where the last load came from (null until loaded). */
  readonly source: IndexSource | null;
  /** How long the last load took, until the index answered (null until loaded). */
  readonly loadMs: number | null;
  /** Seq of the last snapshot written by this process (null: none yet). */
  readonly snapshotSeq: number | null;
  /** Why the last load did not use the snapshot (null: it did, or none is configured). */
  readonly snapshotProblem: string | null;
}

/** Signal kinds as {@link EngineSnapshot.entryKinds} numbers them. */
const KIND_CODES: Readonly<Record<SignalType, number>> = { pdq: 1, md5: 2, sha1: 3, sha256: 4, vpdq: 5 };

/** Frames of vpdq entries fetched from the store per call while loading. */
const VIDEO_FETCH = 500;

/**
 * Query variants that probe the banked variants too: the query's own hash and its robust variants
 * (`trim`, `frame`, `screen`: at most three, usually one or two). The rotations and mirror images
 * probe primary hashes only — a rotated *and* cropped copy is not sought — which keeps a query's
 * cost at (1 + robust variants) × the banked variants instead of 9 × (ADR 0021).
 */
const VARIANT_PROBES: ReadonlySet<string> = new Set(QUERY_VARIANT_NAMES);

/** Entry id → mask of its robust variants' kinds (bit i: `PDQ_VARIANT_KINDS[i]`), 4 bytes per id. */
class KindMaskMap {
  private masks: Uint32Array = new Uint32Array(1024);

  get(entryId: number): number {
    return entryId < this.masks.length ? this.masks[entryId]! : 0;
  }

  set(entryId: number, mask: number): void {
    if (entryId >= this.masks.length) {
      let length = this.masks.length;
      while (length <= entryId) length *= 2;
      const grown = new Uint32Array(length);
      grown.set(this.masks);
      this.masks = grown;
    }
    this.masks[entryId] = mask;
  }
}

/** The mask of a list of variants' kinds. */
function kindMask(variants: readonly PdqVariantHash[]): number {
  let mask = 0;
  for (const v of variants) mask |= 1 << pdqVariantKindCode(v.kind);
  return mask >>> 0;
}

/** The kind of the `position`-th variant of an entry whose kinds are `mask` (canonical order). */
function kindAt(mask: number, position: number): string {
  for (let bit = 0, seen = 0; bit < 32; bit++) {
    if ((mask & (1 << bit)) === 0) continue;
    if (seen++ === position) return PDQ_VARIANT_KINDS[bit]!;
  }
  throw new Error(`variant ${position} is not in kind mask ${mask}`);
}

/** Entry id → bank id (+1; 0 = absent) and signal kind, growing with the largest id. */
class EntryBankMap {
  private slots: Int32Array<ArrayBufferLike> = new Int32Array(1024);
  private kinds: Uint8Array<ArrayBufferLike> = new Uint8Array(1024);
  private count = 0;
  /**
   * While the tables are lent to a snapshot being written (see {@link lend}): the changes made
   * since, by entry id (slot and kind; slot 0: removed), read before the tables. Null otherwise.
   */
  private pending: Map<number, { slot: number; kind: number }> | null = null;

  get size(): number {
    return this.count;
  }

  /**
   * The tables as they are now, for a snapshot, without copying them: copying 80 MB at 10M entries
   * blocked the event loop for 200 ms (`/healthz` worst 254 ms, bench:scale on PostgreSQL). Until
   * `release` is called, changes are kept beside the tables and folded in at release. Lent once at
   * a time: snapshots are written one at a time (`saveSnapshot`), and the tables alone would miss
   * the changes kept beside them.
   */
  lend(): { slots: Int32Array; kinds: Uint8Array; release: () => void } {
    if (this.pending) throw new Error('the entry tables are already lent to a snapshot being written');
    const pending = new Map<number, { slot: number; kind: number }>();
    this.pending = pending;
    let released = false;
    return {
      slots: this.slots,
      kinds: this.kinds,
      release: () => {
        if (released) return;
        released = true;
        if (this.pending !== pending) return;
        this.pending = null;
        for (const [entryId, { slot, kind }] of pending) {
          if (entryId >= this.slots.length) this.reserve(entryId + 1);
          this.slots[entryId] = slot;
          this.kinds[entryId] = kind;
        }
      },
    };
  }

  /** Adopts tables from a snapshot (validated: same length). */
  adopt(slots: Int32Array, kinds: Uint8Array): void {
    if (slots.length !== kinds.length || slots.length === 0)
      throw new Error('entry tables of unequal length');
    let count = 0;
    for (let i = 0; i < slots.length; i++) if (slots[i] !== 0) count++;
    this.slots = slots;
    this.kinds = kinds;
    this.count = count;
    this.pending = null;
  }

  get(entryId: number): number | undefined {
    const value = this.slotOf(entryId);
    return value === 0 ? undefined : value - 1;
  }

  /** Makes room for ids below `size` (one allocation instead of repeated doubling). */
  reserve(size: number): void {
    // Lent tables stay as they are; ids beyond them wait in `pending` until the release.
    if (size <= this.slots.length || this.pending) return;
    let length = this.slots.length;
    while (length < size) length *= 2;
    const grown = new Int32Array(length);
    grown.set(this.slots);
    this.slots = grown;
    const kinds = new Uint8Array(length);
    kinds.set(this.kinds);
    this.kinds = kinds;
  }

  set(entryId: number, bankId: number, kind: number): void {
    if (this.slotOf(entryId) === 0) this.count++;
    if (this.pending) {
      this.pending.set(entryId, { slot: bankId + 1, kind });
      return;
    }
    if (entryId >= this.slots.length) this.reserve(entryId + 1);
    this.slots[entryId] = bankId + 1;
    this.kinds[entryId] = kind;
  }

  delete(entryId: number): void {
    if (this.slotOf(entryId) === 0) return;
    this.count--;
    if (this.pending) {
      this.pending.set(entryId, { slot: 0, kind: 0 });
      return;
    }
    this.slots[entryId] = 0;
    this.kinds[entryId] = 0;
  }

  private slotOf(entryId: number): number {
    const changed = this.pending?.get(entryId);
    if (changed) return changed.slot;
    return entryId < this.slots.length ? this.slots[entryId]! : 0;
  }
}

/** Entry ids whose signal is of kind `code` in lent tables (see `EntryBankMap.lend`). */
function idsOfKind(slots: Int32Array, kinds: Uint8Array, code: number): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < kinds.length; i++) if (kinds[i] === code && slots[i] !== 0) out.push(i);
  return Uint32Array.from(out);
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
  private entryBanks = new EntryBankMap();
  private pdq = new LiveIndex();
  /** Usable frames of every active vpdq entry, one MIH index over all of them. */
  private video = VideoFrameIndex.empty();
  private rebuildingVideo: Promise<void> | null = null;
  /**
   * Robust variants of PDQ entries (ADR 0021), one MIH index over all of them: the frame index's
   * machinery with entries as owners (many hashes per entry, removal by entry, live delta).
   */
  private variants = VideoFrameIndex.empty();
  private variantKinds = new KindMaskMap();
  private rebuildingVariants: Promise<void> | null = null;
  private exact = new Map<ExactSignalType, ExactIndex>(
    EXACT_TYPES.map((type) => [type, new ExactIndex(type)]),
  );
  private appliedSeq = 0;
  private loaded = false;
  private catchingUp: Promise<void> | null = null;
  private rebuilding: Promise<void> | null = null;
  private lastRebuildMs: number | null = null;
  private readonly readActive: ActiveSignalsReader | undefined;
  private readonly snapshots: IndexSnapshotPort | undefined;
  private readonly yieldToEventLoop: () => Promise<void>;
  private readonly onEvent: (event: EngineEvent) => void;
  private source: IndexSource | null = null;
  private loadMs: number | null = null;
  /** Fingerprint of the change at appliedSeq, when the engine applied that change itself. */
  private appliedMark: { seq: number; mark: string } | null = null;
  private saving: Promise<void> | null = null;
  private saveAgain = false;
  private snapshotSeq: number | null = null;
  private snapshotProblem: string | null = null;

  constructor(store: BankStore, options: MatchEngineOptions = {}) {
    this.store = store;
    this.buildIndex = options.buildIndex ?? (async (ids, hashes) => PdqIndex.build(ids, hashes));
    this.rebuildIndex = options.rebuildIndex ?? (async (source) => rebuildIndex(source));
    this.sharedMemory = options.sharedMemory ?? false;
    this.pageSize = options.pageSize ?? 50_000;
    this.readActive = options.readActive;
    this.snapshots = options.snapshots;
    this.yieldToEventLoop = options.yieldToEventLoop ?? (() => Promise.resolve());
    this.onEvent = options.onEvent ?? (() => undefined);
  }

  /**
   * Loads the index: from the snapshot when one is configured, usable and consistent with the
   * store (see {@link EngineSnapshot}), else from the store; then replays the changes committed
   * since. After a load from the store, writes a fresh snapshot (in the background).
   */
  async load(): Promise<void> {
    const started = Date.now();
    if (this.snapshots && (await this.loadSnapshot())) {
      this.finishLoad('snapshot', started);
      await this.catchUp();
      return;
    }
    await this.loadFromStore();
    this.finishLoad('store', started);
    await this.catchUp();
    void this.saveSnapshot();
  }

  private finishLoad(source: IndexSource, started: number): void {
    this.loaded = true;
    this.source = source;
    this.loadMs = Date.now() - started;
    this.onEvent({ type: 'loaded', source, ms: this.loadMs, seq: this.appliedSeq });
  }

  /**
   * Loads every active entry, then replays the changes committed while loading. Reads the log
   * position first, so anything committed during the load is replayed (applying a change twice
   * is harmless: adds replace, removals of absent entries are no-ops).
   */
  private async loadFromStore(): Promise<void> {
    this.reset();
    const startSeq = await this.store.latestSeq();
    for (const bank of await this.store.listBanks()) this.banks.set(bank.id, bank);
    // In methods of their own, so the entries' other arrays are garbage before the build starts
    // (a 10M-entry load must fit in 1.6 GB).
    const videos: number[] = [];
    const { ids, hashes } = this.readActive
      ? await this.loadPacked(this.readActive, videos)
      : await this.loadPages(videos);
    const base = await this.buildIndex(ids, hashes);
    this.pdq = new LiveIndex(base);
    this.video = await this.loadVideos(videos);
    this.variants = await this.loadVariants();
    this.appliedSeq = startSeq;
  }

  /**
   * Reads the robust variants of the active PDQ entries that have some and builds their index
   * (through {@link MatchEngineOptions.buildIndex}). Read after the entries: an entry added since
   * comes back through the change log replay, whose upserts carry their variants.
   */
  private async loadVariants(): Promise<VideoFrameIndex> {
    const ids: number[] = [];
    const counts: number[] = [];
    const hashes = new PdqEntryList(1024, { shared: this.sharedMemory });
    let next = 0;
    let afterId = 0;
    for (;;) {
      const page = await this.store.activePdqVariants(afterId, this.pageSize);
      for (const { entryId, variants } of page) {
        // The entry may have been skipped as inactive by the packed read: only index known ones.
        if (this.entryBanks.get(entryId) === undefined) continue;
        ids.push(entryId);
        counts.push(variants.length);
        this.variantKinds.set(entryId, kindMask(variants));
        for (const v of variants) hashes.push(next++, v.value);
      }
      if (page.length < this.pageSize) break;
      afterId = page[page.length - 1]!.entryId;
      await this.yieldToEventLoop();
    }
    if (ids.length === 0) return VideoFrameIndex.empty();
    const list = hashes.finish();
    return VideoFrameIndex.withBase(
      await this.buildIndex(list.ids, list.hashes),
      Uint32Array.from(ids),
      Uint32Array.from(counts),
    );
  }

  /**
   * Reads the frames of the active vpdq entries and builds their index (through
   * {@link MatchEngineOptions.buildIndex}, a worker thread in the server). An entry deleted since
   * the list was read is skipped; the change log replay then agrees.
   */
  private async loadVideos(entryIds: readonly number[]): Promise<VideoFrameIndex> {
    if (entryIds.length === 0) return VideoFrameIndex.empty();
    const videoIds: number[] = [];
    const counts: number[] = [];
    const frames = new PdqEntryList(1024, { shared: this.sharedMemory });
    let frameId = 0;
    for (let i = 0; i < entryIds.length; i += VIDEO_FETCH) {
      const signals = await this.store.getVideoSignals(entryIds.slice(i, i + VIDEO_FETCH));
      for (const [entryId, signal] of signals) {
        const usable = usableVpdqFrames(signal.frames);
        videoIds.push(entryId);
        counts.push(usable.length);
        for (const frame of usable) frames.push(frameId++, frame.pdqHex);
      }
      await this.yieldToEventLoop();
    }
    const { ids, hashes } = frames.finish();
    return VideoFrameIndex.withBase(
      await this.buildIndex(ids, hashes),
      Uint32Array.from(videoIds),
      Uint32Array.from(counts),
    );
  }

  private async loadPacked(
    read: ActiveSignalsReader,
    videos: number[],
  ): Promise<{ ids: Uint32Array; hashes: Uint32Array }> {
    const packed = await read();
    this.entryBanks.adopt(packed.entryBanks, packed.entryKinds);
    let n = 0;
    for (const signal of packed.exact) {
      if (signal.signalType === 'vpdq') {
        this.entryBanks.set(signal.entryId, signal.bankId, KIND_CODES.vpdq);
        videos.push(signal.entryId);
        continue;
      }
      if (signal.signalType === 'pdq') continue; // packed separately
      this.index(signal.entryId, signal.bankId, signal.signalType, signal.value);
      if (++n % 50_000 === 0) await this.yieldToEventLoop();
    }
    return { ids: packed.pdqIds, hashes: packed.pdqHashes };
  }

  private async loadPages(videos: number[]): Promise<{ ids: Uint32Array; hashes: Uint32Array }> {
    const pdqEntries = new PdqEntryList(1024, { shared: this.sharedMemory });
    let afterId = 0;
    for (;;) {
      const page = await this.store.activeSignals(afterId, this.pageSize);
      for (let i = 0; i < page.length; i++) {
        const signal = page[i]!;
        this.entryBanks.set(signal.entryId, signal.bankId, KIND_CODES[signal.signalType]);
        if (signal.signalType === 'pdq') pdqEntries.push(signal.entryId, signal.value);
        else if (signal.signalType === 'vpdq') videos.push(signal.entryId);
        else this.exact.get(signal.signalType)!.add(signal.entryId, signal.value);
        // Parsing 50,000 hashes takes tens of ms: let the host answer requests in between.
        if (i % 10_000 === 9_999) await this.yieldToEventLoop();
      }
      if (page.length < this.pageSize) break;
      afterId = page[page.length - 1]!.entryId;
      await this.yieldToEventLoop();
    }
    return pdqEntries.finish();
  }

  /** Empties the state (a load after a failed one starts clean). */
  private reset(): void {
    this.banks.clear();
    this.entryBanks = new EntryBankMap();
    this.pdq = new LiveIndex();
    this.video = VideoFrameIndex.empty();
    this.variants = VideoFrameIndex.empty();
    this.variantKinds = new KindMaskMap();
    this.exact = new Map(EXACT_TYPES.map((type) => [type, new ExactIndex(type)]));
    this.appliedSeq = 0;
    this.appliedMark = null;
  }

  /**
   * Reads the snapshot and installs it if it is usable: readable, of this matcher's format, and
   * of this store's history (its seq is not past the store's latest, and the store still logs the
   * very change at its seq: not pruned away, not another database). Returns false, telling why
   * through `onEvent`, when the store must be read instead.
   */
  private async loadSnapshot(): Promise<boolean> {
    let read: Awaited<ReturnType<IndexSnapshotPort['read']>>;
    try {
      read = await this.snapshots!.read();
    } catch (error) {
      read = { problem: `unreadable (${error instanceof Error ? error.message : String(error)})` };
    }
    if ('problem' in read) {
      this.rejectSnapshot(read.problem);
      return false;
    }
    this.snapshotProblem = null;
    const snapshot = read.snapshot;
    const problem = await this.checkSnapshot(snapshot);
    if (problem) {
      this.rejectSnapshot(problem);
      return false;
    }
    try {
      await this.install(snapshot);
      return true;
    } catch (error) {
      this.reset();
      this.rejectSnapshot(`inconsistent (${error instanceof Error ? error.message : String(error)})`);
      return false;
    }
  }

  private rejectSnapshot(reason: string): void {
    this.snapshotProblem = reason;
    this.onEvent({ type: 'snapshot-rejected', reason });
  }

  private async checkSnapshot(snapshot: EngineSnapshot): Promise<string | null> {
    const current = PdqIndex.empty().serialize();
    const pdq = snapshot.pdqBase as Partial<SerializedPdqIndex> | undefined;
    if (pdq?.format !== current.format || pdq.version !== current.version) {
      return `index format ${String(pdq?.format)} v${String(pdq?.version)}, this matcher writes ${current.format} v${current.version}`;
    }
    if (!Number.isSafeInteger(snapshot.seq) || snapshot.seq < 0) return 'invalid seq';
    const latest = await this.store.latestSeq();
    if (snapshot.seq > latest) {
      return `seq ${snapshot.seq} is newer than the store's latest change ${latest} (database restored from a backup, or another database)`;
    }
    if (snapshot.seq === 0) {
      // Nothing was logged when it was taken: usable while the log still starts at its beginning.
      const [first] = await this.store.changesSince(0, 1);
      return first && first.seq !== 1
        ? `seq 0 is older than the oldest change in the log (${first.seq})`
        : null;
    }
    const [change] = await this.store.changesSince(snapshot.seq - 1, 1);
    if (!change || change.seq !== snapshot.seq) {
      return `seq ${snapshot.seq} is older than the oldest change still in the log (pruned)`;
    }
    if (changeMark(change) !== snapshot.seqMark) {
      return `the change at seq ${snapshot.seq} differs from the one it saw (another database, or a diverged restore)`;
    }
    return null;
  }

  /** Installs a checked snapshot as the engine's state. */
  private async install(snapshot: EngineSnapshot): Promise<void> {
    this.reset();
    for (const saved of snapshot.banks) {
      this.banks.set(saved.id, {
        ...saved,
        createdAt: new Date(saved.createdAt),
        updatedAt: new Date(saved.updatedAt),
      });
    }
    this.entryBanks.adopt(snapshot.entryBanks, snapshot.entryKinds);
    const live = new LiveIndex(PdqIndex.fromSerialized(snapshot.pdqBase));
    for (const id of snapshot.pdqRemoved) live.remove(id);
    const deltaIds = snapshot.pdqDeltaIds;
    if (snapshot.pdqDeltaHashes.length !== deltaIds.length * 8) throw new Error('delta of unequal length');
    for (let i = 0; i < deltaIds.length; i++)
      live.add(deltaIds[i]!, wordsToPdqHash(snapshot.pdqDeltaHashes, i * 8));
    let n = 0;
    for (const type of EXACT_TYPES) {
      const { ids, digests } = snapshot.exact[type];
      const bytes = DIGEST_BYTES[type];
      if (digests.length !== ids.length * bytes) throw new Error(`${type} digests of unequal length`);
      const index = new ExactIndex(type, ids.length);
      for (let i = 0; i < ids.length; i++) {
        index.add(ids[i]!, digests.subarray(i * bytes, (i + 1) * bytes));
        if (++n % 50_000 === 0) await this.yieldToEventLoop();
      }
      this.exact.set(type, index);
    }
    this.pdq = live;
    this.video = snapshot.video ? VideoFrameIndex.fromSerialized(snapshot.video) : VideoFrameIndex.empty();
    if (snapshot.variants) {
      const masks = snapshot.variantKindMasks;
      if (!masks || masks.length !== snapshot.variants.videoIds.length)
        throw new Error('variant kinds of unequal length');
      this.variants = VideoFrameIndex.fromSerialized(snapshot.variants);
      snapshot.variants.videoIds.forEach((id, i) => this.variantKinds.set(id, masks[i]!));
    }
    this.appliedSeq = snapshot.seq;
    this.appliedMark = snapshot.seq > 0 ? { seq: snapshot.seq, mark: snapshot.seqMark! } : null;
  }

  /**
   * Captures the state (see the invariant on {@link EngineSnapshot}) and hands it to the snapshot
   * port. One write at a time; a request during a write writes again once it is done.
   */
  saveSnapshot(): Promise<void> {
    if (!this.snapshots || !this.loaded) return Promise.resolve();
    if (this.saving) {
      this.saveAgain = true;
      return this.saving;
    }
    this.saving = (async () => {
      do {
        this.saveAgain = false;
        const started = Date.now();
        try {
          const { snapshot, release } = await this.captureSnapshot();
          try {
            await this.snapshots!.write(snapshot);
          } finally {
            release();
          }
          this.snapshotSeq = snapshot.seq;
          this.onEvent({ type: 'snapshot-written', seq: snapshot.seq, ms: Date.now() - started });
        } catch (error) {
          this.onEvent({ type: 'snapshot-write-failed', error });
        }
      } while (this.saveAgain);
    })().finally(() => {
      this.saving = null;
    });
    return this.saving;
  }

  /**
   * The state to write, and what to call once it is written: the entry tables are lent, not
   * copied (see `EntryBankMap.lend`).
   */
  private async captureSnapshot(): Promise<{ snapshot: EngineSnapshot; release: () => void }> {
    // Wait for a moment between changes; from the loop's last check on, nothing awaits, so no
    // change can start until the state below is captured.
    while (this.catchingUp) await this.catchingUp.catch(() => undefined);
    const seq = this.appliedSeq;
    const knownMark = this.appliedMark?.seq === seq ? this.appliedMark.mark : null;
    const source = this.pdq.rebuildSource();
    const tables = this.entryBanks.lend();
    const exact = {} as Record<ExactSignalType, SnapshotExactEntries>;
    for (const type of EXACT_TYPES) {
      const index = this.exact.get(type)!;
      // A scan of every id slot per kind (tens of ms at 10M entries): only for kinds in use.
      const ids =
        index.size === 0 ? new Uint32Array(0) : idsOfKind(tables.slots, tables.kinds, KIND_CODES[type]);
      const bytes = DIGEST_BYTES[type];
      const digests = new Uint8Array(ids.length * bytes);
      ids.forEach((id, i) => digests.set(hexToBytes(index.digestOf(id) ?? ''), i * bytes));
      exact[type] = { ids, digests };
    }
    const banks = [...this.banks.values()].map((bank) => ({
      ...bank,
      createdAt: bank.createdAt.toISOString(),
      updatedAt: bank.updatedAt.toISOString(),
    }));
    const pdqBase = this.pdq.baseIndex.serialize();
    const video = this.video.serialize();
    const variants = this.variants.serialize();
    const variantKindMasks = variants.videoIds.map((id) => this.variantKinds.get(id));
    // The state is captured; the fingerprint of a change already committed never changes.
    let seqMark = knownMark;
    if (seq > 0 && seqMark === null) {
      try {
        const [change] = await this.store.changesSince(seq - 1, 1);
        if (!change || change.seq !== seq)
          throw new Error(`the change at seq ${seq} is no longer in the log`);
        seqMark = changeMark(change);
      } catch (error) {
        tables.release();
        throw error;
      }
    }
    const snapshot: EngineSnapshot = {
      seq,
      seqMark,
      banks,
      pdqBase,
      pdqRemoved: source.removedIds,
      pdqDeltaIds: source.deltaIds,
      pdqDeltaHashes: source.deltaHashes,
      entryBanks: tables.slots,
      entryKinds: tables.kinds,
      exact,
      video,
      variants,
      variantKindMasks,
    };
    return { snapshot, release: tables.release };
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
    if (this.video.needsRebuild()) void this.rebuildVideo();
    if (this.variants.needsRebuild()) void this.rebuildVariants();
  }

  /** Folds the robust variants' delta into a new base, like {@link rebuildVideo}. */
  rebuildVariants(): Promise<void> {
    if (this.rebuildingVariants) return this.rebuildingVariants;
    const variants = this.variants;
    const source = variants.rebuildSource();
    this.rebuildingVariants = (async () => {
      const index = await this.rebuildIndex(source);
      if (this.variants === variants) {
        variants.swapBase(index, source.version);
        void this.saveSnapshot();
      }
    })().finally(() => {
      this.rebuildingVariants = null;
    });
    return this.rebuildingVariants;
  }

  /** Folds the video frames' delta into a new frame base, like {@link rebuild} for images. */
  rebuildVideo(): Promise<void> {
    if (this.rebuildingVideo) return this.rebuildingVideo;
    const video = this.video;
    const source = video.rebuildSource();
    this.rebuildingVideo = (async () => {
      const index = await this.rebuildIndex(source);
      if (this.video === video) {
        video.swapBase(index, source.version);
        void this.saveSnapshot();
      }
    })().finally(() => {
      this.rebuildingVideo = null;
    });
    return this.rebuildingVideo;
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
      if (this.pdq === live) {
        live.swapBase(index, source.version);
        // A new base: save it, so the next start need not rebuild (captured at a quiet moment).
        void this.saveSnapshot();
      }
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
      if (this.variants.videoCount > 0) this.queryVariants(query, radius, candidates);
      // An image may be a frame of a banked video: report the video, at its closest frame.
      if (this.video.videoCount > 0) {
        const seen = new Set<number>();
        const accept = (entryId: number, d: number): boolean => this.videoAccepts(entryId, d);
        for (const hit of this.video.queryImage(query.value, radius, accept)) {
          if (seen.has(hit.videoId)) continue;
          seen.add(hit.videoId);
          candidates.push({
            entryId: hit.videoId,
            bankId: this.entryBanks.get(hit.videoId)!,
            distance: hit.distance,
            videoFrame: hit.frameIndex,
          });
        }
      }
    } else if (query.signalType === 'vpdq') {
      throw new DomainError('VALIDATION_FAILED', 'Match a video by its frames (queryVideo), not by its key.');
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

  /**
   * The banked PDQ entries whose match threshold a hash lies close to (probing detection, issue
   * 15): entries of enabled banks other than allow-lists at a distance within `band` of their
   * bank's `pdqThreshold`, on either side. Only such a hash is an informative question about an
   * entry: one well inside the threshold always matches, one well outside never does, whatever the
   * entry's remaining bits.
   */
  thresholdEdgeEntries(
    value: string,
    band: number,
  ): { entryId: number; distance: number; threshold: number }[] {
    if (!this.loaded) return [];
    const radius = this.maxThreshold() + band;
    if (radius < band) return [];
    const edge: { entryId: number; distance: number; threshold: number }[] = [];
    for (const m of this.pdq.query(value, Math.min(256, radius))) {
      const bankId = this.entryBanks.get(m.id);
      const bank = bankId === undefined ? undefined : this.banks.get(bankId);
      if (!bank?.enabled || bank.kind === 'allow_list') continue;
      if (Math.abs(m.distance - bank.pdqThreshold) <= band) {
        edge.push({ entryId: m.id, distance: m.distance, threshold: bank.pdqThreshold });
      }
    }
    return edge;
  }

  /**
   * Matches a query video (its frames, as the hasher gave them) against every banked video: the
   * usable frames (quality ≥ 50, distinct, not degenerate) are looked up in the frame index, then
   * per banked video both percentages are computed and compared with its bank's
   * `vpdqMatchPercent` (banked side) and `vpdqQueryMatchPercent` (query side); a frame counts
   * within the bank's `pdqThreshold`. Allow-listed videos suppress the others, as for images.
   */
  queryVideo(
    frames: readonly VpdqFrame[],
    options: { readonly bankIds?: readonly number[] } = {},
  ): EngineVideoResult {
    if (!this.loaded)
      throw new DomainError('INDEX_NOT_READY', 'The match index is still loading; retry shortly.');
    const usable = usableVpdqFrames(frames);
    const radius = this.maxThreshold();
    if (radius < 0 || usable.length === 0 || this.video.videoCount === 0) {
      return { matches: [], suppressed: [], allowListed: [], usableQueryFrames: usable.length };
    }
    const candidates: EngineVideoMatch[] = [];
    const hits = this.video.queryVideo(
      usable.map((f) => f.pdqHex),
      radius,
      (entryId, d) => this.videoAccepts(entryId, d),
    );
    for (const hit of hits) {
      const bankId = this.entryBanks.get(hit.videoId)!;
      const bank = this.banks.get(bankId)!;
      const queryMatchPercent = (hit.queryFramesMatched * 100) / usable.length;
      const comparedMatchPercent = (hit.videoFramesMatched * 100) / hit.videoFrameCount;
      if (comparedMatchPercent < bank.vpdqMatchPercent || queryMatchPercent < bank.vpdqQueryMatchPercent)
        continue;
      candidates.push({
        entryId: hit.videoId,
        bankId,
        queryMatchPercent,
        comparedMatchPercent,
        distance: hit.minDistance,
      });
    }
    const allowListed = candidates.filter((m) => this.banks.get(m.bankId)!.kind === 'allow_list');
    const wanted = options.bankIds ? new Set(options.bankIds) : null;
    const relevant = candidates
      .filter((m) => this.banks.get(m.bankId)!.kind !== 'allow_list' && (!wanted || wanted.has(m.bankId)))
      .sort((a, b) => b.comparedMatchPercent - a.comparedMatchPercent || a.entryId - b.entryId);
    return allowListed.length > 0
      ? { matches: [], suppressed: relevant, allowListed, usableQueryFrames: usable.length }
      : { matches: relevant, suppressed: [], allowListed: [], usableQueryFrames: usable.length };
  }

  /**
   * Adds the entries reached through their robust variants (ADR 0021) by the query's own hash or
   * its `trim`, each at its closest variant; an entry its primary hash matched as close or closer
   * keeps that match.
   */
  private queryVariants(query: EngineQuery, radius: number, candidates: EngineMatch[]): void {
    const probes: { name: string | undefined; value: string }[] = [{ name: undefined, value: query.value }];
    for (const v of query.variants ?? []) if (VARIANT_PROBES.has(v.name)) probes.push(v);
    const byEntry = new Map<number, number>();
    candidates.forEach((m, i) => byEntry.set(m.entryId, i));
    const accept = (entryId: number, d: number): boolean => this.videoAccepts(entryId, d);
    for (const probe of probes) {
      for (const hit of this.variants.queryImage(probe.value, radius, accept)) {
        const at = byEntry.get(hit.videoId);
        if (at !== undefined && candidates[at]!.distance <= hit.distance) continue;
        const match: EngineMatch = {
          entryId: hit.videoId,
          bankId: this.entryBanks.get(hit.videoId)!,
          distance: hit.distance,
          bankVariant: kindAt(this.variantKinds.get(hit.videoId), hit.frameIndex),
          ...(probe.name === undefined ? {} : { variant: probe.name }),
        };
        if (at === undefined) {
          byEntry.set(hit.videoId, candidates.length);
          candidates.push(match);
        } else candidates[at] = match;
      }
    }
  }

  /**
   * Whether a frame of video `entryId` (or a robust variant of PDQ entry `entryId`) at distance
   * `d` counts: its bank is enabled, `d` within its threshold.
   */
  private videoAccepts(entryId: number, d: number): boolean {
    const bankId = this.entryBanks.get(entryId);
    if (bankId === undefined) return false;
    const bank = this.banks.get(bankId);
    return bank !== undefined && bank.enabled && d <= bank.pdqThreshold;
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
      videoEntries: this.video.videoCount,
      videoFrames: this.video.frameCount,
      variantEntries: this.variants.videoCount,
      variantHashes: this.variants.frameCount,
      pdqBaseSize: stats.baseSize,
      pdqDeltaSize: stats.deltaSize,
      rebuilding: this.rebuilding !== null,
      lastRebuildMs: this.lastRebuildMs,
      source: this.source,
      loadMs: this.loadMs,
      snapshotSeq: this.snapshotSeq,
      snapshotProblem: this.snapshotProblem,
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
        if (!change.active) this.unindex(change.entryId, change.signalType);
        else if (change.signalType === 'vpdq') await this.indexVideos([change.entryId], change.bankId);
        else this.index(change.entryId, change.bankId, change.signalType, change.value, change.pdqVariants);
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
    if (change.seq >= this.appliedSeq) {
      this.appliedSeq = change.seq;
      this.appliedMark = { seq: change.seq, mark: changeMark(change) };
    }
  }

  private async reloadBankEntries(bankId: number): Promise<void> {
    let afterId = 0;
    for (;;) {
      const page = await this.store.listEntries(bankId, { afterId, limit: this.pageSize });
      const videos: number[] = [];
      for (const entry of page) {
        if (entry.disabled) continue;
        if (entry.signalType === 'vpdq') videos.push(entry.id);
        else this.index(entry.id, bankId, entry.signalType, entry.value, entry.pdqVariants);
      }
      for (let i = 0; i < videos.length; i += VIDEO_FETCH) {
        await this.indexVideos(videos.slice(i, i + VIDEO_FETCH), bankId);
      }
      if (page.length < this.pageSize) return;
      afterId = page[page.length - 1]!.id;
    }
  }

  // The live index numbers its own changes (rebuilds swap at its own versions); the store's seq is
  // tracked separately in appliedSeq, since a bank reload applies many index changes for one seq.
  private index(
    entryId: number,
    bankId: number,
    signalType: ExactSignalType | 'pdq',
    value: string,
    variants?: readonly PdqVariantHash[],
  ): void {
    this.entryBanks.set(entryId, bankId, KIND_CODES[signalType]);
    if (signalType !== 'pdq') {
      this.exact.get(signalType)!.add(entryId, value);
      return;
    }
    this.pdq.add(entryId, value);
    if (variants?.length) {
      this.variants.add(
        entryId,
        variants.map((v) => v.value),
      );
      this.variantKinds.set(entryId, kindMask(variants));
    } else if (this.variants.has(entryId)) this.variants.remove(entryId);
  }

  /**
   * Indexes vpdq entries of one bank, reading their frames from the store (the change log holds
   * only their key). An entry the store no longer has was deleted after this change; its delete
   * follows in the log.
   */
  private async indexVideos(entryIds: readonly number[], bankId: number): Promise<void> {
    const signals = await this.store.getVideoSignals(entryIds);
    for (const [entryId, signal] of signals) {
      this.entryBanks.set(entryId, bankId, KIND_CODES.vpdq);
      this.video.add(
        entryId,
        usableVpdqFrames(signal.frames).map((f) => f.pdqHex),
      );
    }
  }

  private unindex(entryId: number, signalType: SignalType): void {
    this.entryBanks.delete(entryId);
    if (signalType === 'pdq') {
      this.pdq.remove(entryId);
      this.variants.remove(entryId);
    } else if (signalType === 'vpdq') this.video.remove(entryId);
    else this.exact.get(signalType)!.remove(entryId);
  }
}

/** The fingerprint of a change for {@link EngineSnapshot.seqMark}: no hash values. */
function changeMark(change: BankChange): string {
  const entry = 'entryId' in change ? change.entryId : '';
  return `${change.seq}:${change.op}:${change.bankId}:${entry}:${change.at.toISOString()}`;
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
