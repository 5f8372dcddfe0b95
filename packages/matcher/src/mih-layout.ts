/**
 * Multi-index hashing (Norouzi, Punjani and Fleet, "Fast exact search in Hamming space with
 * multi-index hashing"): the 256 bits are cut into m substrings, each indexed by a direct table.
 * Generalised pigeonhole: if substring j is searched within radius r_j and Σ (r_j + 1) ≥ r + 1,
 * every hash within r of the query is within r_j of it on some substring j, so probing each
 * table with all keys within r_j finds a superset of the answer, which is then verified exactly.
 */

/** Bit layout of the substrings: substring j covers bits `starts[j] .. starts[j] + widths[j]`. */
export interface MihLayout {
  readonly widths: readonly number[];
  readonly starts: readonly number[];
}

/** What a query at one radius will do: scan everything, or probe these tables at these radii. */
export interface QueryPlan {
  readonly scan: boolean;
  /** Per table: its search radius (−1 = not probed). */
  readonly radii: readonly number[];
  /** Expected probes and candidates (uniform hashes); used to pick between probing and scanning. */
  readonly probes: number;
  readonly candidates: number;
}

/**
 * Relative costs in nanoseconds, measured on the development machine (see bench/match.bench.mjs
 * and docs/SCALE.md): a probe costs one or two cache misses (offset table, position list), a
 * candidate one miss into the hash array plus the popcount, a scanned hash a sequential read.
 * Only their ratios matter: they choose m and choose between probing and scanning.
 */
export const COST_NS = { probe: 30, candidate: 90, scanned: 8 } as const;

/** Widest substring: a direct offset table of 2^28 slots is already 1 GiB. */
export const MAX_SUBSTRING_BITS = 28;

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

/** Splits 256 bits into `m` contiguous substrings whose widths differ by at most one. */
export function evenLayout(m: number): MihLayout {
  const base = Math.floor(256 / m);
  const extra = 256 - base * m;
  const widths: number[] = [];
  const starts: number[] = [];
  let start = 0;
  for (let j = 0; j < m; j++) {
    const w = Math.min(base + (j < extra ? 1 : 0), MAX_SUBSTRING_BITS);
    widths.push(w);
    starts.push(start);
    start += base + (j < extra ? 1 : 0);
  }
  return { widths, starts };
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
  let candidates = 0;
  for (let j = 0; j < m; j++) {
    const rj = radii[j]!;
    if (rj < 0) continue;
    const n = ballSize(layout.widths[j]!, rj);
    probes += n;
    candidates += (n * entries) / 2 ** layout.widths[j]!;
  }
  const mihCost = probes * COST_NS.probe + candidates * COST_NS.candidate;
  return { scan: mihCost >= entries * COST_NS.scanned, radii, probes, candidates };
}

/** Expected nanoseconds of a query under `plan` over `entries` hashes. */
export function planCost(plan: QueryPlan, entries: number): number {
  return plan.scan
    ? entries * COST_NS.scanned
    : plan.probes * COST_NS.probe + plan.candidates * COST_NS.candidate;
}

/** Offset-table slots of a layout (Σ 2^w_j + 1). */
export function layoutSlots(layout: MihLayout): number {
  let slots = 0;
  for (const w of layout.widths) slots += 2 ** w + 1;
  return slots;
}

/**
 * Chooses m for `entries` hashes: the cheapest expected query at `designRadius` among layouts
 * whose offset tables hold at most `slotsPerEntry` slots per indexed entry (Σ 2^w ≤ k·m·N), which
 * keeps the tables no bigger than the position lists. With uniform hashes this lands on
 * substrings of about log2 N bits (m = 13 at 1M, 11 at 10M), as the MIH paper predicts.
 * Returns null when no layout beats a linear scan.
 */
export function chooseLayout(entries: number, designRadius: number, slotsPerEntry: number): MihLayout | null {
  let best: MihLayout | null = null;
  let bestCost = entries * COST_NS.scanned;
  for (let m = 10; m <= 32; m++) {
    const layout = evenLayout(m);
    if (layoutSlots(layout) > slotsPerEntry * m * Math.max(entries, 1)) continue;
    const plan = planQuery(layout, entries, designRadius);
    const cost = planCost(plan, entries);
    if (cost < bestCost) {
      best = layout;
      bestCost = cost;
    }
  }
  return best;
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
