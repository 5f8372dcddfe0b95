/**
 * Multi-index hashing (Norouzi, Punjani and Fleet, "Fast exact search in Hamming space with
 * multi-index hashing"): the 256 bits are cut into m substrings, each indexed by a direct table.
 * Generalised pigeonhole: if substring j is searched within radius r_j and Σ (r_j + 1) ≥ r + 1,
 * every hash within r of the query is within r_j of it on some substring j, so probing each
 * table with all keys within r_j finds a superset of the answer, which is then verified exactly.
 */

/**
 * Bit layout of the substrings: substring j covers bits `starts[j] .. starts[j] + widths[j]`.
 * Its table is indexed by the top `widths[j] − suffixBits[j]` bits of the substring (the bucket
 * key); the low `suffixBits[j]` bits are kept in each table entry, next to the entry's position,
 * and compared while a bucket is read. A wide substring thus costs a small offset table.
 */
export interface MihLayout {
  readonly widths: readonly number[];
  readonly starts: readonly number[];
  readonly suffixBits: readonly number[];
}

/** What a query at one radius will do: scan everything, or probe these tables at these radii. */
export interface QueryPlan {
  readonly scan: boolean;
  /** Per table: its search radius (−1 = not probed). */
  readonly radii: readonly number[];
  /**
   * Expected buckets probed, bucket entries read and candidates verified (uniform hashes); used
   * to pick the layout and to pick between probing and scanning.
   */
  readonly probes: number;
  readonly entries: number;
  readonly candidates: number;
}

/**
 * Relative costs in nanoseconds, fitted to layouts measured at 10M and 100M entries on the
 * development machine (docs/adr/0009): a probe costs a miss in an offset table (small with
 * suffix bits, so often cached) and the start of its bucket, a bucket entry a sequential read and
 * a suffix compare (buckets span cache lines), a candidate a miss into the hash array (the
 * largest array: at 100M every candidate is also a TLB miss), a scanned hash a sequential read.
 * Only their ratios matter: they choose the layout and choose between probing and scanning.
 */
export const COST_NS = { probe: 50, entry: 15, candidate: 150, scanned: 8 } as const;

/** Widest bucket key: a direct offset table of 2^28 slots is already 1 GiB. */
export const MAX_SUBSTRING_BITS = 28;

/** Most substring bits kept in a table entry (compared through a 256-entry popcount table). */
export const MAX_SUFFIX_BITS = 8;

/** Bits needed to store the positions 0 .. entries − 1. */
export function positionBits(entries: number): number {
  return entries <= 1 ? 0 : 32 - Math.clz32(entries - 1);
}

/** Most suffix bits that fit beside a position in a 32-bit table entry for `entries` entries. */
export function maxSuffixBits(entries: number): number {
  return Math.max(0, Math.min(MAX_SUFFIX_BITS, 32 - positionBits(entries)));
}

const BINOMIAL: number[][] = [];
for (let n = 0; n <= 64; n++) {
  const row: number[] = [];
  for (let k = 0; k <= n; k++)
    row.push(k === 0 || k === n ? 1 : BINOMIAL[n - 1]![k - 1]! + BINOMIAL[n - 1]![k]!);
  BINOMIAL.push(row);
}

/** Number of keys within Hamming radius `r` of a `bits`-bit key (the probes of one table). */
export function ballSize(bits: number, r: number): number {
  let total = 0;
  for (let k = 0; k <= Math.min(r, bits); k++) total += BINOMIAL[bits]![k]!;
  return total;
}

/**
 * Splits 256 bits into `m` contiguous substrings whose widths differ by at most one, each keeping
 * `suffixBits` of its bits in the table entries. A substring whose bucket key would exceed
 * {@link MAX_SUBSTRING_BITS} indexes only its first bits: still exact (a substring's distance
 * bounds that of any part of it), only less selective.
 */
export function evenLayout(m: number, suffixBits = 0): MihLayout {
  const base = Math.floor(256 / m);
  const extra = 256 - base * m;
  const widths: number[] = [];
  const starts: number[] = [];
  const suffixes: number[] = [];
  let start = 0;
  for (let j = 0; j < m; j++) {
    const full = base + (j < extra ? 1 : 0);
    const k = Math.min(suffixBits, full - 1);
    widths.push(Math.min(full, MAX_SUBSTRING_BITS + k, 32));
    starts.push(start);
    suffixes.push(k);
    start += full;
  }
  return { widths, starts, suffixBits: suffixes };
}

/** Bucket-key bits of table j (the offset table has 2^bits + 1 slots). */
export function bucketBits(layout: MihLayout, j: number): number {
  return layout.widths[j]! - layout.suffixBits[j]!;
}

/**
 * Refined pigeonhole for radius r with m tables: r = s·m + a gives a + 1 tables radius s and the
 * rest s − 1 (so Σ (r_j + 1) = r + 1). The wider tables get the larger radius: their buckets
 * are sparser, so they yield fewer candidates per probe.
 */
