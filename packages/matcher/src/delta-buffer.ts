import { PDQ_HASH_WORDS, scanWords } from './hash-words.js';
import type { MatchCollector } from './match-results.js';

/**
 * The entries added since the base index was built: packed, one slot per id, scanned linearly
 * (about 8 ns per entry), so an addition is matchable as soon as it is applied.
 */
export class DeltaBuffer {
  private ids = new Uint32Array(64);
  private words = new Uint32Array(64 * PDQ_HASH_WORDS);
  private readonly slotOf = new Map<number, number>();

  /** Number of entries. */
  get size(): number {
    return this.slotOf.size;
  }

  /** Whether `id` is in the buffer. */
  has(id: number): boolean {
    return this.slotOf.has(id);
  }

  /** Sets the hash of `id` (replacing its previous one), copied from `hash[0..8)`. */
  set(id: number, hash: Uint32Array): void {
    let slot = this.slotOf.get(id);
    if (slot === undefined) {
      slot = this.slotOf.size;
      if (slot === this.ids.length) this.grow();
      this.slotOf.set(id, slot);
      this.ids[slot] = id;
    }
    this.words.set(hash.subarray(0, PDQ_HASH_WORDS), slot * PDQ_HASH_WORDS);
  }

  /** Removes `id`; the last slot moves into its place so the slots stay dense. */
  delete(id: number): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    const last = this.slotOf.size - 1;
    if (slot !== last) {
      const lastId = this.ids[last]!;
      this.ids[slot] = lastId;
      this.words.copyWithin(slot * PDQ_HASH_WORDS, last * PDQ_HASH_WORDS, (last + 1) * PDQ_HASH_WORDS);
      this.slotOf.set(lastId, slot);
    }
    this.slotOf.delete(id);
    return true;
  }

  /** Empties the buffer. */
  clear(): void {
    this.slotOf.clear();
  }

  /** Reports the entries within `radius` of the packed query `q[qo..)`. */
  search(
    q: Uint32Array,
    qo: number,
    radius: number,
    filter: ((id: number) => boolean) | undefined,
    collector: MatchCollector,
  ): void {
    const ids = this.ids;
    scanWords(this.words, this.slotOf.size, q, qo, radius, (slot, distance) => {
      const id = ids[slot]!;
      if (filter === undefined || filter(id)) collector.add(id, distance);
    });
  }

  /** Copies of the ids and packed hashes, in slot order. */
  snapshot(): { ids: Uint32Array; hashes: Uint32Array } {
    const n = this.slotOf.size;
    return { ids: this.ids.slice(0, n), hashes: this.words.slice(0, n * PDQ_HASH_WORDS) };
  }

  private grow(): void {
    const ids = new Uint32Array(this.ids.length * 2);
    ids.set(this.ids);
    const words = new Uint32Array(this.words.length * 2);
    words.set(this.words);
    this.ids = ids;
    this.words = words;
  }
}
