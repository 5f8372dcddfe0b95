import {
  PDQ_HASH_WORDS,
  type PdqHashInput,
  byteCounts,
  checkRadius,
  foldBytes,
  pdqHashToWords,
  scanWords,
} from './hash-words.js';
import { MatchCollector, type PdqMatch, type PdqVariantMatch, mergeVariants } from './match-results.js';
import { MatcherError } from './matcher-error.js';
import {
  type MihLayout,
  type QueryPlan,
  MAX_SUBSTRING_BITS,
  ballSize,
  bucketBits,
  chooseLayout,
  flipMasks,
  maxSuffixBits,
  planQuery,
  substringKey,
} from './mih-layout.js';

/** How an index answers queries: a linear scan, or multi-index hashing with exact verification. */
export type IndexStrategy = 'scan' | 'mih';

/** Options of {@link PdqIndex.build}. */
export interface PdqIndexOptions {
  /** `'auto'` (default) picks MIH from `scanBelow` entries up when the cost model favours it. */
  readonly strategy?: 'auto' | IndexStrategy;
  /** Below this many entries `'auto'` scans (default 4096: a scan of 4K hashes takes ~30 µs). */
  readonly scanBelow?: number;
  /** The radius the substring count is tuned for (default 31, PDQ's match threshold). */
  readonly designRadius?: number;
  /**
   * Force the number of substrings m (8..32) instead of choosing it from the size (the suffix
   * bits are still chosen by the cost model within the `slotsPerEntry` bound).
   */
  readonly substrings?: number;
  /**
   * Memory bound of the offset tables, in slots per indexed entry over all tables (default 3,
   * i.e. at most 12 bytes per hash; each table's positions take 4 bytes per hash).
   */
  readonly slotsPerEntry?: number;
  /** Most substrings (tables) the automatic choice may use (default 32). */
  readonly maxSubstrings?: number;
  /**
   * Use exactly this layout (for tests and tuning; overrides `substrings`). Its substrings must
   * not overlap; bucket keys take at most 28 bits and suffixes at most what fits beside a
   * position (8 bits up to 2^24 entries, 5 at 100M).
   */
  readonly layout?: MihLayout;
  /**
   * Allocate the tables on `SharedArrayBuffer` (default false), so a serialized index can be
   * posted to other threads without a copy. Pass shared input arrays too for a zero-copy index.
   */
  readonly shared?: boolean;
}

/** Options of a query. */
export interface QueryOptions {
  /** Keep only the entries for which this returns true (e.g. drop ids of an allow-list). */
  readonly filter?: (id: number) => boolean;
}

/**
 * The plain-data form of an index ({@link PdqIndex.serialize}): only numbers, arrays and typed
 * arrays, so it survives `postMessage`/structured clone. Its typed arrays are the index's own
 * (no copy): transfer them with {@link transferListOf} or share them via `SharedArrayBuffer`.
 */
export interface SerializedPdqIndex {
  readonly format: 'hashline.pdq-index';
  /** 2: suffix bits in the layout and table entries, `sortedIds` null when `ids` ascend. */
  readonly version: 2;
  readonly ids: Uint32Array;
  readonly hashes: Uint32Array;
  readonly layout: MihLayout | null;
  readonly tableOffsets: readonly Uint32Array[];
  /** Per table: `position << suffixBits | low suffixBits of the substring`, grouped by bucket. */
  readonly tablePositions: readonly Uint32Array[];
  /** The ids in ascending order for {@link PdqIndex.hasId}; null when `ids` already ascend. */
  readonly sortedIds: Uint32Array | null;
}

/** Allocates a Uint32Array on a SharedArrayBuffer or a plain ArrayBuffer. */
export function allocUint32(length: number, shared: boolean): Uint32Array {
  if (!shared) return new Uint32Array(length);
  if (typeof SharedArrayBuffer !== 'function') {
    throw new MatcherError(
      'MATCHER_SHARED_MEMORY_UNAVAILABLE',
      'SharedArrayBuffer is not available here (browsers need cross-origin isolation)',
    );
  }
  return new Uint32Array(new SharedArrayBuffer(length * 4));
}

