// Deterministic random PDQ-like hashes for the matcher benchmarks: a seeded xorshift32 generator
// and near-duplicates made by flipping bits of hashes stored as eight 32-bit words.

/** A seeded xorshift32 generator: each call returns the next uint32 (the same seed, the same run). */
export function rng(seed) {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/** Flips `d` distinct random bits of the 8 words at words[o..]. */
export function flip(words, o, d, next) {
  const used = new Set();
  while (used.size < d) used.add(next() & 255);
  for (const b of used) words[o + (b >>> 5)] ^= 1 << (b & 31);
}
