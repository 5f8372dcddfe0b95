import {
  DIHEDRAL_NAMES,
  pdqHash,
  pdqHashDihedral,
  pdqRobustVariants,
  toHex,
  type QueryVariantName,
  type RobustVariantName,
  type RobustVariantSide,
  type DihedralName,
  type ImagePixels,
} from '@hashline/pdq';
import { digestBytes } from './file-digests.js';
import type { ImageFormat } from './image-format-sniffer.js';
import { readImageFile } from './image-file-reader.js';
import { renderImageDerivatives, type ImageDerivatives } from './image-derivative-renderer.js';
import {
  decodeOrientedImage,
  DEFAULT_DECODE_TIMEOUT_MS,
  DEFAULT_MAX_BYTES,
  type DecodeOptions,
} from './sharp-image-decoder.js';

/** What to compute for an image. */
export interface HashOptions {
  /** Also compute the 8 dihedral PDQ hashes (default `false`). */
  readonly dihedral?: boolean;
  /**
   * Also compute robust variants (see `pdqRobustVariants`): `'query'` gives `trim`, `frame` and
   * `screen` (the picture without borders, inside its outermost border, between a screenshot's
   * bars) when the image has them; `'bank'` gives `trim` and the crop variants a banked image
   * keeps; `'all'` both sets. Default: none.
   */
  readonly robust?: RobustVariantSide;
  /** Also compute MD5, SHA-1 and SHA-256 of the original bytes (default `true`). */
  readonly crypto?: boolean;
  /** The reference's 512×512 nearest pre-resize of large images (default `true`; see `pdqHash`). */
  readonly preResize?: boolean;
  /**
   * Also render a blurred greyscale thumbnail and a size-capped preview from the decoded pixels
   * (default `false`): see {@link ImageDerivatives}. The hashes are the same either way.
   */
  readonly derivatives?: boolean;
}

/** Options of the in-process {@link hashImageBytes} and {@link hashImageFile}. */
export interface InProcessHashOptions extends HashOptions {
  /** Decoder limits and choices. */
  readonly decode?: DecodeOptions;
}

/** The hashes of one image. PDQ hashes are 64 lower-case hex digits. */
export interface ImageHashes {
  /** PDQ hash of the image as stored. */
  readonly pdq: string;
  /** PDQ quality, 0–100 (Meta recommends discarding hashes of quality ≤ 49). */
  readonly quality: number;
  /** The 8 dihedral PDQ hashes, when asked for. */
  readonly dihedral?: Readonly<Record<DihedralName, string>>;
  /** The robust variants, when asked for: PDQ hashes of parts of the same pixels. */
  readonly variants?: readonly RobustVariantHash[];
  /** MD5 of the original bytes, lower-case hex, when `crypto` is on. */
  readonly md5?: string;
  /** SHA-1 of the original bytes, lower-case hex, when `crypto` is on. */
  readonly sha1?: string;
  /** SHA-256 of the original bytes, lower-case hex, when `crypto` is on. */
  readonly sha256?: string;
  /** Width of the decoded image, in pixels. */
  readonly width: number;
  /** Height of the decoded image, in pixels. */
  readonly height: number;
  /** Format found by magic bytes. */
  readonly format: ImageFormat;
  /** Re-encoded thumbnail and preview, when `derivatives` was asked for. */
  readonly derivatives?: ImageDerivatives;
}

/** One robust variant of an image: its name, PDQ hash (hex) and quality. */
export interface RobustVariantHash {
  readonly name: RobustVariantName | QueryVariantName;
  readonly pdq: string;
  readonly quality: number;
}

/**
 * PDQ hashes (and, if asked, dihedral hashes and robust variants) of decoded pixels. The dihedral "orig" hash equals
 * the plain one except for images of exactly 64×64, where the reference's plain path skips the
 * blur (SPEC §2.4); that case is hashed twice so `pdq` always matches the reference CLI.
 */
export function hashPixels(
  pixels: ImagePixels,
  options: Pick<HashOptions, 'dihedral' | 'preResize' | 'robust'> = {},
): {
  pdq: string;
  quality: number;
  dihedral?: Record<DihedralName, string>;
  variants?: RobustVariantHash[];
} {
  const pdqOptions = { preResize: options.preResize ?? true };
  const variants = options.robust
    ? {
        variants: pdqRobustVariants(pixels, options.robust, pdqOptions).map((v) => ({
          name: v.name,
          pdq: toHex(v.hash),
          quality: v.quality,
        })),
      }
    : {};
  if (options.dihedral !== true) {
    const { hash, quality } = pdqHash(pixels, pdqOptions);
    return { pdq: toHex(hash), quality, ...variants };
  }
  const { hashes, quality } = pdqHashDihedral(pixels, pdqOptions);
  const dihedral = Object.fromEntries(DIHEDRAL_NAMES.map((name) => [name, toHex(hashes[name])])) as Record<
    DihedralName,
    string
  >;
  const plain =
    pixels.width === 64 && pixels.height === 64 ? toHex(pdqHash(pixels, pdqOptions).hash) : dihedral.orig;
  return { pdq: plain, quality, dihedral, ...variants };
}

/**
 * Decodes and hashes an image in the calling thread: PDQ (plus dihedral variants if asked) and
 * the cryptographic digests of the original bytes; with `derivatives`, also the re-encoded
 * thumbnail and preview made from the same decoded pixels. Use a hashing pool to keep decoding off a
 * server's event loop and to survive a stuck decoder.
 * @throws {MediaDecodeError} for refused or broken inputs
 */
export async function hashImageBytes(
  bytes: Uint8Array,
  options: InProcessHashOptions = {},
): Promise<ImageHashes> {
  const { image, orientation } = await decodeOrientedImage(bytes, options.decode);
  const perceptual = hashPixels(image, options);
  const digests = options.crypto === false ? {} : digestBytes(bytes);
  const hashes = {
    ...perceptual,
    ...digests,
    width: image.width,
    height: image.height,
    format: image.format,
  };
  if (options.derivatives !== true) return hashes;
  const timeoutMs = options.decode?.timeoutMs ?? DEFAULT_DECODE_TIMEOUT_MS;
  return { ...hashes, derivatives: await renderImageDerivatives(image, orientation, timeoutMs) };
}

/**
 * Reads a file (under the decoder's byte limit) and hashes it like {@link hashImageBytes}.
 * @throws {MediaDecodeError} for unreadable, refused or broken files
 */
export async function hashImageFile(path: string, options: InProcessHashOptions = {}): Promise<ImageHashes> {
  const bytes = await readImageFile(path, options.decode?.maxBytes ?? DEFAULT_MAX_BYTES);
  return hashImageBytes(bytes, options);
}
