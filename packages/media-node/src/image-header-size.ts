import type { ImageFormat } from './image-format-sniffer.js';

/** The width and height an image's header declares, before any pixel is decoded. */
export interface DeclaredSize {
  readonly width: number;
  readonly height: number;
  /**
   * Bands the decoder will hold per pixel (palette images expand to RGB or RGBA) and bytes per
   * sample (2 for 16-bit PNG and 12/16-bit JPEG), when the header says; the decoded size is
   * width × height × channels × bytesPerSample.
   */
  readonly channels?: number;
  readonly bytesPerSample?: number;
}

/**
 * The memory a decode of this size needs at least: width × height × channels × bytes per sample
 * (4 channels of 1 byte when the header does not say).
 */
export function decodedBytes(size: DeclaredSize): number {
  return size.width * size.height * (size.channels ?? 4) * (size.bytesPerSample ?? 1);
}

/**
 * The largest side libjpeg accepts (JPEG_MAX_DIMENSION): a JPEG declaring more is refused by the
 * codec whatever the pixel limit, so the decoder refuses it first.
 */
export const JPEG_MAX_SIDE = 65500;

// How far into a JPEG the frame header is looked for: EXIF, ICC and XMP segments come first and
// are each at most 64 KiB, so a real file's SOF is well within this.
const JPEG_SCAN_LIMIT = 4 * 1024 * 1024;

/**
 * Reads the size an image's header declares, for JPEG, PNG, GIF and WebP; `undefined` when the
 * format is another or the header cannot be read (the decoder's own header parse then decides).
 *
 * Why not only sharp's `metadata()`: libvips keeps one error buffer per process, so when several
 * decodes fail at once in worker threads, the message a failure carries may be another's (or
 * "Unknown error"). A size gate that depended on that text gave `MEDIA_CORRUPT` instead of
 * `MEDIA_TOO_MANY_PIXELS` under load. Reading the declared size here makes the gate depend on the
 * bytes alone.
 */
export function readDeclaredSize(bytes: Uint8Array, format: ImageFormat): DeclaredSize | undefined {
  switch (format) {
    case 'jpeg':
      return jpegSize(bytes);
    case 'png':
      return pngSize(bytes);
    case 'gif':
      return gifSize(bytes);
    case 'webp':
      return webpSize(bytes);
    default:
      return undefined;
  }
}

const u16be = (b: Uint8Array, p: number): number => (b[p]! << 8) | b[p + 1]!;
const u16le = (b: Uint8Array, p: number): number => b[p]! | (b[p + 1]! << 8);
const u24le = (b: Uint8Array, p: number): number => b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
const u32be = (b: Uint8Array, p: number): number =>
  ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;

// Start-of-frame markers (baseline, extended, progressive, lossless; Huffman and arithmetic).
// Not C4 (DHT), C8 (reserved JPG) or CC (DAC), which share the range.
const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegSize(b: Uint8Array): DeclaredSize | undefined {
  const end = Math.min(b.length, JPEG_SCAN_LIMIT);
  let p = 2; // after SOI
  while (p + 4 <= end) {
    if (b[p] !== 0xff) return undefined; // not a marker where one must be: let the codec judge
    const marker = b[p + 1]!;
    if (marker === 0xff) {
      p += 1; // fill byte before a marker
      continue;
    }
    // Markers without a length: TEM, RSTn, SOI, EOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) {
      p += 2;
      continue;
    }
    if (marker === 0xda) return undefined; // start of scan before any frame header
    const length = u16be(b, p + 2);
    if (length < 2) return undefined;
    if (SOF_MARKERS.has(marker)) {
      if (p + 9 > end) return undefined;
      // Segment: length (2), precision (1), height (2), width (2), components (1), ...
      const precision = b[p + 4]!;
      const components = p + 9 < end ? b[p + 9]! : 3;
      return {
        height: u16be(b, p + 5),
        width: u16be(b, p + 7),
        channels: Math.max(1, components),
        bytesPerSample: precision > 8 ? 2 : 1,
      };
    }
    p += 2 + length;
  }
  return undefined;
}

function pngSize(b: Uint8Array): DeclaredSize | undefined {
  // Signature (8), then the IHDR chunk: length (4), "IHDR", width (4), height (4).
  if (b.length < 24) return undefined;
  if (String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!) !== 'IHDR') return undefined;
  const size = { width: u32be(b, 16), height: u32be(b, 20) };
  if (b.length < 26) return size;
  // Bit depth, colour type: grey 0, RGB 2, palette 3 (expanded to RGB, or RGBA with tRNS), grey +
  // alpha 4, RGBA 6.
  const depth = b[24]!;
  const channels = ({ 0: 1, 2: 3, 3: 4, 4: 2, 6: 4 } as Record<number, number>)[b[25]!] ?? 4;
  return { ...size, channels, bytesPerSample: depth === 16 ? 2 : 1 };
}

function gifSize(b: Uint8Array): DeclaredSize | undefined {
  // The logical screen descriptor: width and height, little-endian, after the 6-byte signature.
  if (b.length < 10) return undefined;
  return { width: u16le(b, 6), height: u16le(b, 8) };
}

function webpSize(b: Uint8Array): DeclaredSize | undefined {
  if (b.length < 30) return undefined;
  const chunk = String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!);
  if (chunk === 'VP8X') {
    // Canvas width − 1 and height − 1, 24 bits each, after 4 bytes of flags.
    return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  }
  if (chunk === 'VP8 ') {
    // Key frame: 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height.
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return undefined;
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    // Signature 0x2f, then width − 1 and height − 1 in 14 bits each, packed little-endian.
    if (b[20] !== 0x2f) return undefined;
    const bits = (b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)) >>> 0;
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  return undefined;
}
