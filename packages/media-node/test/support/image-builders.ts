// Hand-built image files for tests: every byte is under the test's control, so decoder choices
// (alpha, palettes, 16-bit samples, CMYK) and hostile headers are checked against known values
// rather than against another decoder.
import { crc32, createDeflate, deflateSync } from 'node:zlib';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk: length, type, data, CRC-32 of type + data. */
export function pngChunk(type: string, data: Uint8Array = new Uint8Array(0)): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** PNG colour types. */
export const PNG_GREY = 0;
export const PNG_RGB = 2;
export const PNG_PALETTE = 3;
export const PNG_GREY_ALPHA = 4;
export const PNG_RGBA = 6;

function ihdr(width: number, height: number, bitDepth: number, colorType: number): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data[8] = bitDepth;
  data[9] = colorType;
  return pngChunk('IHDR', data); // compression 0, filter 0, interlace 0
}

export interface PngSpec {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: 8 | 16;
  readonly colorType: number;
  /** Samples of one row, big-endian for 16-bit (without the filter byte). */
  readonly row: (y: number) => Uint8Array;
  readonly palette?: Uint8Array;
  readonly transparency?: Uint8Array;
}

/** A complete, valid PNG (filter type 0 on every row). */
export function buildPng(spec: PngSpec): Buffer {
  const rows: Uint8Array[] = [];
  for (let y = 0; y < spec.height; y++) rows.push(Buffer.from([0]), spec.row(y));
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(spec.width, spec.height, spec.bitDepth, spec.colorType),
    ...(spec.palette ? [pngChunk('PLTE', spec.palette)] : []),
    ...(spec.transparency ? [pngChunk('tRNS', spec.transparency)] : []),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND'),
  ]);
}

/** Big-endian 16-bit samples. */
export function be16(values: readonly number[]): Buffer {
  const out = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => out.writeUInt16BE(v, i * 2));
  return out;
}

/**
 * A PNG whose IHDR declares `width`×`height` (valid CRC) but carries only a token IDAT: a
 * pixel-flood header that must be refused from the header alone.
 */
export function buildPngHeaderOnly(width: number, height: number): Buffer {
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(width, height, 8, PNG_RGB),
    pngChunk('IDAT', deflateSync(Buffer.alloc(64))),
    pngChunk('IEND'),
  ]);
}

/**
 * A decompression bomb: a valid `side`×`side` RGB PNG of a single colour. Built by streaming the
 * same zero row into zlib, so building it needs one row of memory; the file is ~1/1000 of the
 * pixels' size (14000² RGB: 588 MB of pixels in about 0.6 MB).
 */
export async function buildPngBomb(side: number): Promise<Buffer> {
  const deflate = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => parts.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  const row = Buffer.alloc(1 + side * 3);
  for (let y = 0; y < side; y++) {
    if (!deflate.write(row)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await done;
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(side, side, 8, PNG_RGB),
    pngChunk('IDAT', Buffer.concat(parts)),
    pngChunk('IEND'),
  ]);
}

/** Rewrites the frame size in a baseline/progressive JPEG's SOF segment (data left as is). */
export function patchJpegSize(jpeg: Uint8Array, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  let p = 2;
  while (p + 9 < out.length) {
    if (out[p] !== 0xff) throw new Error('Not a marker: unexpected JPEG layout.');
    const marker = out[p + 1]!;
    const length = out.readUInt16BE(p + 2);
    if (marker >= 0xc0 && marker <= 0xc2) {
      out.writeUInt16BE(height, p + 5);
      out.writeUInt16BE(width, p + 7);
      return out;
    }
    p += 2 + length;
  }
  throw new Error('No SOF segment found.');
}

/**
 * An uncompressed little-endian TIFF with interleaved 8-bit samples: `photometric` 2 (RGB, 3
 * samples) or 5 (separated CMYK, 4 samples).
 */
export function buildTiff(width: number, height: number, photometric: 2 | 5, samples: Uint8Array): Buffer {
  const spp = photometric === 5 ? 4 : 3;
  if (samples.length !== width * height * spp) throw new Error('Sample count does not match the size.');
  const entries: [tag: number, type: number, count: number, value: number][] = [];
  const headerSize = 8;
  const bitsOffset = headerSize;
  const dataOffset = bitsOffset + spp * 2;
  const ifdOffset = dataOffset + samples.length + (samples.length % 2);
  entries.push(
    [256, 4, 1, width],
    [257, 4, 1, height],
    [258, 3, spp, bitsOffset],
    [259, 3, 1, 1],
    [262, 3, 1, photometric],
    [273, 4, 1, dataOffset],
    [277, 3, 1, spp],
    [278, 4, 1, height],
    [279, 4, 1, samples.length],
    [284, 3, 1, 1],
  );
  const out = Buffer.alloc(ifdOffset + 2 + entries.length * 12 + 4);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(ifdOffset, 4);
  for (let i = 0; i < spp; i++) out.writeUInt16LE(8, bitsOffset + i * 2);
  out.set(samples, dataOffset);
  out.writeUInt16LE(entries.length, ifdOffset);
  entries.forEach(([tag, type, count, value], i) => {
    const at = ifdOffset + 2 + i * 12;
    out.writeUInt16LE(tag, at);
    out.writeUInt16LE(type, at + 2);
    out.writeUInt32LE(count, at + 4);
    if (type === 3 && count === 1) out.writeUInt16LE(value, at + 8);
    else out.writeUInt32LE(value, at + 8);
  });
  return out;
}
