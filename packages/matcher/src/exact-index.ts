import { bytesToHex, checkId, toDigestBytes } from './hash-words.js';
import { MatcherError } from './matcher-error.js';

/** Cryptographic hash algorithms an {@link ExactIndex} can hold. */
export type ExactAlgorithm = 'md5' | 'sha1' | 'sha256';

/** Digest length in bytes per algorithm. */
export const DIGEST_BYTES: Readonly<Record<ExactAlgorithm, number>> = { md5: 16, sha1: 20, sha256: 32 };

function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Exact lookup of cryptographic digests (MD5, SHA-1, SHA-256): digest → ids, with add and
 * remove by id. Each id has one digest (adding an id again replaces it); several ids may share a
 * digest. Stored in typed arrays with two open-addressing tables (by digest, by id), about
 * 40–60 bytes per entry, so 10M entries fit in well under 1 GB.
 */
export class ExactIndex {
  /** The algorithm whose digests this index holds. */
  readonly algorithm: ExactAlgorithm;
  /** Digest length in bytes. */
  readonly digestBytes: number;
  private readonly wordsPer: number;
  private digests: Uint32Array;
  private entryIds: Uint32Array;
  private readonly freeEntries: number[] = [];
  private highWater = 0;
  private count = 0;
  // Slots hold entry + 1 (0 = empty). Load factor ≤ 1/2, linear probing, backward-shift delete.
  private byDigest: Int32Array;
  private byId: Int32Array;
  private readonly scratch: Uint32Array;

  /** @param capacity expected number of entries (the tables grow past it) */
  constructor(algorithm: ExactAlgorithm, capacity = 1024) {
    if (!(algorithm in DIGEST_BYTES)) {
      throw new MatcherError('MATCHER_INVALID_INPUT', 'algorithm must be md5, sha1 or sha256');
    }
    this.algorithm = algorithm;
    this.digestBytes = DIGEST_BYTES[algorithm];
    this.wordsPer = this.digestBytes / 4;
    const cap = Math.max(16, Math.ceil(capacity));
    this.digests = new Uint32Array(cap * this.wordsPer);
    this.entryIds = new Uint32Array(cap);
    const slots = 2 ** Math.ceil(Math.log2(cap * 2));
    this.byDigest = new Int32Array(slots);
    this.byId = new Int32Array(slots);
    this.scratch = new Uint32Array(this.wordsPer);
  }

  /** Number of entries. */
  get size(): number {
    return this.count;
  }

  /**
   * Sets the digest of `id` (hex, either case, or bytes), replacing any previous one.
   * Throws `MATCHER_INVALID_HASH` if the digest has the wrong length for the algorithm.
   */
  add(id: number, digest: string | Uint8Array): void {
    checkId(id);
    const q = this.pack(digest);
    const existing = this.findId(id);
    if (existing >= 0) {
      const e = this.byId[existing]! - 1;
      if (this.digestEquals(e, q)) return;
      this.removeEntry(e, existing);
    }
    if (2 * (this.count + 1) > this.byId.length) this.rehash(this.byId.length * 2);
    let e: number;
    if (this.freeEntries.length > 0) e = this.freeEntries.pop()!;
    else {
      if (this.highWater === this.entryIds.length) this.growEntries();
      e = this.highWater++;
    }
    this.digests.set(q, e * this.wordsPer);
    this.entryIds[e] = id;
    this.insert(this.byDigest, this.digestHome(e), e);
    this.insert(this.byId, mix32(id), e);
    this.count++;
  }

  /** Removes `id`; returns whether it was present. */
  remove(id: number): boolean {
    checkId(id);
    const slot = this.findId(id);
    if (slot < 0) return false;
    this.removeEntry(this.byId[slot]! - 1, slot);
    return true;
  }

  /** The ids whose digest equals `digest`, ascending. Throws `MATCHER_INVALID_HASH` on bad input. */
  lookup(digest: string | Uint8Array): number[] {
    const q = this.pack(digest);
    const out: number[] = [];
    const mask = this.byDigest.length - 1;
    for (let i = this.homeOfWords(q) & mask; ; i = (i + 1) & mask) {
      const s = this.byDigest[i]!;
      if (s === 0) break;
      if (this.digestEquals(s - 1, q)) out.push(this.entryIds[s - 1]!);
    }
    return out.sort((a, b) => a - b);
  }