/**
 * The buffers of a serialized index that `postMessage` may transfer (not the shared ones).
 * Transferring detaches them from the sender: only do it with an index the sender drops.
 */
export function transferListOf(serialized: SerializedPdqIndex): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const a of [
    serialized.ids,
    serialized.hashes,
    ...(serialized.sortedIds === null ? [] : [serialized.sortedIds]),
    ...serialized.tableOffsets,
    ...serialized.tablePositions,
  ]) {
    if (a.buffer instanceof ArrayBuffer) buffers.add(a.buffer);
  }
  return [...buffers];
}

interface Table {
  readonly start: number;
  readonly width: number;
  /** Low substring bits kept in the entries; the bucket key is the other `width − suffixBits`. */
  readonly suffixBits: number;
  /** `offsets[k] .. offsets[k + 1]` is the range of `positions` holding the entries of bucket k. */
  readonly offsets: Uint32Array;
  /**
   * Entries `position << suffixBits | suffix` (position: index into `ids`), grouped by bucket,
   * ascending within a bucket.
   */
  readonly positions: Uint32Array;
}

/** Bits set in each byte value: compares the suffix bits of a bucket entry with the query's. */
const POPCOUNT8 = /* @__PURE__ */ (() => {
  const t = new Uint8Array(256);
  for (let i = 1; i < 256; i++) t[i] = (i & 1) + t[i >>> 1]!;
  return t;
})();

/** Throws `MATCHER_INVALID_INPUT` unless `layout` is usable for an index of `n` entries. */
function checkLayout(layout: MihLayout, n: number): void {
  const { widths, starts, suffixBits } = layout;
  const m = widths.length;
  const ok =
    m >= 1 &&
    starts.length === m &&
    suffixBits.length === m &&
    widths.every((w, j) => {
      const k = suffixBits[j]!;
      const start = starts[j]!;
      return (
        Number.isInteger(w) &&
        Number.isInteger(k) &&
        Number.isInteger(start) &&
        k >= 0 &&
        k <= maxSuffixBits(n) &&
        w - k >= 1 &&
        w - k <= MAX_SUBSTRING_BITS &&
        w <= 32 &&
        start >= 0 &&
        start + w <= 256
      );
    });
  const order = widths.map((_, j) => j).sort((a, b) => starts[a]! - starts[b]!);
  const disjoint = order.every(
    (j, i) => i === 0 || starts[order[i - 1]!]! + widths[order[i - 1]!]! <= starts[j]!,
  );
  if (!ok || !disjoint) throw new MatcherError('MATCHER_INVALID_INPUT', 'invalid MIH layout');
}

/** True when `a` is non-decreasing (then it doubles as the sorted ids). */
function ascending(a: Uint32Array): boolean {
  for (let i = 1; i < a.length; i++) if (a[i - 1]! > a[i]!) return false;
  return true;
}

/**
 * An immutable exact radius-search index over packed 256-bit PDQ hashes.
 *
 * Entries are (id, hash) pairs: `ids[i]` is the caller's uint32 id of the hash in
 * `hashes[8i .. 8i + 8)` (see {@link packPdqHash}). Ids should be unique; if one repeats, a query
 * reports it once, at its smallest distance. Queries are exact: they return every entry within
 * the radius, whichever strategy answers them.
 *
 * Building is a pure function of the arrays, so it can run in a worker thread: post the arrays,
 * build there, post back {@link PdqIndex.serialize}'s result with {@link transferListOf}, and
 * rebuild the object with {@link PdqIndex.fromSerialized} (nothing is copied).
 */
