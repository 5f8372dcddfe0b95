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

/** Rows filtered side by side in the horizontal pass. */
const ROW_BAND = 16;

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
  const sums = new Float32Array(Math.max(width, height, side));
  const scratch = new Float32Array(plane.length);
  const filterRows = (input: Float32Array, output: Float32Array): void => {
    // Rows go in small bands: a few rows side by side still pipeline, and stay in cache.
    for (let y = 0; y < height; y += ROW_BAND) {
      boxFilterLines(
        input,
        output,
        y * width,
        Math.min(ROW_BAND, height - y),
        width,
        width,
        1,
        windowAlongRows,
        sums,
      );
    }
  };
  filterRows(plane, scratch);
  boxFilterLines(scratch, plane, 0, width, 1, height, width, windowAlongColumns, sums);
  filterRows(plane, scratch);

  const sampledColumns = new Float32Array(height * side);
  for (let y = 0, at = 0; y < height; y++) {
    const row = y * width;
    for (let j = 0; j < side; j++)
      sampledColumns[at++] = scratch[row + Math.floor(((j + 0.5) * width) / side)]!;
  }
  const filtered = new Float32Array(height * side);
  boxFilterLines(sampledColumns, filtered, 0, side, 1, height, side, windowAlongColumns, sums);

  const out = new Float32Array(side * side);
  for (let i = 0; i < side; i++) {
    const row = Math.floor(((i + 0.5) * height) / side) * side;
    out.set(filtered.subarray(row, row + side), i * side);
  }
  return out;
}