  /** The digest of `id` as lower-case hex, or undefined if absent. */
  digestOf(id: number): string | undefined {
    checkId(id);
    const slot = this.findId(id);
    if (slot < 0) return undefined;
    const e = this.byId[slot]! - 1;
    const bytes = new Uint8Array(this.digestBytes);
    for (let k = 0; k < this.wordsPer; k++) {
      const w = this.digests[e * this.wordsPer + k]!;
      bytes[4 * k] = w & 0xff;
      bytes[4 * k + 1] = (w >>> 8) & 0xff;
      bytes[4 * k + 2] = (w >>> 16) & 0xff;
      bytes[4 * k + 3] = w >>> 24;
    }
    return bytesToHex(bytes);
  }

  private pack(digest: string | Uint8Array): Uint32Array {
    const b = toDigestBytes(digest, this.digestBytes, `${this.algorithm} digest`);
    const q = this.scratch;
    for (let k = 0; k < this.wordsPer; k++) {
      q[k] = (b[4 * k]! | (b[4 * k + 1]! << 8) | (b[4 * k + 2]! << 16) | (b[4 * k + 3]! << 24)) >>> 0;
    }
    return q;
  }

  private homeOfWords(q: Uint32Array): number {
    // Digests are uniform already; mixing two words keeps crafted prefixes from clustering.
    return mix32(q[0]! ^ Math.imul(q[1]!, 0x9e3779b1));
  }

  private digestHome(e: number): number {
    const o = e * this.wordsPer;
    return mix32(this.digests[o]! ^ Math.imul(this.digests[o + 1]!, 0x9e3779b1));
  }

  private digestEquals(e: number, q: Uint32Array): boolean {
    const o = e * this.wordsPer;
    for (let k = 0; k < this.wordsPer; k++) if (this.digests[o + k] !== q[k]) return false;
    return true;
  }

  private findId(id: number): number {
    const mask = this.byId.length - 1;
    for (let i = mix32(id) & mask; ; i = (i + 1) & mask) {
      const s = this.byId[i]!;
      if (s === 0) return -1;
      if (this.entryIds[s - 1] === id) return i;
    }
  }

  private insert(table: Int32Array, home: number, e: number): void {
    const mask = table.length - 1;
    let i = home & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = e + 1;
  }

  private removeEntry(e: number, idSlot: number): void {
    this.deleteSlot(this.byId, idSlot, (x) => mix32(this.entryIds[x]!));
    const mask = this.byDigest.length - 1;
    let i = this.digestHome(e) & mask;
    while (this.byDigest[i] !== e + 1) i = (i + 1) & mask;
    this.deleteSlot(this.byDigest, i, (x) => this.digestHome(x));
    this.freeEntries.push(e);
    this.count--;
  }

  /**
   * Backward-shift deletion: later entries of the probe run move into the hole when their home
   * slot does not lie cyclically in (hole, j], so every lookup still finds them without tombstones.
   */
  private deleteSlot(table: Int32Array, slot: number, home: (e: number) => number): void {
    const mask = table.length - 1;
    let hole = slot;
    for (let j = (slot + 1) & mask; table[j] !== 0; j = (j + 1) & mask) {
      const k = home(table[j]! - 1) & mask;
      const movable = j > hole ? k <= hole || k > j : k <= hole && k > j;
      if (movable) {
        table[hole] = table[j]!;
        hole = j;
      }
    }
    table[hole] = 0;
  }

  private rehash(slots: number): void {
    const old = this.byId;
    this.byDigest = new Int32Array(slots);
    this.byId = new Int32Array(slots);
    for (let i = 0; i < old.length; i++) {
      const s = old[i]!;
      if (s === 0) continue;
      this.insert(this.byDigest, this.digestHome(s - 1), s - 1);
      this.insert(this.byId, mix32(this.entryIds[s - 1]!), s - 1);
    }
  }

  private growEntries(): void {
    const ids = new Uint32Array(this.entryIds.length * 2);
    ids.set(this.entryIds);
    const digests = new Uint32Array(this.digests.length * 2);
    digests.set(this.digests);
    this.entryIds = ids;
    this.digests = digests;
  }
}
