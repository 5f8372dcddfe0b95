/**
 * One-dimensional box filter over `length` samples spaced `step` apart, in f32 with a running sum,
 * exactly as the reference accumulates it (SPEC §2.5): the sum is never recomputed, so its rounding
 * error carries along the line, and a bit-exact port must add and subtract in the same order.
 *
 * The window covers [k − (window − half), k + half − 1] with half = ⌊(window + 2) / 2⌋, clipped at
 * both ends, where the divisor shrinks with it.
 */
function boxFilter1d(
  input: Float32Array,
  output: Float32Array,
  start: number,
  length: number,
  step: number,
  window: number,
): void {
  const half = (window + 2) >> 1;
  const leadIn = half - 1; // samples only added, before the first output
  const growing = window - half + 1; // outputs while the window fills up
  const steady = length - window; // outputs with a full window
  const tail = half - 1; // outputs while the window drains
  let sum = 0;
  let count = 0;
  let read = start; // right edge: next sample to add
  let drop = start; // left edge: next sample to subtract
  let write = start;
  for (let i = 0; i < leadIn; i++) {
    sum = Math.fround(sum + input[read]!);
    count++;
    read += step;
  }
  for (let i = 0; i < growing; i++) {
    sum = Math.fround(sum + input[read]!);
    count++;
    output[write] = sum / count;
    read += step;
    write += step;
  }
  for (let i = 0; i < steady; i++) {
    sum = Math.fround(sum + input[read]!);
    sum = Math.fround(sum - input[drop]!);
    output[write] = sum / count;
    read += step;
    drop += step;
    write += step;
  }
  for (let i = 0; i < tail; i++) {
    sum = Math.fround(sum - input[drop]!);
    count--;
    output[write] = sum / count;
    drop += step;
    write += step;
  }
}

/**
 * Blurs a `width × height` plane in place with two passes of horizontal-then-vertical box filters,
 * windows ⌈width/128⌉ along rows and ⌈height/128⌉ along columns (a tent of about 1/64 of the side).
 * `scratch` must hold as many samples as `plane`.
 */
export function jaroszBlur(plane: Float32Array, scratch: Float32Array, width: number, height: number): void {
  const windowAlongRows = Math.ceil(width / 128);
  const windowAlongColumns = Math.ceil(height / 128);
  for (let pass = 0; pass < 2; pass++) {
    for (let y = 0; y < height; y++) boxFilter1d(plane, scratch, y * width, width, 1, windowAlongRows);
    for (let x = 0; x < width; x++) boxFilter1d(scratch, plane, x, height, width, windowAlongColumns);
  }
}
