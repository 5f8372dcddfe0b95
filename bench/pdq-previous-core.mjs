// Frozen copy of @hashline/pdq as of commit 9fc7b2c (the pure-JS core before the WebAssembly core),
// bundled with esbuild from packages/pdq/src: the baseline that bench/pdq.bench.mjs measures in the
// same run as the current package. Not used by anything else; never edit by hand.
// packages/pdq/src/types.ts
var DIHEDRAL_NAMES = ['orig', 'rot90', 'rot180', 'rot270', 'flipx', 'flipy', 'flipp', 'flipm'];

// packages/pdq/src/pdq-error.ts
var PdqError = class extends Error {
  /** A stable, machine-readable code; the message is for people. */
  code;
  constructor(code, message) {
    super(message);
    this.name = 'PdqError';
    this.code = code;
  }
};

// packages/pdq/src/hash-codec.ts
var PDQ_HASH_BYTES = 32;
var HEX_DIGITS = '0123456789abcdef';
var HEX_PATTERN = /^[0-9a-fA-F]{64}$/;
function toHex(hash) {
  assertHash(hash, 'hash');
  let hex = '';
  for (let i = 0; i < PDQ_HASH_BYTES; i++) {
    const byte = hash[i];
    hex += HEX_DIGITS[byte >> 4] + HEX_DIGITS[byte & 15];
  }
  return hex;
}
function fromHex(hex) {
  if (typeof hex !== 'string')
    throw new PdqError('PDQ_INVALID_HEX', 'A PDQ hash must be a string of 64 hex digits.');
  if (!HEX_PATTERN.test(hex)) {
    const detail =
      hex.length !== 64
        ? `it has ${hex.length} characters`
        : `character ${[...hex].findIndex((c) => !/[0-9a-fA-F]/.test(c)) + 1} is not a hex digit`;
    throw new PdqError('PDQ_INVALID_HEX', `A PDQ hash must be exactly 64 hex digits; ${detail}.`);
  }
  const hash = new Uint8Array(PDQ_HASH_BYTES);
  for (let i = 0; i < PDQ_HASH_BYTES; i++) hash[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return hash;
}
function isPdqHex(hex) {
  return typeof hex === 'string' && HEX_PATTERN.test(hex);
}
var BYTE_POPCOUNT = new Uint8Array(256).map((_, b) => {
  let n = 0;
  for (let v = b; v; v &= v - 1) n++;
  return n;
});
function hammingDistance(a, b) {
  assertHash(a, 'a');
  assertHash(b, 'b');
  let distance = 0;
  for (let i = 0; i < PDQ_HASH_BYTES; i++) distance += BYTE_POPCOUNT[a[i] ^ b[i]];
  return distance;
}
function assertHash(hash, name) {
  if (!(hash instanceof Uint8Array) || hash.length !== PDQ_HASH_BYTES) {
    throw new PdqError('PDQ_INVALID_HASH', `${name} must be a PDQ hash of ${PDQ_HASH_BYTES} bytes.`);
  }
}

// packages/pdq/src/jarosz-filter.ts
var RECIPROCALS = new Float64Array(0);
function ensureReciprocals(window) {
  if (RECIPROCALS.length > window) return;
  RECIPROCALS = new Float64Array(Math.max(window + 1, 64)).map((_, count) => (count === 0 ? 0 : 1 / count));
}
function boxFilterLines(input, output, start, lineCount, lineStep, length, sampleStep, window, sums) {
  const half = (window + 2) >> 1;
  const leadIn = half - 1;
  const growing = window - half + 1;
  const steady = length - window;
  const tail = half - 1;
  sums.fill(0, 0, lineCount);
  let count = 0;
  let read = start;
  let drop = start;
  let write = start;
  for (let i = 0; i < leadIn; i++, read += sampleStep) {
    count++;
    for (let line = 0, at = read; line < lineCount; line++, at += lineStep) {
      sums[line] = sums[line] + input[at];
    }
  }
  for (let i = 0; i < growing; i++, read += sampleStep, write += sampleStep) {
    const reciprocal2 = RECIPROCALS[++count];
    for (let line = 0, offset = 0; line < lineCount; line++, offset += lineStep) {
      const sum = Math.fround(sums[line] + input[read + offset]);
      sums[line] = sum;
      output[write + offset] = sum * reciprocal2;
    }
  }
  const reciprocal = RECIPROCALS[count];
  for (let i = 0; i < steady; i++, read += sampleStep, drop += sampleStep, write += sampleStep) {
    for (let line = 0, offset = 0; line < lineCount; line++, offset += lineStep) {
      const sum = Math.fround(Math.fround(sums[line] + input[read + offset]) - input[drop + offset]);
      sums[line] = sum;
      output[write + offset] = sum * reciprocal;
    }
  }
  for (let i = 0; i < tail; i++, drop += sampleStep, write += sampleStep) {
    const reciprocal2 = RECIPROCALS[--count];
    for (let line = 0, offset = 0; line < lineCount; line++, offset += lineStep) {
      const sum = Math.fround(sums[line] - input[drop + offset]);
      sums[line] = sum;
      output[write + offset] = sum * reciprocal2;
    }
  }
}
var ROW_BAND = 16;
function blurAndDecimate(plane, width, height, side) {
  const windowAlongRows = Math.ceil(width / 128);
  const windowAlongColumns = Math.ceil(height / 128);
  ensureReciprocals(Math.max(windowAlongRows, windowAlongColumns));
  const sums = new Float32Array(Math.max(width, height, side));
  const scratch = new Float32Array(plane.length);
  const filterRows = (input, output) => {
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
      sampledColumns[at++] = scratch[row + Math.floor(((j + 0.5) * width) / side)];
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

// packages/pdq/src/dct.ts
var BUFFER_SIDE = 64;
var DCT_SIDE = 16;
var DCT_MATRIX = (() => {
  const matrix = new Float32Array(DCT_SIDE * BUFFER_SIDE);
  const scale = Math.fround(Math.sqrt(2 / BUFFER_SIDE));
  for (let i = 0; i < DCT_SIDE; i++) {
    for (let j = 0; j < BUFFER_SIDE; j++) {
      matrix[i * BUFFER_SIDE + j] = scale * Math.cos((Math.PI / 2 / BUFFER_SIDE) * (i + 1) * (2 * j + 1));
    }
  }
  return matrix;
})();
function dct16(buffer64) {
  const d = DCT_MATRIX;
  const t = new Float32Array(DCT_SIDE * BUFFER_SIDE);
  for (let i = 0; i < DCT_SIDE; i++) {
    const dRow = i * BUFFER_SIDE;
    for (let j = 0; j < BUFFER_SIDE; j++) {
      let sum = 0;
      for (let k = 0; k < BUFFER_SIDE; k++) {
        sum = Math.fround(sum + Math.fround(d[dRow + k] * buffer64[k * BUFFER_SIDE + j]));
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
      for (let k = 0; k < BUFFER_SIDE; k++) sum = Math.fround(sum + Math.fround(t[tRow + k] * d[dRow + k]));
      c[i * DCT_SIDE + j] = sum;
    }
  }
  return c;
}

// packages/pdq/src/luma.ts
var PRE_RESIZE_SIDE = 512;
var weighted = (weight) =>
  new Float32Array(256).map((_, sample) => Math.fround(Math.fround(weight) * sample));
var LUMA_R = weighted(0.299);
var LUMA_G = weighted(0.587);
var LUMA_B = weighted(0.114);
function validatePixels(pixels) {
  const { data, width, height, channels } = pixels;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new PdqError(
      'PDQ_INVALID_PIXELS',
      `Image dimensions must be positive integers, got ${width}\xD7${height}.`,
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
      `Pixel data holds ${data?.length ?? 0} bytes; ${width}\xD7${height}\xD7${channels} with stride ${stride} needs ${needed}.`,
    );
  }
  return stride;
}
function toLuma(pixels, preResize) {
  const stride = validatePixels(pixels);
  const { data, width, height, channels } = pixels;
  const resize = preResize && (width > PRE_RESIZE_SIDE || height > PRE_RESIZE_SIDE);
  const outWidth = resize ? PRE_RESIZE_SIDE : width;
  const outHeight = resize ? PRE_RESIZE_SIDE : height;
  const columnOffsets = new Int32Array(outWidth);
  for (let x = 0; x < outWidth; x++) {
    const sourceX = resize ? Math.floor((x * width) / PRE_RESIZE_SIDE) : x;
    columnOffsets[x] = sourceX * channels;
  }
  const luma = new Float32Array(outWidth * outHeight);
  let out = 0;
  for (let y = 0; y < outHeight; y++) {
    const sourceY = resize ? Math.floor((y * height) / PRE_RESIZE_SIDE) : y;
    const row = sourceY * stride;
    if (channels === 1) {
      for (let x = 0; x < outWidth; x++) luma[out++] = data[row + columnOffsets[x]];
    } else {
      for (let x = 0; x < outWidth; x++) {
        const p = row + columnOffsets[x];
        const rg = Math.fround(LUMA_R[data[p]] + LUMA_G[data[p + 1]]);
        luma[out++] = rg + LUMA_B[data[p + 2]];
      }
    }
  }
  return { luma, width: outWidth, height: outHeight };
}
function collapseGrey(pixels) {
  const stride = validatePixels(pixels);
  const { data, width, height, channels } = pixels;
  if (channels === 1) return pixels;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let x = 0, p = row; x < width; x++, p += channels) {
      const r = data[p];
      if (data[p + 1] !== r || data[p + 2] !== r) return pixels;
    }
  }
  const grey = new Uint8Array(width * height);
  let out = 0;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let x = 0; x < width; x++) grey[out++] = data[row + x * channels];
  }
  return { data: grey, width, height, channels: 1 };
}

