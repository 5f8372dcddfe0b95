import { PDQ_HASH_WORDS, type PdqHashInput, checkId, packPdqHash } from './hash-words.js';
import { allocUint32 } from './pdq-index.js';

/**
 * A growable list of (id, PDQ hash) entries packed in typed arrays, for loading a bank without
 * creating one object per hash (10M hashes take 360 MB here, against gigabytes as objects).
 * Give the expected count up front to avoid the doubling copies.
 */
export class PdqEntryList {
  private idArray: Uint32Array;
  private hashArray: Uint32Array;
  private count = 0;
  private readonly shared: boolean;

  /**
   * @param capacity expected number of entries (grows by doubling past it)
   * @param options `shared`: allocate on SharedArrayBuffer (for an index built with `shared`)
   */
  constructor(capacity = 1024, options: { readonly shared?: boolean } = {}) {
    this.shared = options.shared ?? false;
    const cap = Math.max(1, Math.ceil(capacity));
    this.idArray = allocUint32(cap, this.shared);
    this.hashArray = allocUint32(cap * PDQ_HASH_WORDS, this.shared);
  }

  /** Number of entries appended. */
  get length(): number {
    return this.count;
  }

  /** Appends an entry (hash as 32 bytes or 64 hex digits); validates both. */
  push(id: number, hash: PdqHashInput): void {
    checkId(id);
    this.reserve(this.count + 1);
    packPdqHash(hash, this.hashArray, this.count * PDQ_HASH_WORDS);
    this.idArray[this.count++] = id;
  }

  /** Appends an entry whose hash is already packed at `words[offset..offset+8)`. */
  pushWords(id: number, words: Uint32Array, offset: number): void {
    checkId(id);
    this.reserve(this.count + 1);
    this.hashArray.set(words.subarray(offset, offset + PDQ_HASH_WORDS), this.count * PDQ_HASH_WORDS);
    this.idArray[this.count++] = id;
  }

  /**
   * The entries as `PdqIndex.build` takes them: views of the first `length` entries (no copy).
   * Appending afterwards may or may not show through them: stop appending once you take them.
   */
  finish(): { ids: Uint32Array; hashes: Uint32Array } {
    return {
      ids: this.idArray.subarray(0, this.count),
      hashes: this.hashArray.subarray(0, this.count * PDQ_HASH_WORDS),
    };
  }

  private reserve(needed: number): void {
    if (needed <= this.idArray.length) return;
    const cap = Math.max(needed, this.idArray.length * 2);
    const ids = allocUint32(cap, this.shared);
    ids.set(this.idArray.subarray(0, this.count));
    const hashes = allocUint32(cap * PDQ_HASH_WORDS, this.shared);
    hashes.set(this.hashArray.subarray(0, this.count * PDQ_HASH_WORDS));
    this.idArray = ids;
    this.hashArray = hashes;
  }
}