export class PdqIndex {
  /** Number of entries. */
  readonly size: number;
  /** The caller's ids, by position. The index keeps (does not copy) the array it was given. */
  readonly ids: Uint32Array;
  /** Packed hashes, 8 words per entry, by position. Kept, not copied. */
  readonly hashes: Uint32Array;
  /** Substring layout when the strategy is MIH, else null. */
  readonly layout: MihLayout | null;
  private readonly tables: readonly Table[];
  // Ascending copy of the ids (made at build time, in the builder's thread) for membership tests,
  // or null when the ids ascend already (a bank loaded in id order, or a rebuild of one).
  private readonly sortedIds: Uint32Array | null;
  private readonly plans: (QueryPlan | undefined)[] = [];
  // Per-query scratch: an index object belongs to one thread and queries do not re-enter.
  private bounds = new Uint32Array(0);
  private candidates = new Uint32Array(1024);
  private touched = 0;

  private constructor(
    ids: Uint32Array,
    hashes: Uint32Array,
    layout: MihLayout | null,
    tables: Table[],
    sortedIds: Uint32Array | null,
  ) {
    if (
      hashes.length !== ids.length * PDQ_HASH_WORDS ||
      (sortedIds !== null && sortedIds.length !== ids.length)
    ) {
      throw new MatcherError('MATCHER_INVALID_INPUT', 'an index needs 8 hash words and one sorted id per id');
    }
    this.sortedIds = sortedIds;
    this.size = ids.length;
    this.ids = ids;
    this.hashes = hashes;
    this.layout = layout;
    this.tables = tables;
  }

  /** An index with no entries. */
  static empty(): PdqIndex {
    return new PdqIndex(new Uint32Array(0), new Uint32Array(0), null, [], null);
  }

  /**
   * Builds an index over `ids` and the packed `hashes` (8 words per id). The arrays are kept as
   * they are (not copied): do not modify them afterwards. Takes about 0.4 s per million entries
   * with MIH; the tables take 4·m bytes per hash of positions and at most 12 of offsets on top of
   * the hashes and ids (10M: m = 11, 91.7 bytes per hash in all; 100M: m = 9, 80.7), plus 4
   * bytes per hash for a sorted copy of the ids unless they ascend.
   */
  static build(ids: Uint32Array, hashes: Uint32Array, options: PdqIndexOptions = {}): PdqIndex {
    if (!(ids instanceof Uint32Array) || !(hashes instanceof Uint32Array)) {
      throw new MatcherError('MATCHER_INVALID_INPUT', 'ids and hashes must be Uint32Arrays');
    }
    if (hashes.length !== ids.length * PDQ_HASH_WORDS) {
      throw new MatcherError('MATCHER_INVALID_INPUT', 'hashes must hold exactly 8 words per id');
    }
    const n = ids.length;
    const strategy = options.strategy ?? 'auto';
    const designRadius = options.designRadius ?? 31;
    checkRadius(designRadius);
    const slotsPerEntry = options.slotsPerEntry ?? 3;
    let layout: MihLayout | null = null;
    if (options.layout !== undefined) {
      checkLayout(options.layout, n);
      if (strategy !== 'scan') layout = options.layout;
    } else if (options.substrings !== undefined) {
      const m = options.substrings;
      if (!Number.isInteger(m) || m < 8 || m > 32) {
        throw new MatcherError('MATCHER_INVALID_INPUT', 'substrings must be an integer from 8 to 32');
      }
      if (strategy !== 'scan') layout = chooseLayout(n, designRadius, slotsPerEntry, { onlySubstrings: m });
    } else if (strategy === 'mih' || (strategy === 'auto' && n >= (options.scanBelow ?? 4096))) {
      const choice = { maxSubstrings: options.maxSubstrings };
      layout = chooseLayout(n, designRadius, slotsPerEntry, choice);
      if (layout === null && strategy === 'mih')
        layout = chooseLayout(n, designRadius, slotsPerEntry, { onlySubstrings: 16 });
    }
    const shared = options.shared ?? false;
    let sortedIds: Uint32Array | null = null;
    if (!ascending(ids)) {
      sortedIds = allocUint32(n, shared);
      sortedIds.set(ids);
      sortedIds.sort();
    }
    if (layout === null) return new PdqIndex(ids, hashes, null, [], sortedIds);
    const tables: Table[] = [];
    const scratch = {
      keys: new Uint32Array(n),
      partKeys: new Uint32Array(n),
      partPositions: new Uint32Array(n),
    };
    for (let j = 0; j < layout.widths.length; j++) {
      tables.push(
        buildTable(hashes, n, layout.starts[j]!, layout.widths[j]!, layout.suffixBits[j]!, shared, scratch),
      );
    }
    return new PdqIndex(ids, hashes, layout, tables, sortedIds);
  }

