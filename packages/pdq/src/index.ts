/**
 * PDQ perceptual hashing, bit-exact with Meta's reference given the same decoded pixels.
 * TypeScript with no Node or DOM dependency: runs in Node, browsers and workers. The hot loops
 * also exist as an embedded WebAssembly (SIMD) module, used automatically where the runtime
 * allows it (see `PdqOptions.engine`); both give identical bits.
 * @packageDocumentation
 */
export type {
  ImagePixels,
  PdqHash,
  PdqOptions,
  PdqEngine,
  PdqResult,
  DihedralName,
  PdqDihedralResult,
} from './types.js';
export { DIHEDRAL_NAMES } from './types.js';
export { pdqHash, pdqHashDihedral, pdqHashFromLuma, MIN_SIDE } from './pdq-hasher.js';
export { collapseGrey, PRE_RESIZE_SIDE } from './luma.js';
export { toHex, fromHex, isPdqHex, hammingDistance, PDQ_HASH_BYTES } from './hash-codec.js';
export { PdqError, type PdqErrorCode } from './pdq-error.js';

/** Meta's recommended match threshold: hashes within this Hamming distance are similar (≤ 31). */
export const PDQ_MATCH_THRESHOLD = 31;
/** Meta's recommended quality floor: discard hashes of quality below this (≤ 49). */
export const PDQ_MIN_QUALITY = 50;
export {
  type VpdqFrame,
  type VpdqFrameOptions,
  type VpdqMatchOptions,
  type VpdqMatchResult,
  VPDQ_DISTANCE_THRESHOLD,
  VPDQ_QUALITY_THRESHOLD,
  VPDQ_QUERY_MATCH_THRESHOLD_PERCENT,
  VPDQ_COMPARED_MATCH_THRESHOLD_PERCENT,
  VPDQ_DEFAULT_SECONDS_PER_HASH,
  vpdqFrameStep,
  isVpdqFrameSelected,
  vpdqTimestamp,
  vpdqHashFrame,
  formatVpdqLine,
  formatVpdqLines,
  parseVpdqLines,
  prepareVpdqHashes,
  vpdqMatch,
  vpdqUsableFrames,
} from './vpdq.js';
export {
  type PixelRect,
  type PdqVariant,
  type RobustVariantName,
  type RobustVariantSide,
  ROBUST_VARIANT_NAMES,
  findContentRect,
  findFrameRects,
  QUERY_VARIANT_NAMES,
  type QueryVariantName,
  type FrameRects,
  cropPixels,
  cropRects,
  pdqRobustVariants,
} from './robust-variants.js';
