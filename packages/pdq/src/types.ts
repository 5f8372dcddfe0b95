/**
 * A decoded image as the PDQ hasher consumes it: 8-bit samples, row-major, interleaved channels.
 *
 * `channels` follows the decoder's output: 1 (grey), 3 (RGB) or 4 (RGBA, alpha ignored). The
 * reference hashes grey images through a different luma path than RGB ones, so a decoder that sees
 * a grey image must hand over one channel (see {@link collapseGrey}).
 */
export interface ImagePixels {
  /** Samples, `stride` bytes per row (a `Uint8ClampedArray` from a canvas works as is). */
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3 | 4;
  /** Bytes from the start of one row to the next; defaults to `width * channels`. */
  readonly stride?: number;
}

/** A 256-bit PDQ hash: 32 bytes in the order of its hex form (byte 0 = the first two hex digits). */
export type PdqHash = Uint8Array;

/** Options of {@link pdqHash} and {@link pdqHashDihedral}. */
export interface PdqOptions {
  /**
   * Resize images with a side over 512 px to exactly 512×512 (nearest neighbour, top-left aligned)
   * before hashing, as Meta's reference CLI does. Default `true`; turn it off for video frames and
   * thumbnails, as the reference's library-level functions do.
   */
  readonly preResize?: boolean;
  /**
   * Which implementation computes the hash; all give identical bits. `'auto'` (the default) uses
   * WebAssembly (SIMD) where the runtime allows it and pure JavaScript otherwise; `'wasm'` requires
   * WebAssembly (throws `PDQ_ENGINE_UNAVAILABLE` without it); `'js'` never uses it. In browsers,
   * WebAssembly needs `'wasm-unsafe-eval'` in a Content-Security-Policy's `script-src`; without it
   * `'auto'` quietly uses JavaScript (about 4× slower).
   */
  readonly engine?: PdqEngine;
}

/** An implementation of the PDQ core (see {@link PdqOptions.engine}). */
export type PdqEngine = 'auto' | 'wasm' | 'js';

/** A hash with its quality (0–100; Meta recommends discarding hashes of quality ≤ 49). */
export interface PdqResult {
  readonly hash: PdqHash;
  readonly quality: number;
}

/** The eight dihedral variants, in the order the reference prints them. */
export const DIHEDRAL_NAMES = [
  'orig',
  'rot90',
  'rot180',
  'rot270',
  'flipx',
  'flipy',
  'flipp',
  'flipm',
] as const;

/** Name of one dihedral variant (`flipx` swaps top and bottom, `flipy` mirrors left and right). */
export type DihedralName = (typeof DIHEDRAL_NAMES)[number];

/** The quality and the hash of each of the eight dihedral variants of one image. */
export interface PdqDihedralResult {
  readonly quality: number;
  readonly hashes: Readonly<Record<DihedralName, PdqHash>>;
}
