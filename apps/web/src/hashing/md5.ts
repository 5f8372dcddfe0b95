// MD5 (RFC 1321) of a byte array. MD5 is broken for security but is the exact-match hash that hash
// exchanges (NCMEC, StopNCII) use, so the page computes it on the device; WebCrypto has no MD5.

/** Per-round left-rotation amounts. */
const S = [
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9,
  14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15,
  21, 6, 10, 15, 21,
];

/** K[i] = floor(2^32 × |sin(i + 1)|). */
const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

/** Incremental MD5: feed chunks with `update`, then `digestHex` once. */
export class Md5 {
  #a = 0x67452301;
  #b = 0xefcdab89;
  #c = 0x98badcfe;
  #d = 0x10325476;
  readonly #block = new Uint8Array(64);
  readonly #words = new Uint32Array(16);
  #used = 0;
  #length = 0;

  update(bytes: Uint8Array): this {
    let i = 0;
    this.#length += bytes.length;
    if (this.#used > 0) {
      const take = Math.min(64 - this.#used, bytes.length);
      this.#block.set(bytes.subarray(0, take), this.#used);
      this.#used += take;
      i = take;
      if (this.#used < 64) return this;
      this.#compress(this.#block, 0);
      this.#used = 0;
    }
    for (; i + 64 <= bytes.length; i += 64) this.#compress(bytes, i);
    this.#block.set(bytes.subarray(i), 0);
    this.#used = bytes.length - i;
    return this;
  }

  digestHex(): string {
    const bits = this.#length * 8;
    const pad = new Uint8Array((this.#used < 56 ? 56 : 120) - this.#used + 8);
    pad[0] = 0x80;
    const view = new DataView(pad.buffer);
    // Length in bits, 64-bit little-endian (the high word matters only past 512 MB).
    view.setUint32(pad.length - 8, bits >>> 0, true);
    view.setUint32(pad.length - 4, Math.floor(bits / 2 ** 32), true);
    const length = this.#length;
    this.update(pad);
    this.#length = length;
    let hex = '';
    for (const word of [this.#a, this.#b, this.#c, this.#d]) {
      for (let k = 0; k < 4; k++) hex += ((word >>> (8 * k)) & 0xff).toString(16).padStart(2, '0');
    }
    return hex;
  }

  #compress(bytes: Uint8Array, offset: number): void {
    const w = this.#words;
    for (let j = 0; j < 16; j++) {
      const p = offset + j * 4;
      w[j] = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
    }
    let a = this.#a;
    let b = this.#b;
    let c = this.#c;
    let d = this.#d;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const sum = (a + f + K[i]! + w[g]!) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((sum << S[i]!) | (sum >>> (32 - S[i]!)))) | 0;
    }
    this.#a = (this.#a + a) | 0;
    this.#b = (this.#b + b) | 0;
    this.#c = (this.#c + c) | 0;
    this.#d = (this.#d + d) | 0;
  }
}

/** The MD5 of `bytes` as 32 lower-case hex digits. */
export function md5Hex(bytes: Uint8Array): string {
  return new Md5().update(bytes).digestHex();
}
