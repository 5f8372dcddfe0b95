// Test helpers: a seeded generator of hashes and a brute-force oracle written independently of
// the package (bytes and a per-byte popcount table, not the packed words of the implementation).

const POPCOUNT = new Uint8Array(256).map((_, i) => {
  let c = 0;
  for (let x = i; x; x >>= 1) c += x & 1;
  return c;
});

/** Lower-case hex of bytes (no Buffer: these tests stay runnable in a browser). */
export function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Hamming distance between two 32-byte hashes. */
export function distance(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < 32; i++) d += POPCOUNT[a[i]! ^ b[i]!]!;
  return d;
}

/** Brute-force answer: one match per id at its smallest distance, sorted by distance then id. */
export function bruteForce(
  entries: ReadonlyArray<readonly [number, Uint8Array]>,
  query: Uint8Array,
  radius: number,
): { id: number; distance: number }[] {
  const best = new Map<number, number>();
  for (const [id, hash] of entries) {
    const d = distance(hash, query);
    if (d <= radius && (best.get(id) ?? Infinity) > d) best.set(id, d);
  }
  return [...best]
    .map(([id, d]) => ({ id, distance: d }))
    .sort((x, y) => x.distance - y.distance || x.id - y.id);
}

/** Brute-force answer over several query hashes (lowest variant index wins ties). */
export function bruteForceMany(
  entries: ReadonlyArray<readonly [number, Uint8Array]>,
  queries: readonly Uint8Array[],
  radius: number,
): { id: number; distance: number; variant: number }[] {
  const best = new Map<number, { id: number; distance: number; variant: number }>();
  queries.forEach((q, variant) => {
    for (const m of bruteForce(entries, q, radius)) {
      const prev = best.get(m.id);
      if (!prev || m.distance < prev.distance) best.set(m.id, { ...m, variant });
    }
  });
  return [...best.values()].sort((x, y) => x.distance - y.distance || x.id - y.id);
}

/** A small seeded PRNG (xorshift32) so generated banks are reproducible from a fast-check seed. */
export function rng(seed: number): () => number {
  let s = seed | 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/** A random 32-byte hash. */
export function randomHash(next: () => number): Uint8Array {
  const h = new Uint8Array(32);
  for (let i = 0; i < 32; i++) h[i] = next() & 0xff;
  return h;
}

/** A copy of `hash` with exactly `d` distinct bits flipped. */
export function flipBits(hash: Uint8Array, d: number, next: () => number): Uint8Array {
  const out = hash.slice();
  const bits = new Set<number>();
  while (bits.size < d) bits.add(next() % 256);
  for (const b of bits) out[b >> 3]! ^= 1 << (b & 7);
  return out;
}

/** Packs entries the way the package expects (little-endian words, 8 per hash). */
export function pack(entries: ReadonlyArray<readonly [number, Uint8Array]>): {
  ids: Uint32Array;
  hashes: Uint32Array;
} {
  const ids = Uint32Array.from(entries.map(([id]) => id));
  const hashes = new Uint32Array(entries.length * 8);
  entries.forEach(([, h], i) => {
    for (let k = 0; k < 8; k++) {
      hashes[i * 8 + k] =
        (h[4 * k]! | (h[4 * k + 1]! << 8) | (h[4 * k + 2]! << 16) | (h[4 * k + 3]! << 24)) >>> 0;
    }
  });
  return { ids, hashes };
}

/** The eight "dihedral-like" query variants used in tests: unrelated hashes plus one near copy. */
export function variantsOf(target: Uint8Array, d: number, count: number, next: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(randomHash(next));
  out[next() % count] = flipBits(target, d, next);
  return out;
}

/**
 * A bank of `size` random hashes in which, for each centre, near-duplicates are planted at every
 * distance 0..33 (so each radius 0..31 has matches exactly at its boundary and just beyond).
 */
export function plantedBank(
  next: () => number,
  size: number,
  centres: number,
): { entries: [number, Uint8Array][]; centres: Uint8Array[] } {
  const entries: [number, Uint8Array][] = [];
  const cs: Uint8Array[] = [];
  let id = 0;
  for (let c = 0; c < centres; c++) {
    const centre = randomHash(next);
    cs.push(centre);
    for (let d = 0; d <= 33; d++) entries.push([id++, flipBits(centre, d, next)]);
  }
  while (entries.length < size) entries.push([id++, randomHash(next)]);
  // Shuffle so planted entries are not contiguous positions.
  for (let i = entries.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return { entries, centres: cs };
}
