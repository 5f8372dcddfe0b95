import { workBuffer } from './work-buffers.js';

/**
 * 1/count in f64, for the box means. Storing f64(sum · 1/count) into a Float32Array gives exactly
 * f32(sum / count), as the reference divides: sum has a 24-bit mantissa and count is a small
 * integer, so an inexact quotient lies at least 2^-24/count (relative) away from any f32 rounding
 * midpoint, far more than the ~2^-52 error of the f64 product; an exact quotient is itself an f32.
 * Multiplying is several times cheaper than dividing, and the blur is most of PDQ's time.
 */
let RECIPROCALS = new Float64Array(0);

/** Makes RECIPROCALS cover counts up to `window` (windows grow with the image: ⌈side/128⌉). */
function ensureReciprocals(window: number): void {
  if (RECIPROCALS.length > window) return;
  RECIPROCALS = new Float64Array(Math.max(window + 1, 64)).map((_, count) => (count === 0 ? 0 : 1 / count));
}

/**
 * Box-filters many parallel lines of a plane at once: the rows (lines `width` apart, samples 1
 * apart) or the columns (lines 1 apart, samples `width` apart). Every line keeps its own f32
 * running sum exactly as the reference accumulates it (SPEC §2.5): the sum is never recomputed,
 * so its rounding error carries along the line, and a bit-exact port must add and subtract in the
 * same order. Sweeping all lines together keeps those sums independent of each other, so the CPU
 * pipelines them instead of waiting on one long chain of dependent f32 additions.
 *
 * Output k of a line is the mean of the samples that exist in [k − (window − half), k + half − 1],
 * half = ⌊(window + 2) / 2⌋: clipped at both ends, where the divisor shrinks with it.
 */
function boxFilterLines(
  input: Float32Array,
  output: Float32Array,
  start: number,
  lineCount: number,
  lineStep: number,
  length: number,
  sampleStep: number,
  window: number,
  sums: Float32Array,
): void {
  const half = (window + 2) >> 1;
  const leadIn = half - 1; // samples only added, before the first output
  const growing = window - half + 1; // outputs while the window fills up
  const steady = length - window; // outputs with a full window
  const tail = half - 1; // outputs while the window drains
  sums.fill(0, 0, lineCount);
  let count = 0;
  let read = start; // offset of the sample entering the window
  let drop = start; // offset of the sample leaving it
  let write = start;
  for (let i = 0; i < leadIn; i++, read += sampleStep) {
    count++;
    for (let line = 0, at = read; line < lineCount; line++, at += lineStep) {
      sums[line] = sums[line]! + input[at]!;
    }
  }
  for (let i = 0; i < growing; i++, read += sampleStep, write += sampleStep) {
    const reciprocal = RECIPROCALS[++count]!;
    for (let line = 0, offset = 0; line < lineCount; line++, offset += lineStep) {
      const sum = Math.fround(sums[line]! + input[read + offset]!);
      sums[line] = sum;
      output[write + offset] = sum * reciprocal;
    }
  }
  const reciprocal = RECIPROCALS[count]!;
  for (let i = 0; i < steady; i++, read += sampleStep, drop += sampleStep, write += sampleStep) {
    for (let line = 0, offset = 0; line < lineCount; line++, offset += lineStep) {
      const sum = Math.fround(Math.fround(sums[line]! + input[read + offset]!) - input[drop + offset]!);
      sums[line] = sum;
      output[write + offset] = sum * reciprocal;
    }
  }
  for (let i = 0; i < tail; i++, drop += sampleStep, write += sampleStep) {
    const reciprocal = RECIPROCALS[--count]!;
    for (let line = 0, offset = 0; line < lineCount; line++, offset += lineStep) {
      const sum = Math.fround(sums[line]! - input[drop + offset]!);
      sums[line] = sum;
      output[write + offset] = sum * reciprocal;
    }
  }
}

/**
 * 8 lines of boxFilterLines at once, the running sums held in local variables instead of an
 * array: V8 keeps them in registers, and the 8 independent chains of f32 additions overlap. Same
 * phases, same order of additions per line. Lines start at `start`, `start + lineStep`, …
 */
