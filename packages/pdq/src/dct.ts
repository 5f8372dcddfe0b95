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

/**
 * Computes the 16×16 DCT `C = D·B·Dᵀ` of a 64×64 buffer, accumulating each sum over k in order in
 * f32 with every product rounded to f32 first, as the reference does. Row i of the result is
 * vertical frequency i+1, column j horizontal frequency j+1.
 */
export function dct16(buffer64: Float32Array): Float32Array {
  const d = DCT_MATRIX;
  const t = new Float32Array(DCT_SIDE * BUFFER_SIDE);
  for (let i = 0; i < DCT_SIDE; i++) {
    const dRow = i * BUFFER_SIDE;
    for (let j = 0; j < BUFFER_SIDE; j++) {
      let sum = 0;
      for (let k = 0; k < BUFFER_SIDE; k++) {
        sum = Math.fround(sum + Math.fround(d[dRow + k]! * buffer64[k * BUFFER_SIDE + j]!));
      }
      t[dRow + j] = sum;
    }
  }
  const c = new Float32Array(DCT_SIDE * DCT_SIDE);
  for (let i = 0; i < DCT_SIDE; i++) {
    const tRow = i * BUFFER_SIDE;
    for (let j = 0; j < DCT_SIDE; j++) {
      const dRow = j * BUFFER_SIDE;
      let sum = 0;
      for (let k = 0; k < BUFFER_SIDE; k++) sum = Math.fround(sum + Math.fround(t[tRow + k]! * d[dRow + k]!));
      c[i * DCT_SIDE + j] = sum;
    }
  }
  return c;
}
