// The WebAssembly core against the pure-JS core (the oracle): the same bits at every stage, on
// random images of many shapes, and the generated module in step with its .wat source.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { pdqHash, pdqHashDihedral, pdqHashFromLuma, type ImagePixels } from '@hashline/pdq';
import { GENERATED, renderGeneratedModule } from '../scripts/build-wasm.mjs';
import { dct16 } from '../src/dct.js';
import { blurAndDecimate } from '../src/jarosz-filter.js';
import { toLuma, validatePixels } from '../src/luma.js';
import { gradientSum } from '../src/pdq-hasher.js';
import { wasmCore, wasmCoreBytes } from '../src/wasm-core.js';

/** A deterministic pseudo-random generator (xorshift32), so a failing case replays from its seed. */
function random(seed: number): () => number {
  let state = seed | 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

type Style = 'noise' | 'smooth' | 'blocks' | 'flat';

/** An image of `style` content; row padding bytes (stride > row) hold noise that must be ignored. */
function image(
  width: number,
  height: number,
  channels: 1 | 3 | 4,
  extraStride: number,
  style: Style,
  seed: number,
): ImagePixels {
  const next = random(seed);
  const stride = width * channels + extraStride;
  const data = new Uint8Array(stride * height);
  for (let i = 0; i < data.length; i++) data[i] = (next() * 256) | 0;
  const fx = 1 + next() * 20;
  const fy = 1 + next() * 20;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const at = y * stride + x * channels + c;
        if (style === 'smooth') {
          data[at] = 127.5 + 127 * Math.sin((x / width) * fx + (y / height) * fy + c);
        } else if (style === 'blocks') {
          data[at] = ((x >> 4) * 37 + (y >> 3) * 91 + c * 50) & 0xff;
        } else if (style === 'flat') {
          data[at] = 200;
        }
      }
    }
  }
  return { data, width, height, channels, stride };
}

const bits = (values: Float32Array): Uint32Array =>
  new Uint32Array(values.buffer, values.byteOffset, values.length);

/** The JS core's 64×64 buffer and DCT for the same pixels (null under the minimum size). */
function jsStages(pixels: ImagePixels, preResize: boolean, alwaysBlur: boolean) {
  const { luma, width, height } = toLuma(pixels, preResize);
  if (width < 5 || height < 5) return null;
  const buffer64 =
    !alwaysBlur && width === 64 && height === 64 ? luma : blurAndDecimate(luma, width, height, 64);
  return { buffer64, dct: dct16(buffer64) };
}

const side = fc.oneof(
  fc.integer({ min: 1, max: 1100 }),
  fc.constantFrom(4, 5, 6, 7, 63, 64, 65, 127, 128, 129, 511, 512, 513, 640, 1024, 1100),
);

