import { hammingDistance, fromHex, toHex } from '@hashline/pdq';
import { BankService, MatchEngine, MatchService, type HashlineStore } from '@hashline/domain';
import { createMemoryStore } from '@hashline/domain/testing';

/** A random PDQ hash (never degenerate), from a seeded generator so failures reproduce. */
export function randomPdq(next: () => number): string {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Math.floor(next() * 256);
  bytes[0]! |= 1;
  bytes[1]! &= 0xfe;
  return toHex(bytes);
}

/** The same hash with `bits` distinct bits flipped. */
export function flipBits(hex: string, bits: number, next: () => number): string {
  const bytes = fromHex(hex);
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(Math.floor(next() * 256));
  for (const bit of chosen) bytes[bit >> 3]! ^= 1 << (bit & 7);
  const out = toHex(bytes);
  if (hammingDistance(fromHex(out), fromHex(hex)) !== bits) throw new Error('flipBits is broken');
  return out;
}

/** A small deterministic PRNG (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A memory store with an engine and both services, loaded and ready. */
export async function setup(store: HashlineStore = createMemoryStore()) {
  const engine = new MatchEngine(store);
  await engine.load();
  return { store, engine, banks: new BankService(store, engine), matches: new MatchService(engine, store) };
}