  /** Rebuilds an index object around the arrays of {@link PdqIndex.serialize} (no copy). */
  static fromSerialized(s: SerializedPdqIndex): PdqIndex {
    if (s?.format !== 'hashline.pdq-index' || s.version !== 2) {
      throw new MatcherError('MATCHER_INVALID_INPUT', 'not a serialized PdqIndex (format 2)');
    }
    const tables: Table[] = [];
    if (s.layout !== null) {
      const m = s.layout.widths.length;
      if (
        s.layout.starts.length !== m ||
        s.layout.suffixBits?.length !== m ||
        s.tableOffsets.length !== m ||
        s.tablePositions.length !== m
      ) {
        throw new MatcherError('MATCHER_INVALID_INPUT', 'serialized PdqIndex has inconsistent tables');
      }
      for (let j = 0; j < m; j++) {
        const width = s.layout.widths[j]!;
        const suffixBits = s.layout.suffixBits[j]!;
        const slots = 2 ** bucketBits(s.layout, j);
        const offsets = s.tableOffsets[j]!;
        const positions = s.tablePositions[j]!;
        if (
          !(suffixBits >= 0 && suffixBits <= maxSuffixBits(s.ids.length)) ||
          offsets.length !== slots + 1 ||
          positions.length !== s.ids.length ||
          offsets[slots] !== s.ids.length
        ) {
          throw new MatcherError('MATCHER_INVALID_INPUT', 'serialized PdqIndex has inconsistent tables');
        }
        tables.push({ start: s.layout.starts[j]!, width, suffixBits, offsets, positions });
      }
    }
    return new PdqIndex(s.ids, s.hashes, s.layout, tables, s.sortedIds);
  }

  /** The plain-data form of this index, sharing its arrays (see {@link SerializedPdqIndex}). */
  serialize(): SerializedPdqIndex {
    return {
      format: 'hashline.pdq-index',
      version: 2,
      ids: this.ids,
      hashes: this.hashes,
      layout: this.layout,
      tableOffsets: this.tables.map((t) => t.offsets),
      tablePositions: this.tables.map((t) => t.positions),
      sortedIds: this.sortedIds,
    };
  }