describe('WebAssembly core', () => {
  test('the generated module is what scripts/build-wasm.mjs makes of pdq-core.wat', async () => {
    // On failure: npm run build:wasm -w @hashline/pdq, and commit both files.
    expect(readFileSync(GENERATED, 'utf8')).toBe(await renderGeneratedModule());
  });

  test('the module stays under 4 KiB, so browsers compile it synchronously on the main thread', () => {
    expect(wasmCoreBytes().length).toBeLessThan(4096);
    expect(wasmCoreBytes().subarray(0, 4)).toEqual(new Uint8Array([0, 0x61, 0x73, 0x6d]));
  });

  test('is available in Node', () => {
    expect(wasmCore()).not.toBeNull();
  });

  test('the same 64×64 buffer and DCT bits as the JS core on random images', () => {
    const core = wasmCore()!;
    fc.assert(
      fc.property(
        side,
        side,
        fc.constantFrom<1 | 3 | 4>(1, 3, 4),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom<Style>('noise', 'smooth', 'blocks', 'flat'),
        fc.boolean(),
        fc.boolean(),
        fc.integer(),
        (width, height, channels, extraStride, style, preResize, alwaysBlur, seed) => {
          const pixels = image(width, height, channels, extraStride, style, seed);
          const expected = jsStages(pixels, preResize, alwaysBlur);
          const got = core.fromPixels(pixels, validatePixels(pixels), preResize, alwaysBlur);
          if (expected === null) {
            expect(got).toBeNull();
            return;
          }
          if (got === null || got === 'too-large') throw new Error(`no stages: ${String(got)}`);
          expect(bits(got.buffer64)).toEqual(bits(expected.buffer64));
          expect(bits(got.dct)).toEqual(bits(expected.dct));
          expect(got.gradientSum).toBe(gradientSum(expected.buffer64));
        },
      ),
      { numRuns: 80 },
    );
  });

  test('pdqHash and pdqHashDihedral agree between engines (windows 1..9, strides, pre-resize on/off)', () => {
    fc.assert(
      fc.property(
        side,
        side,
        fc.constantFrom<1 | 3 | 4>(1, 3, 4),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom<Style>('noise', 'smooth', 'blocks'),
        fc.boolean(),
        fc.integer(),
        (width, height, channels, extraStride, style, preResize, seed) => {
          const pixels = image(width, height, channels, extraStride, style, seed);
          const options = { preResize } as const;
          expect(pdqHash(pixels, { ...options, engine: 'wasm' })).toEqual(
            pdqHash(pixels, { ...options, engine: 'js' }),
          );
          expect(pdqHashDihedral(pixels, { ...options, engine: 'wasm' })).toEqual(
            pdqHashDihedral(pixels, { ...options, engine: 'js' }),
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  test('pdqHashFromLuma agrees between engines on arbitrary f32 luma, and leaves it untouched', () => {
    fc.assert(
      fc.property(
        side,
        side,
        fc.integer(),
        fc.constantFrom(1e-3, 1, 255, 1e6, 1e15, 1e30, 'banded' as const),
        (width, height, seed, scale) => {
          const next = random(seed);
          // 'banded': bands of rows 1 to 1e30 in magnitude, so the graded steps span 30 orders of
          // magnitude and their f64 sum depends on the order of the additions.
          const magnitude = (i: number): number =>
            scale === 'banded' ? 10 ** ((Math.floor(i / width / 3) * 7) % 31) : scale;
          const luma = new Float32Array(width * height + 3).map((_, i) => (next() - 0.25) * magnitude(i));
          const copy = luma.slice();
          const wasm = pdqHashFromLuma(luma, width, height, { engine: 'wasm' });
          // Byte comparison: a deep equality over a million elements would take seconds.
          expect(Buffer.compare(new Uint8Array(luma.buffer), new Uint8Array(copy.buffer))).toBe(0);
          expect(wasm).toEqual(pdqHashFromLuma(luma, width, height, { engine: 'js' }));
          // Stages too: with values this wide the gradient sum is no longer a small integer, and
          // only the same order of f64 additions gives the same sum.
          const stages = wasmCore()!.fromLuma(luma, width, height, true);
          if (width < 5 || height < 5) {
            expect(stages).toBeNull();
            return;
          }
          if (stages === null || stages === 'too-large') throw new Error(`no stages: ${String(stages)}`);
          const buffer64 = blurAndDecimate(luma.slice(0, width * height), width, height, 64);
          expect(bits(stages.buffer64)).toEqual(bits(buffer64));
          expect(bits(stages.dct)).toEqual(bits(dct16(buffer64)));
          expect(stages.gradientSum).toBe(gradientSum(buffer64));
        },
      ),
      { numRuns: 40 },
    );
  });

  test('very large images: memory kept while they come, let go at the next small one, results exact', () => {
    const core = wasmCore()!;
    const big = image(4300, 4000, 1, 0, 'smooth', 7); // 17 MP grey: 69 MB f32 planes without pre-resize
    const bigger = image(4400, 4000, 1, 0, 'blocks', 9);
    expect(pdqHash(big, { preResize: false, engine: 'wasm' })).toEqual(
      pdqHash(big, { preResize: false, engine: 'js' }),
    );
    const grown = core.memoryBytes;
    expect(grown).toBeGreaterThan(128 * 1024 * 1024);
    expect(pdqHash(bigger, { preResize: false, engine: 'wasm' })).toEqual(
      pdqHash(bigger, { preResize: false, engine: 'js' }),
    );
    expect(core.memoryBytes).toBeGreaterThanOrEqual(grown); // the same memory, grown a little
    const small = image(300, 200, 3, 0, 'noise', 8);
    expect(pdqHash(small, { engine: 'wasm' })).toEqual(pdqHash(small, { engine: 'js' }));
    expect(core.memoryBytes).toBeLessThan(8 * 1024 * 1024);
  });
});

test('an unknown engine name is rejected', () => {
  const pixels = image(20, 20, 1, 0, 'flat', 1);
  expect(() => pdqHash(pixels, { engine: 'gpu' as 'js' })).toThrow(
    expect.objectContaining({ code: 'PDQ_ENGINE_UNAVAILABLE' }),
  );
});

describe('without WebAssembly', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  test("'auto' falls back to the JS core; 'wasm' throws PDQ_ENGINE_UNAVAILABLE", async () => {
    const pixels = image(100, 80, 3, 0, 'smooth', 3);
    const expected = pdqHash(pixels, { engine: 'js' });
    vi.stubGlobal('WebAssembly', undefined);
    vi.resetModules();
    const fresh = await import('../src/index.js');
    expect(fresh.pdqHash(pixels)).toEqual(expected);
    expect(() => fresh.pdqHash(pixels, { engine: 'wasm' })).toThrow(fresh.PdqError);
    expect(() => fresh.pdqHash(pixels, { engine: 'wasm' })).toThrow(
      expect.objectContaining({ code: 'PDQ_ENGINE_UNAVAILABLE' }),
    );
  });

  test('a module the runtime refuses to compile (no SIMD, CSP) falls back too', async () => {
    const pixels = image(70, 90, 1, 2, 'blocks', 4);
    const expected = pdqHash(pixels, { engine: 'js' });
    vi.stubGlobal('WebAssembly', {
      ...WebAssembly,
      Module: function refuse() {
        throw new WebAssembly.CompileError('WebAssembly compilation refused by policy');
      },
    });
    vi.resetModules();
    const fresh = await import('../src/index.js');
    expect(fresh.pdqHash(pixels)).toEqual(expected);
    expect(() => fresh.pdqHash(pixels, { engine: 'wasm' })).toThrow(
      expect.objectContaining({ code: 'PDQ_ENGINE_UNAVAILABLE' }),
    );
  });
});