export function planQuery(layout: MihLayout, entries: number, radius: number): QueryPlan {
  const m = layout.widths.length;
  const s = Math.floor(radius / m);
  const a = radius - s * m;
  const order = layout.widths.map((_, j) => j).sort((x, y) => layout.widths[y]! - layout.widths[x]! || x - y);
  const radii = new Array<number>(m).fill(s - 1);
  for (let i = 0; i <= a; i++) radii[order[i]!] = s;
  let probes = 0;
  let read = 0;
  let candidates = 0;
  for (let j = 0; j < m; j++) {
    const rj = radii[j]!;
    if (rj < 0) continue;
    const b = bucketBits(layout, j);
    const n = ballSize(b, rj);
    probes += n;
    read += (n * entries) / 2 ** b;
    candidates += (ballSize(layout.widths[j]!, rj) * entries) / 2 ** layout.widths[j]!;
  }
  const plan = { scan: false, radii, probes, entries: read, candidates };
  return { ...plan, scan: mihCost(plan) >= entries * COST_NS.scanned };
}

function mihCost(plan: QueryPlan): number {
  return plan.probes * COST_NS.probe + plan.entries * COST_NS.entry + plan.candidates * COST_NS.candidate;
}

/** Expected nanoseconds of a query under `plan` over `entries` hashes. */
export function planCost(plan: QueryPlan, entries: number): number {
  return plan.scan ? entries * COST_NS.scanned : mihCost(plan);
}

/** Offset-table slots of a layout (Σ 2^b_j + 1 over the bucket-key bits b_j). */
export function layoutSlots(layout: MihLayout): number {
  let slots = 0;
  for (let j = 0; j < layout.widths.length; j++) slots += 2 ** bucketBits(layout, j) + 1;
  return slots;
}

/**
 * Chooses the substring count m and the suffix bits for `entries` hashes: the cheapest expected
 * query at `designRadius` among layouts whose offset tables hold at most `slotsPerEntry` slots
 * per indexed entry in all (Σ 2^b ≤ k·N, i.e. ≤ 4k bytes per hash), and no more tables than
 * `maxSubstrings` (each costs 4 bytes per hash of positions). With uniform hashes this lands on
 * substrings of about log2 N bits, as the MIH paper predicts, with buckets of a few entries.
 * Returns null when no layout beats a linear scan. `onlySubstrings` fixes m (then a layout is
 * returned even if a scan would be cheaper, and the slot bound is relaxed if nothing meets it).
 */
export function chooseLayout(
  entries: number,
  designRadius: number,
  slotsPerEntry: number,
  options: { readonly maxSubstrings?: number; readonly onlySubstrings?: number } = {},
): MihLayout | null {
  const n = Math.max(entries, 1);
  const kMax = maxSuffixBits(n);
  const fixed = options.onlySubstrings;
  let best: MihLayout | null = null;
  let bestCost = fixed === undefined ? entries * COST_NS.scanned : Infinity;
  let smallest: MihLayout | null = null;
  const from = fixed ?? 8;
  const to = fixed ?? Math.min(32, options.maxSubstrings ?? 32);
  for (let m = from; m <= to; m++) {
    for (let k = 0; k <= kMax; k++) {
      const layout = evenLayout(m, k);
      if (smallest === null || layoutSlots(layout) < layoutSlots(smallest)) smallest = layout;
      if (layoutSlots(layout) > slotsPerEntry * n) continue;
      const cost = planCost(planQuery(layout, entries, designRadius), entries);
      if (cost < bestCost) {
        best = layout;
        bestCost = cost;
      }
    }
  }
  return best ?? (fixed === undefined ? null : smallest);
}

const masksCache = new Map<number, Uint32Array>();

/**
 * All `bits`-bit masks of popcount ≤ r, lowest popcount first: XOR-ing them into a key lists
 * the ball of radius r around it. Cached per (bits, r); shared by every index in the realm.
 */
export function flipMasks(bits: number, r: number): Uint32Array {
  const key = bits * 128 + r;
  let masks = masksCache.get(key);
  if (masks) return masks;
  masks = new Uint32Array(ballSize(bits, r));
  let n = 0;
  masks[n++] = 0;
  // Masks of popcount t are generated by extending each mask of popcount t − 1 with a bit above
  // its highest set bit, so each appears exactly once.
  let levelStart = 0;
  let levelEnd = 1;
  for (let t = 1; t <= Math.min(r, bits); t++) {
    for (let i = levelStart; i < levelEnd; i++) {
      const m = masks[i] as number;
      const from = m === 0 ? 0 : 32 - Math.clz32(m);
      for (let b = from; b < bits; b++) masks[n++] = (m | (1 << b)) >>> 0;
    }
    levelStart = levelEnd;
    levelEnd = n;
  }
  masksCache.set(key, masks);
  return masks;
}

/** The `width`-bit key of the packed hash at `words[offset..)` for the substring at `start`. */
export function substringKey(words: Uint32Array, offset: number, start: number, width: number): number {
  const wi = start >>> 5;
  const shift = start & 31;
  let v = (words[offset + wi] as number) >>> shift;
  if (shift + width > 32) v |= (words[offset + wi + 1] as number) << (32 - shift);
  return width === 32 ? v >>> 0 : (v & ((1 << width) - 1)) >>> 0;
}