  /** Whether some entry has this id (binary search, O(log N)). */
  hasId(id: number): boolean {
    const a = this.sortedIds ?? this.ids;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((a[mid] as number) < id) lo = mid + 1;
      else hi = mid;
    }
    return lo < a.length && a[lo] === id;
  }

  /** How queries at the design radius are answered. */
  get strategy(): IndexStrategy {
    return this.layout === null ? 'scan' : 'mih';
  }

  /** Bytes held by the index's typed arrays (ids, hashes, sorted ids if any, and tables). */
  get byteLength(): number {
    let bytes = this.ids.byteLength + this.hashes.byteLength + (this.sortedIds?.byteLength ?? 0);
    for (const t of this.tables) bytes += t.offsets.byteLength + t.positions.byteLength;
    return bytes;
  }

  /**
   * Every entry within `radius` (0..64) of `hash`, one per id, sorted by distance then id.
   * Throws `MATCHER_INVALID_HASH` / `MATCHER_INVALID_RADIUS` on bad input.
   */
  query(hash: PdqHashInput, radius: number, options: QueryOptions = {}): PdqMatch[] {
    checkRadius(radius);
    const q = pdqHashToWords(hash);
    const collector = new MatchCollector();
    this.search(q, 0, radius, options.filter, collector);
    return collector.result();
  }

  /**
   * Queries several hashes at once (e.g. the dihedral variants of an image): one match per id at
   * its smallest distance over all of them, with the index of the query that reached it.
   */
  queryMany(hashes: readonly PdqHashInput[], radius: number, options: QueryOptions = {}): PdqVariantMatch[] {
    checkRadius(radius);
    const words = hashes.map(pdqHashToWords);
    return mergeVariants(
      words.map((q) => {
        const collector = new MatchCollector();
        this.search(q, 0, radius, options.filter, collector);
        return collector.result();
      }),
    );
  }

  /**
   * Low-level search for callers that merge several sources ({@link LiveIndex}): reports each hit
   * (possibly repeated) to `collector`. `q[qo..qo+8)` is a packed hash; `radius` is trusted.
   */
  search(
    q: Uint32Array,
    qo: number,
    radius: number,
    filter: ((id: number) => boolean) | undefined,
    collector: MatchCollector,
  ): void {
    if (this.size === 0) return;
    const ids = this.ids;
    const found = (position: number, distance: number): void => {
      const id = ids[position]!;
      if (filter === undefined || filter(id)) collector.add(id, distance);
    };
    if (this.layout === null) {
      scanWords(this.hashes, this.size, q, qo, radius, found);
      return;
    }
    let plan = this.plans[radius];
    if (plan === undefined) this.plans[radius] = plan = planQuery(this.layout, this.size, radius);
    if (plan.scan) {
      scanWords(this.hashes, this.size, q, qo, radius, found);
      return;
    }
    this.searchMih(plan, q, qo, radius, found);
  }

  /**
   * Probes in phases (all bucket bounds of a table, then all candidates, then the verification)
   * rather than entry by entry: the loads of a phase do not depend on each other, so the CPU
   * overlaps their cache misses. Measured ~1.7× faster than the nested loop at 10M entries.
   * Candidates found through several substrings are verified once per sighting; the collector
   * keeps one result per id.
   */
  private searchMih(
    plan: QueryPlan,
    q: Uint32Array,
    qo: number,
    radius: number,
    found: (position: number, distance: number) => void,
  ): void {
    let nc = 0;
    let cands = this.candidates;
    for (let j = 0; j < this.tables.length; j++) {
      const rj = plan.radii[j]!;
      if (rj < 0) continue;
      const { start, width, suffixBits, offsets, positions } = this.tables[j]!;
      const bits = width - suffixBits;
      const masks = flipMasks(bits, rj);
      const count = masks.length;
      if (this.bounds.length < 2 * count) this.bounds = new Uint32Array(2 * count);
      const bounds = this.bounds;
      const key = substringKey(q, qo, start, width);
      const bucket = key >>> suffixBits;
      const suffixMask = (1 << suffixBits) - 1;
      const suffix = key & suffixMask;
      for (let t = 0; t < count; t++) {
        const k = bucket ^ (masks[t] as number);
        bounds[2 * t] = offsets[k] as number;
        bounds[2 * t + 1] = offsets[k + 1] as number;
      }
      // Touch the first entry of every non-empty bucket before reading them: this tight loop keeps
      // many cache misses in flight, which the filtering loop below would serialise.
      let touched = this.touched;
      for (let t = 0; t < count; t++) {
        const from = bounds[2 * t] as number;
        if (from < (bounds[2 * t + 1] as number)) touched ^= positions[from] as number;
      }
      this.touched = touched;
      // Masks come lowest popcount first: a bucket whose key differs from the query's in `level`
      // bits leaves `rj − level` for the suffix bits kept in its entries.
      let t = 0;
      for (let level = 0; level <= rj && t < count; level++) {
        const end = Math.min(count, ballSize(bits, level));
        const slack = rj - level;
        for (; t < end; t++) {
          let from = bounds[2 * t] as number;
          const to = bounds[2 * t + 1] as number;
          if (nc + (to - from) > cands.length) {
            const grown = new Uint32Array(Math.max(2 * cands.length, nc + (to - from)));
            grown.set(cands.subarray(0, nc));
            this.candidates = cands = grown;
          }
          if (slack >= suffixBits) {
            for (; from < to; from++) cands[nc++] = (positions[from] as number) >>> suffixBits;
          } else {
            // Branch-free: the store always happens, the count advances only for a kept entry.
            for (; from < to; from++) {
              const e = positions[from] as number;
              cands[nc] = e >>> suffixBits;
              nc += ((slack - (POPCOUNT8[(e ^ suffix) & suffixMask] as number)) >>> 31) ^ 1;
            }
          }
        }
      }
    }
    const h = this.hashes;
    // Touch every candidate's hash first: this tight loop keeps dozens of cache misses in flight,
    // so the verification below reads from cache (~1.3× faster at 10M entries).
    let touched = 0;
    for (let i = 0; i < nc; i++) touched ^= h[(cands[i] as number) * PDQ_HASH_WORDS] as number;
    this.touched = touched; // kept so the loads cannot be optimised away
    const q0 = q[qo] as number;
    const q1 = q[qo + 1] as number;
    const q2 = q[qo + 2] as number;
    const q3 = q[qo + 3] as number;
    const q4 = q[qo + 4] as number;
    const q5 = q[qo + 5] as number;
    const q6 = q[qo + 6] as number;
    const q7 = q[qo + 7] as number;
    for (let i = 0; i < nc; i++) {
      const p = cands[i] as number;
      const w = p * PDQ_HASH_WORDS;
      let d = foldBytes(
        byteCounts((h[w] as number) ^ q0) +
          byteCounts((h[w + 1] as number) ^ q1) +
          byteCounts((h[w + 2] as number) ^ q2) +
          byteCounts((h[w + 3] as number) ^ q3),
      );
      if (d > radius) continue;
      d += foldBytes(
        byteCounts((h[w + 4] as number) ^ q4) +
          byteCounts((h[w + 5] as number) ^ q5) +
          byteCounts((h[w + 6] as number) ^ q6) +
          byteCounts((h[w + 7] as number) ^ q7),
      );
      if (d <= radius) found(p, d);
    }
  }
}

