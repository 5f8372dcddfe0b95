// The optimised JS blur (8 lines at a time, reciprocal multiplies, sampled columns only) against a
// plain transcription of SPEC §2.5-2.6: one line at a time, f32 division, every sample computed.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { blurAndDecimate } from '../src/jarosz-filter.js';

/** SPEC §2.5: the box filter of one line, running f32 sum, clipped windows. */
function boxLine(line: Float32Array, window: number): Float32Array {
  const half = Math.floor((window + 2) / 2);
  const out = new Float32Array(line.length);
  let sum = 0;
  let count = 0;
  let next = 0; // next sample to enter
  for (let k = 0; k < half - 1 && next < line.length; k++) {
    sum = Math.fround(sum + line[next++]!);
    count++;
  }
  for (let k = 0; k < line.length; k++) {
    if (next < line.length) {
      sum = Math.fround(sum + line[next++]!);
      count++;
    }
    const leaving = k - (window - half) - 1; // the sample that just left [k − (w − h), k + h − 1]
    if (leaving >= 0) {
      sum = Math.fround(sum - line[leaving]!);
      count--;
    }
    out[k] = Math.fround(sum / count);
  }
  return out;
}

/** SPEC §2.5-2.6: rows, columns, rows, columns on the whole plane, then point sampling. */
function referenceBlur(plane: Float32Array, width: number, height: number, side: number): Float32Array {
  const rows = (input: Float32Array): Float32Array => {
    const out = new Float32Array(input.length);
    for (let y = 0; y < height; y++) {
      out.set(boxLine(input.subarray(y * width, (y + 1) * width), Math.ceil(width / 128)), y * width);
    }
    return out;
  };
  const columns = (input: Float32Array): Float32Array => {
    const out = new Float32Array(input.length);
    const column = new Float32Array(height);
    for (let x = 0; x < width; x++) {
      for (let y = 0; y < height; y++) column[y] = input[y * width + x]!;
      const filtered = boxLine(column, Math.ceil(height / 128));
      for (let y = 0; y < height; y++) out[y * width + x] = filtered[y]!;
    }
    return out;
  };
  const blurred = columns(rows(columns(rows(plane))));
  const out = new Float32Array(side * side);
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      const y = Math.floor(((i + 0.5) * height) / side);
      const x = Math.floor(((j + 0.5) * width) / side);
      out[i * side + j] = blurred[y * width + x]!;
    }
  }
  return out;
}

const bits = (values: Float32Array): Uint32Array =>
  new Uint32Array(values.buffer, values.byteOffset, values.length);

describe('blurAndDecimate', () => {
  test('the transcription keeps the running sum: a window of 1 is no identity in f32', () => {
    // (1e8 + 0.1) − 1e8 = 0 in f32: the 0.1 is lost in the sum, as in the reference (SPEC §2.5).
    expect(Array.from(boxLine(Float32Array.of(1e8, 0.1), 1))).toEqual([1e8, 0]);
  });

  test('equals the plain SPEC transcription bit for bit (sizes 5..1100, windows 1..9)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 5, max: 1100 }), fc.constantFrom(5, 7, 8, 9, 64, 129, 512, 1024, 1100)),
        fc.oneof(fc.integer({ min: 5, max: 1100 }), fc.constantFrom(5, 7, 8, 9, 64, 129, 512, 1024, 1100)),
        fc.integer(),
        (width, height, seed) => {
          let state = seed | 1;
          const plane = new Float32Array(width * height).map(() => {
            state ^= state << 13;
            state ^= state >>> 17;
            state ^= state << 5;
            return ((state >>> 0) / 2 ** 32) * 255;
          });
          const expected = referenceBlur(plane, width, height, 64);
          expect(bits(blurAndDecimate(plane.slice(), width, height, 64))).toEqual(bits(expected));
        },
      ),
      { numRuns: 30 },
    );
  });
});
