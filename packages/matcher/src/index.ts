/**
 * `@hashline/matcher`: exact radius search over 256-bit PDQ hashes (multi-index hashing with a
 * linear scan for small or fresh sets) and exact maps for cryptographic digests. Pure and
 * isomorphic: typed arrays only, no Node or DOM globals.
 */
export { MatcherError, type MatcherErrorCode } from './matcher-error.js';
export {
  MAX_RADIUS,
  PDQ_HASH_BYTES,
  PDQ_HASH_WORDS,
  type PdqHashInput,
  packPdqHash,
  pdqHashToWords,
  wordsDistance,
  wordsToPdqHash,
} from './hash-words.js';
export { type PdqMatch, type PdqVariantMatch } from './match-results.js';
export { type MihLayout, COST_NS, chooseLayout, evenLayout } from './mih-layout.js';
export {
  type IndexStrategy,
  type PdqIndexOptions,
  type QueryOptions,
  type SerializedPdqIndex,
  PdqIndex,
  transferListOf,
} from './pdq-index.js';
export { PdqEntryList } from './pdq-entry-list.js';
export {
  type LiveIndexOptions,
  type LiveIndexStats,
  type RebuildSource,
  LiveIndex,
  materializeRebuild,
  rebuildIndex,
} from './live-index.js';
export { type ExactAlgorithm, DIGEST_BYTES, ExactIndex } from './exact-index.js';
export {
  type SerializedVideoFrameIndex,
  type VideoFrameHit,
  type VideoFrameImageHit,
  type VideoHitFilter,
  VideoFrameIndex,
} from './video-frame-index.js';
