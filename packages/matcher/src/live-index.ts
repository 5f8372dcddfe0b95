import { PDQ_HASH_WORDS, type PdqHashInput, checkId, checkRadius, pdqHashToWords } from './hash-words.js';
import { DeltaBuffer } from './delta-buffer.js';
import { MatchCollector, type PdqMatch, type PdqVariantMatch, mergeVariants } from './match-results.js';
import { MatcherError } from './matcher-error.js';
import { type PdqIndexOptions, type QueryOptions, PdqIndex, allocUint32 } from './pdq-index.js';

/** Options of {@link LiveIndex}. */
export interface LiveIndexOptions {
  /** The change sequence number the base index reflects (default 0). */
  readonly baseVersion?: number;
  /** {@link LiveIndex.needsRebuild} once the delta holds this many entries (default 16,384). */
  readonly maxDelta?: number;
  /** ... or once the changes since the base exceed this fraction of its size (default 0.01) ... */
  readonly rebuildFraction?: number;
  /** ... but never for fewer changes than this (default 1,024). */
  readonly minRebuild?: number;
}

/**
 * What a background rebuild needs (from {@link LiveIndex.rebuildSource}): the base entries, the
 * ids whose base entry no longer counts, the delta, and the version this state reflects. Plain
 * data: post it to a worker and call {@link rebuildIndex} there. The base arrays are the live
 * base's own (no copy): build the base with `shared: true` so posting them does not copy them.
 */
export interface RebuildSource {
  readonly baseIds: Uint32Array;
  readonly baseHashes: Uint32Array;
  /** Ids whose base entry is removed or superseded by the delta (tombstones). */
  readonly removedIds: Uint32Array;
  readonly deltaIds: Uint32Array;
  readonly deltaHashes: Uint32Array;
  /** The sequence number of the last change included; pass it to {@link LiveIndex.swapBase}. */
  readonly version: number;
}

/** Counters of a {@link LiveIndex}, for health and freshness reporting. */
export interface LiveIndexStats {
  readonly version: number;
  readonly baseVersion: number;
  readonly baseSize: number;
  readonly baseStrategy: 'scan' | 'mih';
  readonly deltaSize: number;
  /** Base entries hidden because they were removed or replaced since the base was built. */
  readonly tombstones: number;
  /** Current number of entries: baseSize − tombstones + deltaSize (ids being unique). */
  readonly size: number;
  readonly pendingChanges: number;
}

interface Change {
  readonly seq: number;
  readonly id: number;
  /** The new hash, or null for a removal. */
  readonly words: Uint32Array | null;
}

/**
 * The entries of a rebuild source as flat arrays: base entries not removed, and the delta. When
 * the base ids ascend, so do the result's (the delta is merged in by id); otherwise the delta
 * follows the base. Pure; run it (through {@link rebuildIndex}) in a worker thread for large banks.
 */
export function materializeRebuild(
  source: RebuildSource,
  options: { readonly shared?: boolean } = {},
): { ids: Uint32Array; hashes: Uint32Array } {
  const { baseIds, baseHashes, deltaIds, deltaHashes } = source;
  const removed = new Set(source.removedIds);
  let kept = 0;
  let baseAscending = true;
  for (let i = 0; i < baseIds.length; i++) {
    if (!removed.has(baseIds[i]!)) kept++;
    if (i > 0 && baseIds[i - 1]! > baseIds[i]!) baseAscending = false;
  }
  const n = kept + deltaIds.length;
  const ids = allocUint32(n, options.shared ?? false);
  const hashes = allocUint32(n * PDQ_HASH_WORDS, options.shared ?? false);
  if (baseAscending && deltaIds.length > 0) {
    // Keep the ids ascending (a bank is loaded in id order), so the new index needs no sorted
    // copy of them for hasId: merge the kept base entries with the delta sorted by id.
    const order = Array.from(deltaIds.keys()).sort((x, y) => deltaIds[x]! - deltaIds[y]!);
    let o = 0;
    let d = 0;
    const takeDelta = (): void => {
      const slot = order[d++]!;
      ids[o] = deltaIds[slot]!;
      hashes.set(
        deltaHashes.subarray(slot * PDQ_HASH_WORDS, (slot + 1) * PDQ_HASH_WORDS),
        o * PDQ_HASH_WORDS,
      );
      o++;
    };
    for (let i = 0; i < baseIds.length; i++) {
      const id = baseIds[i]!;
      if (removed.has(id)) continue;
      while (d < order.length && deltaIds[order[d]!]! < id) takeDelta();
      ids[o] = id;
      hashes.set(baseHashes.subarray(i * PDQ_HASH_WORDS, (i + 1) * PDQ_HASH_WORDS), o * PDQ_HASH_WORDS);
      o++;
    }
    while (d < order.length) takeDelta();
    return { ids, hashes };
  }
  let o = 0;
  if (removed.size === 0) {
    ids.set(baseIds);
    hashes.set(baseHashes);
    o = baseIds.length;
  } else {
    for (let i = 0; i < baseIds.length; i++) {
      const id = baseIds[i]!;
      if (removed.has(id)) continue;
      ids[o] = id;
      hashes.set(baseHashes.subarray(i * PDQ_HASH_WORDS, (i + 1) * PDQ_HASH_WORDS), o * PDQ_HASH_WORDS);
      o++;
    }
  }
  ids.set(deltaIds, o);
  hashes.set(deltaHashes, o * PDQ_HASH_WORDS);
  return { ids, hashes };
}

