import { PDQ_HASH_BYTES } from './hash-codec.js';
import { blurAndDecimate } from './jarosz-filter.js';
import { BUFFER_SIDE, DCT_SIDE, dct16 } from './dct.js';
import { MIN_SIDE, toLuma, validatePixels, type LumaPlane } from './luma.js';
import { PdqError } from './pdq-error.js';
import {
  DIHEDRAL_NAMES,
  type DihedralName,
  type ImagePixels,
  type PdqDihedralResult,
  type PdqHash,
  type PdqEngine,
  type PdqOptions,
  type PdqResult,
} from './types.js';
import { wasmCore, type CoreStages, type WasmCore } from './wasm-core.js';
import { workBuffer } from './work-buffers.js';

export { MIN_SIDE } from './luma.js';

/**
 * Computes the PDQ hash and quality of an image, bit-exact with Meta's reference CLI given the same
 * decoded pixels (SPEC §2): the 512 pre-resize (unless `preResize: false`), f32 luma, Jarosz blur,
 * 64×64 decimation, quality, 16×16 DCT and the median threshold.
 */
export function pdqHash(pixels: ImagePixels, options: PdqOptions = {}): PdqResult {
  const { dct, quality } = analysePixels(pixels, options, false);
  return { hash: dct ? thresholdAtMedian(dct) : zeroHash(), quality };
}

/**
 * Computes the hashes of the eight rotations and mirror images of an image from one pass, as the
 * reference's `--pdqdih-across` does. Each variant has its own median. The variants are close to,
 * not identical with, hashing a rotated file (SPEC §2.11).
 */
export function pdqHashDihedral(pixels: ImagePixels, options: PdqOptions = {}): PdqDihedralResult {
  const { dct, quality } = analysePixels(pixels, options, true);
  const hashes = {} as Record<DihedralName, PdqHash>;
  for (const name of DIHEDRAL_NAMES)
    hashes[name] = dct ? thresholdAtMedian(dihedralVariant(dct, name)) : zeroHash();
  return { quality, hashes };
}

/**
 * Hashes a plane of f32 luma without any pre-resize, like the reference's library entry point used
 * for video frames (vPDQ). Only `options.engine` applies.
 */
export function pdqHashFromLuma(
  luma: Float32Array,
  width: number,
  height: number,
  options: Pick<PdqOptions, 'engine'> = {},
): PdqResult {
  if (
    !(luma instanceof Float32Array) ||
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1
  ) {
    throw new PdqError('PDQ_INVALID_PIXELS', 'Luma must be a Float32Array with positive integer dimensions.');
  }
  if (luma.length < width * height) {
    throw new PdqError(
      'PDQ_INVALID_PIXELS',
      `Luma holds ${luma.length} samples; ${width}×${height} needs ${width * height}.`,
    );
  }
  const core = selectCore(options.engine);
  const stages = core?.fromLuma(luma, width, height, false);
  const { dct, quality } =
    stages === undefined || stages === 'too-large' ? dctOfCopy(luma, width, height) : graded(stages);
  return { hash: dct ? thresholdAtMedian(dct) : zeroHash(), quality };
}

/** The JS core on a copy of the caller's luma (the blur works in place). */
function dctOfCopy(
  luma: Float32Array,
  width: number,
  height: number,
): { dct: Float32Array | null; quality: number } {
  const plane = workBuffer('luma', width * height);
  plane.set(luma.subarray(0, width * height));
  return dctOf({ luma: plane, width, height }, false);
}

/** The WebAssembly core for `engine`, or null for the JS core. */
function selectCore(engine: PdqEngine = 'auto'): WasmCore | null {
  if (engine === 'js') return null;
  if (engine !== 'auto' && engine !== 'wasm') {
    throw new PdqError(
      'PDQ_ENGINE_UNAVAILABLE',
      `Unknown engine ${JSON.stringify(engine)}: use 'auto', 'wasm' or 'js'.`,
    );
  }
  const core = wasmCore();
  if (!core && engine === 'wasm') {
    throw new PdqError(
      'PDQ_ENGINE_UNAVAILABLE',
      "WebAssembly with SIMD is unavailable here (or refused by a Content-Security-Policy without 'wasm-unsafe-eval').",
    );
  }
  return core;
}

/** DCT (null under the minimum size) and quality of validated pixels, on the selected core. */
function analysePixels(
  pixels: ImagePixels,
  options: PdqOptions,
  alwaysBlur: boolean,
): { dct: Float32Array | null; quality: number } {
  const preResize = options.preResize ?? true;
  const stride = validatePixels(pixels);
  const stages = selectCore(options.engine)?.fromPixels(pixels, stride, preResize, alwaysBlur);
  if (stages === undefined || stages === 'too-large') return dctOf(toLuma(pixels, preResize), alwaysBlur);
  return graded(stages);
}

function graded(stages: CoreStages | null): { dct: Float32Array | null; quality: number } {
  return stages
    ? { dct: stages.dct, quality: qualityOfGradientSum(stages.gradientSum) }
    : { dct: null, quality: 0 };
}

