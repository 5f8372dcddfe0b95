import { collapseGrey, pdqHash, pdqRobustVariants, toHex, type RobustVariantName } from '@hashline/pdq';
import { md5Hex } from './md5.js';

/** What the page keeps of one picked image: its hashes only (the file stays on the device). */
export interface ImageHashes {
  readonly pdq: string;
  readonly quality: number;
  readonly md5: string;
  readonly sha256: string;
  /**
   * Robust variants (`trim`, `crop-*`): PDQ hashes of parts of the image, computed here with the
   * server's own code (`pdqRobustVariants(pixels, 'bank')`), so the image is found again when it is
   * re-shared with a border, as a screenshot or cropped. Hashes only, like `pdq`.
   */
  readonly variants: readonly { readonly kind: RobustVariantName; readonly value: string }[];
}

/** Why an image could not be hashed (the page shows a friendly message for each). */
export type HashFailure = 'unreadable' | 'too-small';

/** Thrown by {@link hashImageFile} with a {@link HashFailure} as its message. */
export class HashImageError extends Error {
  constructor(readonly reason: HashFailure) {
    super(reason);
    this.name = 'HashImageError';
  }
}

/**
 * PDQ, MD5 and SHA-256 of an image file, entirely on this device (a worker or a page). The
 * decoder is the browser's own (`createImageBitmap`), without EXIF rotation or colour management,
 * so the pixels are the file's as a server-side decoder sees them.
 */
export async function hashImageFile(file: Blob): Promise<ImageHashes> {
  const { md5, sha256 } = await fileDigests(new Uint8Array(await file.arrayBuffer()));
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, {
      imageOrientation: 'none',
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
  } catch {
    throw new HashImageError('unreadable');
  }
  const { width, height } = bitmap;
  if (width < 5 || height < 5) {
    bitmap.close();
    throw new HashImageError('too-small');
  }
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new HashImageError('unreadable');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const pixels = context.getImageData(0, 0, width, height);
  const image = collapseGrey({ data: pixels.data, width, height, channels: 4 });
  const { hash, quality } = pdqHash(image);
  return { pdq: toHex(hash), quality, md5, sha256, variants: bankVariants(image) };
}

/**
 * The bank-side robust variants of decoded pixels, as the server computes them for an image added
 * as media; a variant whose hash is all zeros or all ones (a flat part) is left out, as the server
 * would refuse it.
 */
export function bankVariants(
  pixels: Parameters<typeof pdqRobustVariants>[0],
): { kind: RobustVariantName; value: string }[] {
  return pdqRobustVariants(pixels, 'bank')
    .map((v) => ({ kind: v.name, value: toHex(v.hash) }))
    .filter((v) => !/^(0{64}|f{64})$/.test(v.value));
}

/** The exact-match hashes of a file's bytes. */
export interface FileDigests {
  readonly md5: string;
  readonly sha256: string;
}

/** MD5 and SHA-256 of a file's bytes (for images and videos alike). */
export async function fileDigests(bytes: Uint8Array): Promise<FileDigests> {
  return { md5: md5Hex(bytes), sha256: await sha256Hex(bytes) };
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