/** Builds the new base of a rebuild (pure; the worker-thread half of a background rebuild). */
export function rebuildIndex(source: RebuildSource, options: PdqIndexOptions = {}): PdqIndex {
  const { ids, hashes } = materializeRebuild(source, { shared: options.shared ?? false });
  return PdqIndex.build(ids, hashes, options);
}

/**
 * A mutable exact index: an immutable base {@link PdqIndex}, a delta buffer of entries added
 * since (scanned, so an addition matches as soon as it is applied), and tombstones for base
 * entries removed or replaced since. Ids are unique: {@link add} replaces the id's hash.
 *
 * Every change carries a sequence number (the bank change log's, or the next integer if
 * omitted). Changes at or below {@link version} are ignored, so replaying the log from an
 * earlier point is harmless. A background rebuild takes {@link rebuildSource}, builds in a
 * worker ({@link rebuildIndex}), and hands the result to {@link swapBase} with the source's
 * version: the changes applied meanwhile are kept, because every change since the base is
 * logged and re-applied on top of the new base.
 */
export class LiveIndex {
  private base: PdqIndex;
  private baseSeq: number;
  private seq: number;
  private readonly delta = new DeltaBuffer();
  private readonly tombstones = new Set<number>();
  private log: Change[] = [];
  private readonly maxDelta: number;
  private readonly rebuildFraction: number;
  private readonly minRebuild: number;

  /** @param base the index of the bank at `options.baseVersion` (default: empty) */
  constructor(base: PdqIndex = PdqIndex.empty(), options: LiveIndexOptions = {}) {
    const baseVersion = options.baseVersion ?? 0;
    checkSeq(baseVersion);
    this.base = base;
    this.baseSeq = baseVersion;
    this.seq = baseVersion;
    this.maxDelta = options.maxDelta ?? 16_384;
    this.rebuildFraction = options.rebuildFraction ?? 0.01;
    this.minRebuild = options.minRebuild ?? 1024;
  }

  /** Sequence number of the last change applied (or of the base, if later). */
  get version(): number {
    return this.seq;
  }

  /** Sequence number the current base reflects. */
  get baseVersion(): number {
    return this.baseSeq;
  }

  /** Current number of entries (ids being unique). */
  get size(): number {
    return this.base.size - this.tombstones.size + this.delta.size;
  }

  /** Whether the entry `id` is currently present. */
  has(id: number): boolean {
    return this.delta.has(id) || (!this.tombstones.has(id) && this.base.hasId(id));
  }

  /** The current base index. */
  get baseIndex(): PdqIndex {
    return this.base;
  }

  /**
   * Adds the entry `id` or replaces its hash. Returns false (and changes nothing) when `seq` is
   * not above {@link version}: that change is already reflected. Validates id, hash and seq.
   */
  add(id: number, hash: PdqHashInput, seq?: number): boolean {
    checkId(id);
    const words = pdqHashToWords(hash);
    return this.apply({ seq: this.nextSeq(seq), id, words });
  }

  /** Removes the entry `id` (a no-op if absent, but still recorded). Same `seq` rule as add. */
  remove(id: number, seq?: number): boolean {
    checkId(id);
    return this.apply({ seq: this.nextSeq(seq), id, words: null });
  }

