import { BUFFER_SIDE, DCT_MATRIX, DCT_MATRIX_T, DCT_SIDE } from './dct.js';
import { MIN_SIDE, PRE_RESIZE_SIDE } from './luma.js';
import type { ImagePixels } from './types.js';
import { WASM_CORE_BASE64 } from './wasm-core-bytes.js';

/**
 * The parts of the WebAssembly JS API used here. Declared locally because the package compiles
 * with `"types": []` and lib ES2022 (no DOM, no Node), and read from `globalThis` so that a runtime
 * without WebAssembly simply falls back to the JS core.
 */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** Exports of pdq-core.wat; every pointer is a byte offset into `memory`. */
interface CoreExports {
  readonly memory: WasmMemory;
  gather(
    src: number,
    rowBytes: number,
    table: number,
    width: number,
    height: number,
    channels: number,
    dst: number,
  ): void;
  luma(src: number, width: number, height: number, channels: number, dst: number, dstStride: number): void;
  columns(
    input: number,
    output: number,
    lineBytes: number,
    length: number,
    window: number,
    sums: number,
    zero: number,
    junk: number,
  ): void;
  rows(
    input: number,
    output: number,
    width: number,
    paddedHeight: number,
    paddedWidth: number,
    window: number,
    table: number,
    columns: number,
    outStride: number,
    t: number,
    o: number,
    sums: number,
    zero: number,
    junk: number,
  ): void;
  dct(buffer64: number, t: number, c: number): void;
  gradient(buffer64: number): number;
}

/** What the blur and DCT stages produce for one image. */
export interface CoreStages {
  /** The 16×16 DCT, C[i][j] at 16·i + j (the caller's own copy). */
  readonly dct: Float32Array;
  /** The 64×64 blurred, decimated buffer; valid only until the next call into the core. */
  readonly buffer64: Float32Array;
  /** The quality's gradient sum over buffer64 (SPEC §2.7), added as pdq-hasher.ts adds it. */
  readonly gradientSum: number;
}

const PAGE = 65536;
/**
 * Lines filtered side by side: 4 vectors of 4, whose running sums stay in registers. Planes are
 * padded to multiples of it both ways (rows go in bands of 16, columns in strips of 16).
 */
const LINES = 16;
/** Sampled source rows are copied in and resampled this many bytes at a time (stays in L2). */
const STAGING_BYTES = 128 * 1024;
/** Fixed regions: D (16×64) at 0 and Dᵀ (64×16) at 4096 (pdq-core.wat reads them there). */
const D_AT = 0;
const DT_AT = 4096;
const B64_AT = 8192;
const T_AT = B64_AT + BUFFER_SIDE * BUFFER_SIDE * 4;
const C_AT = T_AT + DCT_SIDE * BUFFER_SIDE * 4;
const DYNAMIC_AT = C_AT + DCT_SIDE * DCT_SIDE * 4;
/**
 * A memory grown past this for very large images (`preResize: false` on photos, 4K video frames)
 * is kept while images of that size keep coming, and let go (a new instance, a new small memory)
 * at the first call that needs less than a quarter of it: a one-off huge image does not pin its
 * memory for the life of the process, and a run of them does not pay for growing it every time.
 */
const KEEP_MEMORY_BYTES = 64 * 1024 * 1024;
/** Planes beyond this fall back to the JS core (wasm32 addresses, and no giant allocations). */
const MAX_MEMORY_BYTES = 1024 * 1024 * 1024;

const align16 = (bytes: number): number => (bytes + 15) & ~15;
const roundUp16 = (n: number): number => (n + 15) & ~15;

/**
 * The WebAssembly core: the same stages as the JS core (luma, Jarosz blur, decimation, DCT) on
 * f32 in linear memory, the box filters running 16 lines at a time (4 SIMD vectors of 4).
 * Bit-exact with the JS core, which stays the fallback and the oracle (test/wasm-core.test.ts).
 */
export class WasmCore {
  private exports: CoreExports;
  private bytes!: Uint8Array;
  private floats!: Float32Array;
  private ints!: Int32Array;