function boxFilter8Lines(
  input: Float32Array,
  output: Float32Array,
  start: number,
  lineStep: number,
  length: number,
  sampleStep: number,
  window: number,
): void {
  const half = (window + 2) >> 1;
  const leadIn = half - 1;
  const l0 = start;
  const l1 = l0 + lineStep;
  const l2 = l1 + lineStep;
  const l3 = l2 + lineStep;
  const l4 = l3 + lineStep;
  const l5 = l4 + lineStep;
  const l6 = l5 + lineStep;
  const l7 = l6 + lineStep;
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0,
    s4 = 0,
    s5 = 0,
    s6 = 0,
    s7 = 0;
  let count = 0;
  let k = 0;
  let read = 0;
  let write = 0;
  let drop = 0;
  for (; k < leadIn; k++, read += sampleStep) {
    count++;
    s0 = Math.fround(s0 + input[l0 + read]!);
    s1 = Math.fround(s1 + input[l1 + read]!);
    s2 = Math.fround(s2 + input[l2 + read]!);
    s3 = Math.fround(s3 + input[l3 + read]!);
    s4 = Math.fround(s4 + input[l4 + read]!);
    s5 = Math.fround(s5 + input[l5 + read]!);
    s6 = Math.fround(s6 + input[l6 + read]!);
    s7 = Math.fround(s7 + input[l7 + read]!);
  }
  for (; k < window; k++, read += sampleStep, write += sampleStep) {
    const reciprocal = RECIPROCALS[++count]!;
    s0 = Math.fround(s0 + input[l0 + read]!);
    output[l0 + write] = s0 * reciprocal;
    s1 = Math.fround(s1 + input[l1 + read]!);
    output[l1 + write] = s1 * reciprocal;
    s2 = Math.fround(s2 + input[l2 + read]!);
    output[l2 + write] = s2 * reciprocal;
    s3 = Math.fround(s3 + input[l3 + read]!);
    output[l3 + write] = s3 * reciprocal;
    s4 = Math.fround(s4 + input[l4 + read]!);
    output[l4 + write] = s4 * reciprocal;
    s5 = Math.fround(s5 + input[l5 + read]!);
    output[l5 + write] = s5 * reciprocal;
    s6 = Math.fround(s6 + input[l6 + read]!);
    output[l6 + write] = s6 * reciprocal;
    s7 = Math.fround(s7 + input[l7 + read]!);
    output[l7 + write] = s7 * reciprocal;
  }
  const reciprocal = RECIPROCALS[count]!;
  for (; k < length; k++, read += sampleStep, drop += sampleStep, write += sampleStep) {
    s0 = Math.fround(Math.fround(s0 + input[l0 + read]!) - input[l0 + drop]!);
    output[l0 + write] = s0 * reciprocal;
    s1 = Math.fround(Math.fround(s1 + input[l1 + read]!) - input[l1 + drop]!);
    output[l1 + write] = s1 * reciprocal;
    s2 = Math.fround(Math.fround(s2 + input[l2 + read]!) - input[l2 + drop]!);
    output[l2 + write] = s2 * reciprocal;
    s3 = Math.fround(Math.fround(s3 + input[l3 + read]!) - input[l3 + drop]!);
    output[l3 + write] = s3 * reciprocal;
    s4 = Math.fround(Math.fround(s4 + input[l4 + read]!) - input[l4 + drop]!);
    output[l4 + write] = s4 * reciprocal;
    s5 = Math.fround(Math.fround(s5 + input[l5 + read]!) - input[l5 + drop]!);
    output[l5 + write] = s5 * reciprocal;
    s6 = Math.fround(Math.fround(s6 + input[l6 + read]!) - input[l6 + drop]!);
    output[l6 + write] = s6 * reciprocal;
    s7 = Math.fround(Math.fround(s7 + input[l7 + read]!) - input[l7 + drop]!);
    output[l7 + write] = s7 * reciprocal;
  }
  for (let i = 0; i < leadIn; i++, drop += sampleStep, write += sampleStep) {
    const reciprocal = RECIPROCALS[--count]!;
    s0 = Math.fround(s0 - input[l0 + drop]!);
    output[l0 + write] = s0 * reciprocal;
    s1 = Math.fround(s1 - input[l1 + drop]!);
    output[l1 + write] = s1 * reciprocal;
    s2 = Math.fround(s2 - input[l2 + drop]!);
    output[l2 + write] = s2 * reciprocal;
    s3 = Math.fround(s3 - input[l3 + drop]!);
    output[l3 + write] = s3 * reciprocal;
    s4 = Math.fround(s4 - input[l4 + drop]!);
    output[l4 + write] = s4 * reciprocal;
    s5 = Math.fround(s5 - input[l5 + drop]!);
    output[l5 + write] = s5 * reciprocal;
    s6 = Math.fround(s6 - input[l6 + drop]!);
    output[l6 + write] = s6 * reciprocal;
    s7 = Math.fround(s7 - input[l7 + drop]!);
    output[l7 + write] = s7 * reciprocal;
  }
}