  /** Every entry within `radius` of `hash`, one per id, sorted by distance then id. */
  query(hash: PdqHashInput, radius: number, options: QueryOptions = {}): PdqMatch[] {
    checkRadius(radius);
    return this.queryWords(pdqHashToWords(hash), radius, options.filter);
  }

  /** Like {@link PdqIndex.queryMany}: several query hashes, closest variant per id. */
  queryMany(hashes: readonly PdqHashInput[], radius: number, options: QueryOptions = {}): PdqVariantMatch[] {
    checkRadius(radius);
    const words = hashes.map(pdqHashToWords);
    return mergeVariants(words.map((q) => this.queryWords(q, radius, options.filter)));
  }

  /** True when the delta or the pending changes have grown enough to justify a rebuild. */
  needsRebuild(): boolean {
    return (
      this.delta.size >= this.maxDelta ||
      this.log.length >= Math.max(this.minRebuild, this.rebuildFraction * this.base.size)
    );
  }

  /** The current contents as a {@link RebuildSource} (cheap: base arrays are not copied). */
  rebuildSource(): RebuildSource {
    const delta = this.delta.snapshot();
    return {
      baseIds: this.base.ids,
      baseHashes: this.base.hashes,
      removedIds: Uint32Array.from(this.tombstones),
      deltaIds: delta.ids,
      deltaHashes: delta.hashes,
      version: this.seq,
    };
  }

  /**
   * Installs `index` as the base, which must reflect every change up to `appliedUpTo` (e.g. the
   * version of the {@link rebuildSource} it was built from, or the change-log position of a bank
   * read from the database). Changes above it stay applied on top; the version never goes back.
   * Throws `MATCHER_STALE_REBUILD` if `appliedUpTo` is older than the current base.
   */
  swapBase(index: PdqIndex, appliedUpTo: number): void {
    checkSeq(appliedUpTo);
    if (appliedUpTo < this.baseSeq) {
      throw new MatcherError(
        'MATCHER_STALE_REBUILD',
        `rebuild reflects version ${appliedUpTo}, older than the current base (${this.baseSeq})`,
      );
    }
    const pending = this.log.filter((c) => c.seq > appliedUpTo);
    this.base = index;
    this.baseSeq = appliedUpTo;
    this.seq = Math.max(this.seq, appliedUpTo);
    this.log = [];
    this.delta.clear();
    this.tombstones.clear();
    for (const c of pending) this.apply(c, true);
  }

  /** Counters for health and freshness reporting. */
  stats(): LiveIndexStats {
    return {
      version: this.seq,
      baseVersion: this.baseSeq,
      baseSize: this.base.size,
      baseStrategy: this.base.strategy,
      deltaSize: this.delta.size,
      tombstones: this.tombstones.size,
      size: this.size,
      pendingChanges: this.log.length,
    };
  }

  private queryWords(
    q: Uint32Array,
    radius: number,
    filter: ((id: number) => boolean) | undefined,
  ): PdqMatch[] {
    const collector = new MatchCollector();
    const tomb = this.tombstones;
    const baseFilter =
      tomb.size === 0
        ? filter
        : filter === undefined
          ? (id: number) => !tomb.has(id)
          : (id: number) => !tomb.has(id) && filter(id);
    this.base.search(q, 0, radius, baseFilter, collector);
    this.delta.search(q, 0, radius, filter, collector);
    return collector.result();
  }

  private nextSeq(seq: number | undefined): number {
    if (seq === undefined) return this.seq + 1;
    checkSeq(seq);
    return seq;
  }

  /** Applies a change above the current version (`replay`: re-applying after a base swap). */
  private apply(change: Change, replay = false): boolean {
    if (!replay && change.seq <= this.seq) return false;
    // Invariant: a base id changed since the base was built is tombstoned, so the base's stale
    // entry is never reported; the delta holds its current hash, if any.
    if (!this.tombstones.has(change.id) && this.base.hasId(change.id)) this.tombstones.add(change.id);
    if (change.words === null) this.delta.delete(change.id);
    else this.delta.set(change.id, change.words);
    this.log.push(change);
    if (!replay) this.seq = change.seq;
    return true;
  }
}

function checkSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new MatcherError('MATCHER_INVALID_SEQ', 'sequence numbers must be non-negative safe integers');
  }
}