  constructor(private readonly instantiate: () => CoreExports) {
    this.exports = instantiate();
    this.refreshViews();
    this.floats.set(DCT_MATRIX, D_AT >> 2);
    this.floats.set(DCT_MATRIX_T, DT_AT >> 2);
  }

  /**
   * Luma (with the reference's 512 pre-resize when asked), blur, decimation and DCT of validated
   * pixels (`stride` from validatePixels). Null when the image is under the minimum size;
   * `'too-large'` when its planes do not fit this core's memory (the caller then uses the JS core).
   */
  fromPixels(
    pixels: ImagePixels,
    stride: number,
    preResize: boolean,
    alwaysBlur: boolean,
  ): CoreStages | null | 'too-large' {
    const { width, height, channels } = pixels;
    const resize = preResize && (width > PRE_RESIZE_SIDE || height > PRE_RESIZE_SIDE);
    const outWidth = resize ? PRE_RESIZE_SIDE : width;
    const outHeight = resize ? PRE_RESIZE_SIDE : height;
    if (outWidth < MIN_SIDE || outHeight < MIN_SIDE) return null;
    const rowBytes = width * channels;
    const outRowBytes = outWidth * channels;
    // Source rows (only the sampled ones for the pre-resize) cross into the module's memory a few
    // at a time, into a staging area that stays in cache while they are turned into luma: first,
    // for the pre-resize, the sampled columns are picked out into compact rows. 16 bytes of slack
    // after each area: the SIMD luma reads 16 bytes at a time, the resampling 4.
    const stagedRows = Math.max(1, Math.min(outHeight, Math.floor(STAGING_BYTES / rowBytes)));
    const stagingBytes = align16(rowBytes * stagedRows + 16);
    const resampledBytes = resize ? align16(outRowBytes * stagedRows + 16) + outWidth * 4 : 0;
    const layout = this.layout(outWidth, outHeight, stagingBytes + resampledBytes);
    if (!layout) return 'too-large';
    const { plane, paddedWidth } = layout;
    const staging = layout.extra;
    const resampled = staging + stagingBytes;
    const table = resampled + align16(outRowBytes * stagedRows + 16);
    if (resize) {
      for (let x = 0; x < outWidth; x++) {
        // x·W/512 in f64, floored (SPEC §2.2), as in luma.ts.
        this.ints[(table >> 2) + x] = Math.floor((x * width) / PRE_RESIZE_SIDE) * channels;
      }
    }
    const data = pixels.data;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length); // Uint8ClampedArray too
    for (let first = 0; first < outHeight; first += stagedRows) {
      const count = Math.min(stagedRows, outHeight - first);
      if (!resize && stride === rowBytes) {
        this.bytes.set(bytes.subarray(first * rowBytes, (first + count) * rowBytes), staging);
      } else {
        for (let i = 0; i < count; i++) {
          // y·H/512 in f64, floored (SPEC §2.2), as in luma.ts.
          const sourceY = resize ? Math.floor(((first + i) * height) / PRE_RESIZE_SIDE) : first + i;
          const at = sourceY * stride;
          this.bytes.set(bytes.subarray(at, at + rowBytes), staging + i * rowBytes);
        }
      }
      let rows = staging;
      if (resize) {
        this.exports.gather(staging, rowBytes, table, outWidth, count, channels, resampled);
        rows = resampled;
      }
      this.exports.luma(rows, outWidth, count, channels, plane + first * paddedWidth * 4, paddedWidth);
    }
    return this.finish(layout, outWidth, outHeight, alwaysBlur);
  }

  /** Blur, decimation and DCT of an f32 luma plane (no pre-resize); results as {@link fromPixels}. */
  fromLuma(
    luma: Float32Array,
    width: number,
    height: number,
    alwaysBlur: boolean,
  ): CoreStages | null | 'too-large' {
    if (width < MIN_SIDE || height < MIN_SIDE) return null;
    const layout = this.layout(width, height, 0);
    if (!layout) return 'too-large';
    const { plane, paddedWidth } = layout;
    if (paddedWidth === width) {
      this.floats.set(luma.subarray(0, width * height), plane >> 2);
    } else {
      for (let y = 0; y < height; y++) {
        this.floats.set(luma.subarray(y * width, (y + 1) * width), (plane >> 2) + y * paddedWidth);
      }
    }
    return this.finish(layout, width, height, alwaysBlur);
  }

  private finish(layout: Layout, width: number, height: number, alwaysBlur: boolean): CoreStages {
    const f = this.floats;
    const { plane, paddedWidth, paddedHeight } = layout;
    // Rows past the image only ever feed lanes whose results are dropped; zeros keep them tame.
    f.fill(0, (plane >> 2) + height * paddedWidth, (plane >> 2) + paddedHeight * paddedWidth);
    if (!alwaysBlur && width === BUFFER_SIDE && height === BUFFER_SIDE) {
      // The reference's non-dihedral path uses a 64×64 plane as is (SPEC §2.4).
      f.copyWithin(B64_AT >> 2, plane >> 2, (plane >> 2) + BUFFER_SIDE * BUFFER_SIDE);
    } else {
      this.blurAndDecimate(layout, width, height);
    }
    this.exports.dct(B64_AT, T_AT, C_AT);
    return {
      dct: f.slice(C_AT >> 2, (C_AT >> 2) + DCT_SIDE * DCT_SIDE),
      buffer64: f.subarray(B64_AT >> 2, (B64_AT >> 2) + BUFFER_SIDE * BUFFER_SIDE),
      gradientSum: this.exports.gradient(B64_AT),
    };
  }

  /** The Jarosz blur and 64×64 decimation of jarosz-filter.ts, with the same f32 running sums. */
  private blurAndDecimate(layout: Layout, width: number, height: number): void {
    const { plane, scratch, paddedWidth, paddedHeight, columns, samples, t, o, sums, zero, junk } = layout;
    const sampled = layout.sampled;
    const filtered = layout.filtered;
    const wasm = this.exports;
    const windowAlongRows = Math.ceil(width / 128);
    const windowAlongColumns = Math.ceil(height / 128);
    const ints = this.ints;
    // Padding columns repeat the last real one, so every lane holds ordinary values.
    for (let x = 0; x < paddedWidth; x++) ints[(columns >> 2) + x] = Math.min(x, width - 1);
    // ⌊(j + ½)·W/64⌋ in f64 (SPEC §2.6).
    for (let j = 0; j < BUFFER_SIDE; j++) {
      ints[(samples >> 2) + j] = Math.floor(((j + 0.5) * width) / BUFFER_SIDE);
    }
    const lineBytes = paddedWidth * 4;
    wasm.rows(
      plane,
      scratch,
      width,
      paddedHeight,
      paddedWidth,
      windowAlongRows,
      columns,
      paddedWidth,
      paddedWidth,
      t,
      o,
      sums,
      zero,
      junk,
    );
    wasm.columns(scratch, plane, lineBytes, height, windowAlongColumns, sums, zero, junk);
    // The second row pass keeps only the 64 sampled columns, and the last vertical pass filters
    // only those (the other columns are never read).
    wasm.rows(
      plane,
      sampled,
      width,
      paddedHeight,
      paddedWidth,
      windowAlongRows,
      samples,
      BUFFER_SIDE,
      BUFFER_SIDE,
      t,
      o,
      sums,
      zero,
      junk,
    );
    wasm.columns(sampled, filtered, BUFFER_SIDE * 4, height, windowAlongColumns, sums, zero, junk);
    const f = this.floats;
    for (let i = 0; i < BUFFER_SIDE; i++) {
      const row = (filtered >> 2) + Math.floor(((i + 0.5) * height) / BUFFER_SIDE) * BUFFER_SIDE;
      f.copyWithin((B64_AT >> 2) + i * BUFFER_SIDE, row, row + BUFFER_SIDE);
    }
  }

  /** Places the buffers for a `width × height` plane (plus `extraBytes`), growing the memory. */
  private layout(width: number, height: number, extraBytes: number): Layout | null {
    const paddedWidth = roundUp16(width);
    const paddedHeight = roundUp16(height);
    const lineBytes = LINES * 4;
    const planeBytes = paddedWidth * paddedHeight * 4;
    const sampledBytes = paddedHeight * BUFFER_SIDE * 4;
    const bandBytes = LINES * paddedWidth * 4;
    let at = DYNAMIC_AT;
    const take = (bytes: number): number => {
      const start = at;
      at += align16(bytes);
      return start;
    };
    const layout: Layout = {
      paddedWidth,
      paddedHeight,
      zero: take(lineBytes),
      junk: take(lineBytes),
      sums: take(lineBytes),
      columns: take(paddedWidth * 4),
      samples: take(BUFFER_SIDE * 4),
      t: take(bandBytes),
      o: take(bandBytes),
      sampled: take(sampledBytes),
      filtered: take(sampledBytes),
      plane: take(planeBytes),
      scratch: take(planeBytes),
      extra: take(extraBytes),
    };
    if (at > MAX_MEMORY_BYTES) return null;
    const size = this.exports.memory.buffer.byteLength;
    if (size > KEEP_MEMORY_BYTES && at * 4 < size) {
      // Let the big memory go: a new instance starts with one page (the DCT matrices copied over).
      const matrices = this.floats.slice(D_AT >> 2, B64_AT >> 2);
      try {
        this.exports = this.instantiate();
        this.refreshViews();
        this.floats.set(matrices, D_AT >> 2);
      } catch {
        // No new instance to be had: carry on in the big memory.
      }
    }
    const memory = this.exports.memory;
    if (at > memory.buffer.byteLength) {
      try {
        memory.grow(Math.ceil((at - memory.buffer.byteLength) / PAGE));
      } catch {
        return null; // the engine refused the memory (RangeError): leave this image to the JS core
      }
      this.refreshViews();
    }
    // The zero line must hold zeros (the box filter's add-only and subtract-only phases read it).
    this.bytes.fill(0, layout.zero, layout.zero + lineBytes);
    return layout;
  }

  /** Current size of the module's memory in bytes (for tests and diagnostics). */
  get memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  private refreshViews(): void {
    const buffer = this.exports.memory.buffer;
    this.bytes = new Uint8Array(buffer);
    this.floats = new Float32Array(buffer);
    this.ints = new Int32Array(buffer);
  }
}

