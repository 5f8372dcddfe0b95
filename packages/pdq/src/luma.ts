import { PdqError } from './pdq-error.js';
import type { ImagePixels } from './types.js';
import { workBuffer } from './work-buffers.js';

/** Side of the square the reference CLI pre-resizes large images to. */
export const PRE_RESIZE_SIDE = 512;

/** Images with a side shorter than this get the all-zero hash and quality 0, as in the reference. */
export const MIN_SIDE = 5;

// Rec.601 weights rounded to f32, applied to 0–255 code values (SPEC §2.3). A weight times an
// 8-bit sample is exact in f64 (24 + 8 bits), so one Math.fround gives the f32 product; that is
// cheaper than looking the products up in Float32Array tables (no f32 → f64 load conversions).
const LUMA_R = Math.fround(0.299);
const LUMA_G = Math.fround(0.587);
const LUMA_B = Math.fround(0.114);

/** A luma plane in f32, row-major, `width * height` samples. */
export interface LumaPlane {
  readonly luma: Float32Array;
  readonly width: number;
  readonly height: number;
}

/**
 * Checks that a pixel buffer is consistent with its dimensions, and returns its row stride.
 * @throws {PdqError} `PDQ_INVALID_PIXELS`
 */
export function validatePixels(pixels: ImagePixels): number {
  const { data, width, height, channels } = pixels;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new PdqError(
      'PDQ_INVALID_PIXELS',
      `Image dimensions must be positive integers, got ${width}×${height}.`,
    );
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new PdqError('PDQ_INVALID_PIXELS', `Images must have 1, 3 or 4 channels, got ${String(channels)}.`);
  }
  const stride = pixels.stride ?? width * channels;
  if (!Number.isInteger(stride) || stride < width * channels) {
    throw new PdqError(
      'PDQ_INVALID_PIXELS',
      `Row stride ${stride} is shorter than a row (${width * channels} bytes).`,
    );
  }
  const needed = (height - 1) * stride + width * channels;
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray) || data.length < needed) {
    throw new PdqError(
      'PDQ_INVALID_PIXELS',
      `Pixel data holds ${data?.length ?? 0} bytes; ${width}×${height}×${channels} with stride ${stride} needs ${needed}.`,
    );
  }
  return stride;
}

/**
 * Converts pixels to f32 luma as the reference does, optionally applying its pre-resize first:
 * an image with a side over 512 px is sampled to exactly 512×512 (nearest, top-left aligned,
 * aspect ratio discarded). Sampling the 8-bit pixels and then computing luma equals computing luma
 * on the resized image, since luma is per pixel.
 */
export function toLuma(pixels: ImagePixels, preResize: boolean): LumaPlane {
  const stride = validatePixels(pixels);
  const { data, width, height, channels } = pixels;
  const resize = preResize && (width > PRE_RESIZE_SIDE || height > PRE_RESIZE_SIDE);
  const outWidth = resize ? PRE_RESIZE_SIDE : width;
  const outHeight = resize ? PRE_RESIZE_SIDE : height;
  // A plain Uint8Array view whatever the caller passed (Buffer, Uint8ClampedArray): the loops
  // below then see one element kind and stay monomorphic.
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length);
  // Every sample is written below, so a reused buffer's old contents never show.
  const luma = workBuffer('luma', outWidth * outHeight);
  if (!resize) {
    for (let y = 0, out = 0; y < height; y++) {
      const end = y * stride + width * channels;
      if (channels === 1) {
        // Grey bypasses the weights: (0.299g + 0.587g) + 0.114g differs from g in f32 for some g.
        for (let p = y * stride; p < end; p++) luma[out++] = bytes[p]!;
      } else {
        for (let p = y * stride; p < end; p += channels) {
          const rg = Math.fround(Math.fround(LUMA_R * bytes[p]!) + Math.fround(LUMA_G * bytes[p + 1]!));
          luma[out++] = rg + Math.fround(LUMA_B * bytes[p + 2]!);
        }
      }
    }
    return { luma, width, height };
  }
  const columnOffsets = new Int32Array(outWidth);
  for (let x = 0; x < outWidth; x++) {
    // x·W/512 in f64, floored (SPEC §2.2); exact for these integer sizes.
    columnOffsets[x] = Math.floor((x * width) / PRE_RESIZE_SIDE) * channels;
  }
  let out = 0;
  for (let y = 0; y < outHeight; y++) {
    const row = Math.floor((y * height) / PRE_RESIZE_SIDE) * stride;
    if (channels === 1) {
      for (let x = 0; x < outWidth; x++) luma[out++] = bytes[row + columnOffsets[x]!]!;
    } else {
      for (let x = 0; x < outWidth; x++) {
        const p = row + columnOffsets[x]!;
        const rg = Math.fround(Math.fround(LUMA_R * bytes[p]!) + Math.fround(LUMA_G * bytes[p + 1]!));
        luma[out++] = rg + Math.fround(LUMA_B * bytes[p + 2]!);
      }
    }
  }
  return { luma, width: outWidth, height: outHeight };
}

/**
 * Returns a one-channel copy when every pixel has R = G = B, and the input unchanged otherwise.
 *
 * The reference decodes through ImageMagick, which emits a grey image (and so the grey luma path)
 * whenever all pixels are grey, even for a colour PNG or a canvas's RGBA. Decoders that always give
 * RGB(A) pass their output through this to hash exactly as the reference does.
 */
export function collapseGrey(pixels: ImagePixels): ImagePixels {
  const stride = validatePixels(pixels);
  const { data, width, height, channels } = pixels;
  if (channels === 1) return pixels;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let x = 0, p = row; x < width; x++, p += channels) {
      const r = data[p]!;
      if (data[p + 1] !== r || data[p + 2] !== r) return pixels;
    }
  }
  const grey = new Uint8Array(width * height);
  let out = 0;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let x = 0; x < width; x++) grey[out++] = data[row + x * channels]!;
  }
  return { data: grey, width, height, channels: 1 };
}