/**
 * One direct-indexed CSR table: a counting sort of the entries by substring key. The entries are
 * first partitioned by the top 8 key bits (256 sequential write streams), so the counting and the
 * scatter then touch one 1/256 slice of the offsets and positions at a time, which stays in cache:
 * 2× less CPU at 10M entries than a counting sort straight over the 64 MB offset table.
 */
function buildTable(
  hashes: Uint32Array,
  n: number,
  start: number,
  width: number,
  suffixBits: number,
  shared: boolean,
  scratch: { keys: Uint32Array; partKeys: Uint32Array; partPositions: Uint32Array },
): Table {
  const { keys, partKeys, partPositions } = scratch;
  const bits = width - suffixBits;
  const slots = 2 ** bits;
  const shift = Math.max(0, bits - 8);
  const suffixMask = (1 << suffixBits) - 1;
  const cursor = new Uint32Array(257);
  for (let i = 0, w = 0; i < n; i++, w += PDQ_HASH_WORDS) {
    const k = substringKey(hashes, w, start, width);
    keys[i] = k;
    cursor[((k >>> suffixBits) >>> shift) + 1]!++;
  }
  for (let b = 1; b <= 256; b++) cursor[b]! += cursor[b - 1]!;
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    const bucket = k >>> suffixBits;
    const p = cursor[bucket >>> shift]!++;
    partKeys[p] = bucket;
    // maxSuffixBits guarantees the position fits in the remaining bits.
    partPositions[p] = (i * (suffixMask + 1) + (k & suffixMask)) >>> 0;
  }
  const offsets = allocUint32(slots + 1, shared);
  for (let x = 0; x < n; x++) offsets[partKeys[x]!]!++;
  // After the prefix sum offsets[k] is the end of bucket k; filling from the last entry down
  // moves it back to the start. Within a partition entries are in ascending position, so each
  // bucket lists its positions in ascending order.
  for (let k = 1; k < slots; k++) offsets[k]! += offsets[k - 1]!;
  offsets[slots] = n;
  const positions = allocUint32(n, shared);
  for (let x = n - 1; x >= 0; x--) positions[--offsets[partKeys[x]!]!] = partPositions[x]!;
  return { start, width, suffixBits, offsets, positions };
}