/** Lines filtered together by {@link boxFilter8Lines}. */
const GROUP = 8;

/**
 * Box-filters `lineCount` lines as {@link boxFilterLines} does, 8 at a time, the leftover lines
 * side by side through the array of sums.
 */
function filterLines(
  input: Float32Array,
  output: Float32Array,
  start: number,
  lineCount: number,
  lineStep: number,
  length: number,
  sampleStep: number,
  window: number,
  sums: Float32Array,
): void {
  let line = 0;
  for (; line + GROUP <= lineCount; line += GROUP) {
    boxFilter8Lines(input, output, start + line * lineStep, lineStep, length, sampleStep, window);
  }
  if (line < lineCount) {
    boxFilterLines(input, output, start + line * lineStep, lineCount - line, lineStep, length, sampleStep,
      window, sums); // prettier-ignore
  }
}

/**
 * Blurs a `width × height` luma plane as the reference does (two passes of horizontal-then-vertical
 * box filters, windows ⌈width/128⌉ along rows and ⌈height/128⌉ along columns: a tent of about 1/64
 * of the side) and point-samples the result near each cell centre of a `side × side` grid,
 * `out[i][j] = blurred[⌊(i + ½)·height/side⌋][⌊(j + ½)·width/side⌋]` in f64 (SPEC §2.6).
 *
 * Only the sampled columns of the last vertical pass are ever read, so that pass filters just
 * those columns: the same sums in the same order, an eighth of the work at 512 px. `plane` is
 * overwritten.
 */
export function blurAndDecimate(
  plane: Float32Array,
  width: number,
  height: number,
  side: number,
): Float32Array {
  const windowAlongRows = Math.ceil(width / 128);
  const windowAlongColumns = Math.ceil(height / 128);
  ensureReciprocals(Math.max(windowAlongRows, windowAlongColumns));
  const sums = workBuffer('blur sums', Math.max(width, height, side));
  const scratch = workBuffer('blur scratch', plane.length);
  const filterRows = (input: Float32Array, output: Float32Array): void =>
    filterLines(input, output, 0, height, width, width, 1, windowAlongRows, sums);
  filterRows(plane, scratch);
  filterLines(scratch, plane, 0, width, 1, height, width, windowAlongColumns, sums);
  filterRows(plane, scratch);

  const sampledColumns = workBuffer('blur sampled columns', height * side);
  for (let y = 0, at = 0; y < height; y++) {
    const row = y * width;
    for (let j = 0; j < side; j++)
      sampledColumns[at++] = scratch[row + Math.floor(((j + 0.5) * width) / side)]!;
  }
  const filtered = workBuffer('blur filtered', height * side);
  filterLines(sampledColumns, filtered, 0, side, 1, height, side, windowAlongColumns, sums);

  const out = new Float32Array(side * side);
  for (let i = 0; i < side; i++) {
    const row = Math.floor(((i + 0.5) * height) / side) * side;
    out.set(filtered.subarray(row, row + side), i * side);
  }
  return out;
}