/** Byte offsets of one call's buffers in the module's memory. */
interface Layout {
  readonly paddedWidth: number;
  readonly paddedHeight: number;
  readonly zero: number;
  readonly junk: number;
  readonly sums: number;
  readonly columns: number;
  readonly samples: number;
  readonly t: number;
  readonly o: number;
  readonly sampled: number;
  readonly filtered: number;
  readonly plane: number;
  readonly scratch: number;
  readonly extra: number;
}

/** Decodes standard base64 (the embedded module); the package has no atob in its types. */
function decodeBase64(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const values = new Uint8Array(128);
  for (let i = 0; i < alphabet.length; i++) values[alphabet.charCodeAt(i)] = i;
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array((clean.length * 3) >> 2);
  let bits = 0;
  let count = 0;
  let at = 0;
  for (let i = 0; i < clean.length; i++) {
    bits = (bits << 6) | values[clean.charCodeAt(i)]!;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[at++] = (bits >> count) & 0xff;
    }
  }
  return out;
}

/** The bytes of the WebAssembly module (exported for tests). */
export function wasmCoreBytes(): Uint8Array {
  return decodeBase64(WASM_CORE_BASE64);
}

let core: WasmCore | null | undefined;

/**
 * The WebAssembly core, instantiated on first use; null where WebAssembly (with SIMD) is missing
 * or refused, e.g. by a Content-Security-Policy without `'wasm-unsafe-eval'`. The module is small
 * enough (< 4 KiB) to compile synchronously even on a browser's main thread.
 */
export function wasmCore(): WasmCore | null {
  if (core !== undefined) return core;
  core = null;
  try {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (api) {
      const module = new api.Module(wasmCoreBytes());
      core = new WasmCore(() => new api.Instance(module, {}).exports as CoreExports);
    }
  } catch {
    // No SIMD, or compilation refused (CSP): the JS core serves every call.
    core = null;
  }
  return core;
}