/** The JS core: blur, decimate, grade and transform; `dct` is null for images under the minimum size. */
function dctOf(plane: LumaPlane, alwaysBlur: boolean): { dct: Float32Array | null; quality: number } {
  const { luma, width, height } = plane;
  if (width < MIN_SIDE || height < MIN_SIDE) return { dct: null, quality: 0 };
  let buffer64: Float32Array;
  if (!alwaysBlur && width === BUFFER_SIDE && height === BUFFER_SIDE) {
    // The reference's non-dihedral path copies a 64×64 plane as is, without blurring (SPEC §2.4).
    buffer64 = luma;
  } else {
    buffer64 = blurAndDecimate(luma, width, height, BUFFER_SIDE);
  }
  return { dct: dct16(buffer64), quality: quality(buffer64) };
}

/**
 * Quality 0–100 from the gradients between adjacent cells of the 64×64 buffer: each pair adds
 * trunc((u − v)·100/255) in absolute value, f32 at every step, and the sum is divided by 90.
 */
function quality(buffer64: Float32Array): number {
  return qualityOfGradientSum(gradientSum(buffer64));
}

/** Quality from the gradient sum: ⌊sum / 90⌋, at most 100. */
function qualityOfGradientSum(sum: number): number {
  return Math.min(100, Math.floor(sum / 90));
}

/** The sum of the graded steps, pairs added in this order (pdq-core.wat's gradient adds alike). */
export function gradientSum(buffer64: Float32Array): number {
  let gradientSum = 0;
  for (let i = 0; i < BUFFER_SIDE - 1; i++) {
    for (let j = 0; j < BUFFER_SIDE; j++) {
      gradientSum += gradeStep(buffer64[i * BUFFER_SIDE + j]!, buffer64[(i + 1) * BUFFER_SIDE + j]!);
    }
  }
  for (let i = 0; i < BUFFER_SIDE; i++) {
    for (let j = 0; j < BUFFER_SIDE - 1; j++) {
      gradientSum += gradeStep(buffer64[i * BUFFER_SIDE + j]!, buffer64[i * BUFFER_SIDE + j + 1]!);
    }
  }
  return gradientSum;
}

function gradeStep(u: number, v: number): number {
  return Math.abs(Math.trunc(Math.fround(Math.fround(Math.fround(u - v) * 100) / 255)));
}

/**
 * Derives the DCT of a rotated or mirrored image from the original's: reversing an axis negates
 * the coefficients of odd frequencies (even indices, since index = frequency − 1), and a quarter
 * turn or a diagonal flip transposes (SPEC §2.11).
 */
function dihedralVariant(c: Float32Array, name: DihedralName): Float32Array {
  const out = new Float32Array(DCT_SIDE * DCT_SIDE);
  for (let i = 0; i < DCT_SIDE; i++) {
    for (let j = 0; j < DCT_SIDE; j++) {
      const value = c[i * DCT_SIDE + j]!;
      const iOdd = (i & 1) === 1;
      const jOdd = (j & 1) === 1;
      const sumOdd = ((i + j) & 1) === 1;
      const straight = i * DCT_SIDE + j;
      const transposed = j * DCT_SIDE + i;
      switch (name) {
        case 'orig':
          out[straight] = value;
          break;
        case 'rot90':
          out[transposed] = jOdd ? value : -value;
          break;
        case 'rot180':
          out[straight] = sumOdd ? -value : value;
          break;
        case 'rot270':
          out[transposed] = iOdd ? value : -value;
          break;
        case 'flipx':
          out[straight] = iOdd ? value : -value;
          break;
        case 'flipy':
          out[straight] = jOdd ? value : -value;
          break;
        case 'flipp':
          out[transposed] = value;
          break;
        case 'flipm':
          out[transposed] = sumOdd ? -value : value;
          break;
      }
    }
  }
  return out;
}

/**
 * Sets bit 16·i + j when C[i][j] is strictly above the lower median (the 128th smallest of 256).
 * Word i (row i, bit j = column j) is stored big-endian at bytes 2·(15 − i), so the bytes read in
 * the order of the reference's hex, which prints word 15 first.
 */
function thresholdAtMedian(c: Float32Array): PdqHash {
  const median = c.slice().sort()[(DCT_SIDE * DCT_SIDE) / 2 - 1]!;
  const hash = new Uint8Array(PDQ_HASH_BYTES);
  for (let i = 0; i < DCT_SIDE; i++) {
    let word = 0;
    for (let j = 0; j < DCT_SIDE; j++) if (c[i * DCT_SIDE + j]! > median) word |= 1 << j;
    hash[2 * (DCT_SIDE - 1 - i)] = word >> 8;
    hash[2 * (DCT_SIDE - 1 - i) + 1] = word & 0xff;
  }
  return hash;
}

function zeroHash(): PdqHash {
  return new Uint8Array(PDQ_HASH_BYTES);
}