// packages/pdq/src/pdq-hasher.ts
var MIN_SIDE = 5;
function pdqHash(pixels, options = {}) {
  return hashLuma(toLuma(pixels, options.preResize ?? true), false);
}
function pdqHashDihedral(pixels, options = {}) {
  const plane = toLuma(pixels, options.preResize ?? true);
  const { dct, quality: quality2 } = dctOf(plane, true);
  const hashes = {};
  for (const name of DIHEDRAL_NAMES)
    hashes[name] = dct ? thresholdAtMedian(dihedralVariant(dct, name)) : zeroHash();
  return { quality: quality2, hashes };
}
function pdqHashFromLuma(luma, width, height) {
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
      `Luma holds ${luma.length} samples; ${width}\xD7${height} needs ${width * height}.`,
    );
  }
  return hashLuma({ luma: luma.slice(0, width * height), width, height }, false);
}
function hashLuma(plane, alwaysBlur) {
  const { dct, quality: quality2 } = dctOf(plane, alwaysBlur);
  return { hash: dct ? thresholdAtMedian(dct) : zeroHash(), quality: quality2 };
}
function dctOf(plane, alwaysBlur) {
  const { luma, width, height } = plane;
  if (width < MIN_SIDE || height < MIN_SIDE) return { dct: null, quality: 0 };
  let buffer64;
  if (!alwaysBlur && width === BUFFER_SIDE && height === BUFFER_SIDE) {
    buffer64 = luma;
  } else {
    buffer64 = blurAndDecimate(luma, width, height, BUFFER_SIDE);
  }
  return { dct: dct16(buffer64), quality: quality(buffer64) };
}
function quality(buffer64) {
  let gradientSum = 0;
  for (let i = 0; i < BUFFER_SIDE - 1; i++) {
    for (let j = 0; j < BUFFER_SIDE; j++) {
      gradientSum += gradeStep(buffer64[i * BUFFER_SIDE + j], buffer64[(i + 1) * BUFFER_SIDE + j]);
    }
  }
  for (let i = 0; i < BUFFER_SIDE; i++) {
    for (let j = 0; j < BUFFER_SIDE - 1; j++) {
      gradientSum += gradeStep(buffer64[i * BUFFER_SIDE + j], buffer64[i * BUFFER_SIDE + j + 1]);
    }
  }
  return Math.min(100, Math.floor(gradientSum / 90));
}
function gradeStep(u, v) {
  return Math.abs(Math.trunc(Math.fround(Math.fround(Math.fround(u - v) * 100) / 255)));
}
function dihedralVariant(c, name) {
  const out = new Float32Array(DCT_SIDE * DCT_SIDE);
  for (let i = 0; i < DCT_SIDE; i++) {
    for (let j = 0; j < DCT_SIDE; j++) {
      const value = c[i * DCT_SIDE + j];
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
function thresholdAtMedian(c) {
  const median = c.slice().sort()[(DCT_SIDE * DCT_SIDE) / 2 - 1];
  const hash = new Uint8Array(PDQ_HASH_BYTES);
  for (let i = 0; i < DCT_SIDE; i++) {
    let word = 0;
    for (let j = 0; j < DCT_SIDE; j++) if (c[i * DCT_SIDE + j] > median) word |= 1 << j;
    hash[2 * (DCT_SIDE - 1 - i)] = word >> 8;
    hash[2 * (DCT_SIDE - 1 - i) + 1] = word & 255;
  }
  return hash;
}
function zeroHash() {
  return new Uint8Array(PDQ_HASH_BYTES);
}

// packages/pdq/src/index.ts
var PDQ_MATCH_THRESHOLD = 31;
var PDQ_MIN_QUALITY = 50;
export {
  DIHEDRAL_NAMES,
  MIN_SIDE,
  PDQ_HASH_BYTES,
  PDQ_MATCH_THRESHOLD,
  PDQ_MIN_QUALITY,
  PRE_RESIZE_SIDE,
  PdqError,
  collapseGrey,
  fromHex,
  hammingDistance,
  isPdqHex,
  pdqHash,
  pdqHashDihedral,
  pdqHashFromLuma,
  toHex,
};
