/**
 * Image decoding (sharp/libvips, behind limits) and hashing for Node: the only package that
 * imports sharp. Decodes the way Meta's PDQ reference does, so hashes match its vectors.
 * @packageDocumentation
 */
export {
  MediaDecodeError,
  MEDIA_ERROR_CODES,
  isMediaDecodeError,
  type MediaErrorCode,
} from './media-decode-error.js';
export { IMAGE_FORMATS, sniffImageFormat, type ImageFormat } from './image-format-sniffer.js';
export {
  decodeImage,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_PIXELS,
  DEFAULT_DECODE_TIMEOUT_MS,
  type DecodeOptions,
  type DecodedImage,
  type DecodeStrictness,
} from './sharp-image-decoder.js';
export { digestBytes, type FileDigests } from './file-digests.js';
export { readImageFile } from './image-file-reader.js';
export {
  hashImageBytes,
  hashImageFile,
  hashPixels,
  type HashOptions,
  type InProcessHashOptions,
  type ImageHashes,
  type RobustVariantHash,
} from './image-hasher.js';
export {
  PREVIEW_MAX_SIDE,
  THUMBNAIL_BLUR_SIGMA,
  THUMBNAIL_MAX_SIDE,
  type ImageDerivatives,
} from './image-derivative-renderer.js';
export {
  CONTACT_SHEET_FRAMES,
  CONTACT_SHEET_THUMBNAIL_TILE_MAX_SIDE,
  CONTACT_SHEET_TILE_MAX_SIDE,
  EvenFrameSampler,
  contactSheetColumns,
  renderContactSheet,
  type SheetFrame,
  type VideoContactSheet,
} from './video-contact-sheet.js';
export { createCapturedMediaHasher, type CapturedMediaHasherOptions } from './captured-media-hasher.js';
export {
  createHashingPool,
  DEFAULT_POOL_TIMEOUT_MS,
  type HashingPool,
  type HashingPoolOptions,
  type HashingPoolStats,
  type PoolHashOptions,
  type PoolVideoHashOptions,
  type VideoHashingPool,
} from './hashing-pool.js';
export type { VideoJobOptions, VideoPoolOptions } from './hashing-protocol.js';
export { sniffVideoContainer, VIDEO_SNIFF_BYTES, type VideoContainerFamily } from './video-format-sniffer.js';
export { renderDemoImages, type DemoImage } from './demo-images.js';
export { resolveFfmpegBinaries, type FfmpegBinaries, type FfmpegPathOptions } from './ffmpeg-binaries.js';
export {
  hashVideoFile,
  probeVideo,
  DEFAULT_VIDEO_MAX_BYTES,
  DEFAULT_VIDEO_MAX_PIXELS,
  DEFAULT_VIDEO_MAX_DURATION_SECONDS,
  DEFAULT_VIDEO_MAX_FRAMES,
  DEFAULT_VIDEO_MAX_FRAME_RATE,
  DEFAULT_VIDEO_MAX_STREAMS,
  DEFAULT_VIDEO_TIMEOUT_MS,
  VIDEO_CONTAINERS,
  type VideoDownscaleMethod,
  type VideoRgbConversion,
  type VideoHashOptions,
  type VideoHashes,
  type VideoStreamInfo,
} from './video-hasher.js';
