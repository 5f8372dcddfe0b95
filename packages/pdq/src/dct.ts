/** Side of the buffer the blurred luma is decimated to. */
export const BUFFER_SIDE = 64;
/** Side of the DCT output: frequencies 1..16 on each axis (the DC row is skipped). */
export const DCT_SIDE = 16;

/**
 * The 16×64 DCT-II basis for frequencies 1..16, f32 entries from an f64 cosine (SPEC §2.8).
 * Node 20's Math.cos gives a table bit-identical to glibc's for all 1024 entries.
 */
export const DCT_MATRIX: Float32Array = (() => {
  const matrix = new Float32Array(DCT_SIDE * BUFFER_SIDE);
  const scale = Math.fround(Math.sqrt(2 / BUFFER_SIDE));
  for (let i = 0; i < DCT_SIDE; i++) {
    for (let j = 0; j < BUFFER_SIDE; j++) {
      matrix[i * BUFFER_SIDE + j] = scale * Math.cos((Math.PI / 2 / BUFFER_SIDE) * (i + 1) * (2 * j + 1));
    }
  }
  return matrix;
})();

/** Dᵀ (64×16), so that the second product also reads its matrix row by row. */
export const DCT_MATRIX_T: Float32Array = (() => {
  const transposed = new Float32Array(BUFFER_SIDE * DCT_SIDE);
  for (let j = 0; j < DCT_SIDE; j++) {
    for (let k = 0; k < BUFFER_SIDE; k++) transposed[k * DCT_SIDE + j] = DCT_MATRIX[j * BUFFER_SIDE + k]!;
  }
  return transposed;
})();

/** Running sums of one output row (f64 slots holding f32 values). */
const ACCUMULATORS = new Float64Array(BUFFER_SIDE);

/**
 * Computes the 16×16 DCT `C = D·B·Dᵀ` of a 64×64 buffer, accumulating each sum over k in order in
 * f32 with every product rounded to f32 first, as the reference does. Row i of the result is
 * vertical frequency i+1, column j horizontal frequency j+1.
 *
 * The loops run k outside j: each output keeps its own sum, still added in k order, and the 64 (or
 * 16) independent sums of a row pipeline instead of waiting on one chain of dependent additions.
 */
export function dct16(buffer64: Float32Array): Float32Array {
  const d = DCT_MATRIX;
  const sums = ACCUMULATORS;
  const t = new Float32Array(DCT_SIDE * BUFFER_SIDE);
  for (let i = 0; i < DCT_SIDE; i++) {
    sums.fill(0);
    for (let k = 0; k < BUFFER_SIDE; k++) {
      const weight = d[i * BUFFER_SIDE + k]!;
      const row = k * BUFFER_SIDE;
      for (let j = 0; j < BUFFER_SIDE; j++) {
        sums[j] = Math.fround(sums[j]! + Math.fround(weight * buffer64[row + j]!));
      }
    }
    t.set(sums, i * BUFFER_SIDE);
  }
  const dt = DCT_MATRIX_T;
  const c = new Float32Array(DCT_SIDE * DCT_SIDE);
  for (let i = 0; i < DCT_SIDE; i++) {
    sums.fill(0, 0, DCT_SIDE);
    for (let k = 0; k < BUFFER_SIDE; k++) {
      const value = t[i * BUFFER_SIDE + k]!;
      const row = k * DCT_SIDE;
      for (let j = 0; j < DCT_SIDE; j++) sums[j] = Math.fround(sums[j]! + Math.fround(value * dt[row + j]!));
    }
    c.set(sums.subarray(0, DCT_SIDE), i * DCT_SIDE);
  }
  return c;
}
