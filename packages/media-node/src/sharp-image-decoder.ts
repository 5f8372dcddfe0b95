import { collapseGrey, type ImagePixels } from '@hashline/pdq';
import sharp, { type Metadata } from 'sharp';
import { sniffImageFormat, IMAGE_FORMATS, type ImageFormat } from './image-format-sniffer.js';
import { JPEG_MAX_SIDE, decodedBytes, readDeclaredSize } from './image-header-size.js';
import { MediaDecodeError } from './media-decode-error.js';

/** Default byte limit: 64 MiB. */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
/** Default pixel limit: 40 megapixels (width × height of one frame). */
export const DEFAULT_MAX_PIXELS = 40_000_000;
/**
 * Default memory budget of one decode, as bytes per pixel of the pixel limit: an RGBA image of 8
 * bits a sample at the pixel limit (160 MB at 40 megapixels). The pixel limit alone let a 16-bit
 * RGBA PNG under it take 561 MB a worker (issue 15).
 */
export const DEFAULT_DECODED_BYTES_PER_PIXEL = 4;
/** Default decode time limit. */
export const DEFAULT_DECODE_TIMEOUT_MS = 30_000;

/**
 * How strictly damaged data is refused (sharp's `failOn`): `'truncated'` refuses cut-off files,
 * `'error'` also refuses data the codec reports as an error, `'warning'` refuses any codec
 * warning (it rejects many real-world camera JPEGs with stray bytes).
 */
export type DecodeStrictness = 'truncated' | 'error' | 'warning';

/** Limits and choices of {@link decodeImage}. Every field has a safe default. */
export interface DecodeOptions {
  /** Maximum input size in bytes (default {@link DEFAULT_MAX_BYTES}). */
  readonly maxBytes?: number;
  /** Maximum width × height, read from the header before decoding (default {@link DEFAULT_MAX_PIXELS}). */
  readonly maxPixels?: number;
  /**
   * Maximum decoded size in bytes, width × height × channels × bytes per sample as the header
   * declares them, checked before decoding (default `maxPixels` × {@link DEFAULT_DECODED_BYTES_PER_PIXEL}).
   */
  readonly maxDecodedBytes?: number;
  /**
   * Time limit in milliseconds (default {@link DEFAULT_DECODE_TIMEOUT_MS}). libvips enforces it in
   * whole seconds, rounded up, and checks it between chunks of work.
   */
  readonly timeoutMs?: number;
  /**
   * Apply the EXIF orientation tag (default `false`). Meta's reference ignores it and hashes the
   * stored pixels, so keep the default when matching reference hashes.
   */
  readonly autoOrient?: boolean;
  /** Damaged-data policy (default `'error'`: truncated files and codec errors are refused). */
  readonly failOn?: DecodeStrictness;
  /** Accepted formats (default: all of {@link IMAGE_FORMATS}); others fail as unsupported. */
  readonly formats?: readonly ImageFormat[];
}

/** Decoded 8-bit pixels: one channel (grey) or three (RGB), no alpha, as the PDQ reference sees them. */
export interface DecodedImage extends ImagePixels {
  readonly data: Uint8Array;
  readonly channels: 1 | 3;
  /** The format found by magic bytes. */
  readonly format: ImageFormat;
}

// libvips loaders this package needs, by GObject type name. Everything else (SVG, PDF, the
// ImageMagick bridge, matrix/CSV/VIPS, FITS, OpenSlide…) stays blocked: those are the "untrusted"
// loaders with the worst fuzzing record, and we only ever decode buffers.
const ALLOWED_LOADERS: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'VipsForeignLoadJpegBuffer',
  png: 'VipsForeignLoadPngBuffer',
  webp: 'VipsForeignLoadWebpBuffer',
  gif: 'VipsForeignLoadNsgifBuffer',
  tiff: 'VipsForeignLoadTiffBuffer',
  avif: 'VipsForeignLoadHeifBuffer',
  heif: 'VipsForeignLoadHeifBuffer',
};

// Per JavaScript thread (module state is), while the policy itself is per process.
let policyApplied = false;

/**
 * Applies the process-wide libvips policy once: every loader blocked except the allow-list, and
 * the operation cache off (a hashing service never decodes the same bytes twice, and cached
 * images would keep decoded pixels alive). It is process-wide because libvips is: this package is
 * the only one allowed to import sharp, so it owns the policy.
 *
 * Applying it blocks every loader for a moment before unblocking the allowed ones, so it must
 * never run while another thread of the process decodes: that decode would find no loader and
 * fail a good image as unsupported (seen when a pool's second worker thread started while the
 * first decoded). A thread pool therefore applies it in its own thread before starting any
 * worker, and its workers call {@link adoptSharpPolicy} instead.
 */
export function applySharpPolicy(): void {
  if (policyApplied) return;
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({ operation: [...new Set(Object.values(ALLOWED_LOADERS))] });
  sharp.cache(false);
  policyApplied = true;
}

/**
 * Records that another thread of this process already applied the policy ({@link applySharpPolicy}),
 * so this thread's decodes do not apply it again while other threads decode.
 */
export function adoptSharpPolicy(): void {
  policyApplied = true;
}

function positiveOption(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`DecodeOptions.${name} must be a positive number, got ${String(value)}.`);
  }
  return value;
}

// libvips messages are short codec diagnostics; cap and sanitise them so a log line stays a line.
function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  let clean = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    clean += code < 0x20 || code === 0x7f ? ' ' : ch;
    if (clean.length >= 300) break;
  }
  return clean.trim();
}

/** Maps a sharp/libvips failure to a typed error. Exported for tests. */
export function mapSharpError(error: unknown, format: ImageFormat): MediaDecodeError {
  const detail = describe(error);
  // Our limit, or a codec's own ceiling. A fallback only: libvips messages are per process, not per
  // decode, so the size gates read the header themselves (checkDeclaredSize) rather than rely on it.
  if (/pixel limit|maximum supported image dimension/i.test(detail)) {
    return new MediaDecodeError(
      'MEDIA_TOO_MANY_PIXELS',
      `The ${format} image exceeds the pixel limit: ${detail}`,
      {
        cause: error,
      },
    );
  }
  if (/^timeout\b/i.test(detail)) {
    return new MediaDecodeError('MEDIA_TIMEOUT', `Decoding the ${format} image timed out (${detail}).`, {
      cause: error,
    });
  }
  if (/unsupported image format/i.test(detail)) {
    return new MediaDecodeError(
      'MEDIA_UNSUPPORTED_FORMAT',
      `No enabled decoder accepts this ${format} input.`,
      {
        cause: error,
      },
    );
  }
  // libheif without the needed codec (the prebuilt sharp decodes AV1 but not HEVC).
  if ((format === 'heif' || format === 'avif') && /(unsupported|no decoding plugin|codec)/i.test(detail)) {
    return new MediaDecodeError(
      'MEDIA_UNSUPPORTED_FORMAT',
      `This build cannot decode the ${format} codec: ${detail}`,
      {
        cause: error,
      },
    );
  }
  return new MediaDecodeError('MEDIA_CORRUPT', `The ${format} image is damaged or truncated: ${detail}`, {
    cause: error,
  });
}

/**
 * The widest image decoded (65,535 px: GIF's own limit, JPEG's is 65,500). libvips works row by row
 * and each stage of the pipeline holds whole rows, so memory grows with the width as well as with
 * the decoded size: a 151 KB PNG of 39,000,000 × 1 RGBA pixels (156 MB decoded, inside the default
 * budget) peaked at 1.6 GB RSS and 7 s of CPU (issue 15, found by the fuzz suite). Panoramas wider
 * than this are refused.
 */
export const MAX_DECODED_WIDTH = 65_535;

function tooWide(format: ImageFormat, width: number, height: number): MediaDecodeError {
  return new MediaDecodeError(
    'MEDIA_TOO_MANY_PIXELS',
    `The ${format} header declares ${width}×${height}; images at most ${MAX_DECODED_WIDTH} pixels wide are decoded (memory grows with the width).`,
  );
}

/**
 * The pixel gate on the size the header declares, read from the bytes (not from a libvips error
 * message, which concurrent failures can swap: see {@link readDeclaredSize}).
 */
function checkDeclaredSize(
  bytes: Uint8Array,
  format: ImageFormat,
  maxPixels: number,
  maxDecodedBytes: number,
): void {
  const declared = readDeclaredSize(bytes, format);
  if (declared === undefined) return;
  const { width, height } = declared;
  const decoded = decodedBytes(declared);
  if (decoded > maxDecodedBytes) {
    throw new MediaDecodeError(
      'MEDIA_TOO_MANY_PIXELS',
      `The ${format} header declares ${width}×${height} with ${declared.channels ?? 4} channels of ${8 * (declared.bytesPerSample ?? 1)} bits: ${decoded} bytes decoded, over the memory budget of ${maxDecodedBytes}.`,
    );
  }
  if (width * height > maxPixels) {
    throw new MediaDecodeError(
      'MEDIA_TOO_MANY_PIXELS',
      `The ${format} header declares ${width}×${height} = ${width * height} pixels, over the limit of ${maxPixels}.`,
    );
  }
  if (width > MAX_DECODED_WIDTH) throw tooWide(format, width, height);
  if (format === 'jpeg' && (width > JPEG_MAX_SIDE || height > JPEG_MAX_SIDE)) {
    throw new MediaDecodeError(
      'MEDIA_TOO_MANY_PIXELS',
      `The jpeg header declares ${width}×${height}; JPEG decoders accept at most ${JPEG_MAX_SIDE} pixels a side.`,
    );
  }
}

/** ImageMagick's 16→8-bit scaling, round(v / 257) (not the low byte, and not v >> 8). */
function reduce16(samples: Buffer, bands: number, keep: 1 | 3): Uint8Array {
  // sharp hands over native-endian ushort samples; its buffers are freshly allocated and aligned,
  // but copy if not rather than read misaligned.
  const aligned = samples.byteOffset % 2 === 0 ? samples : Buffer.from(samples);
  const words = new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >>> 1);
  const pixels = words.length / bands;
  const out = new Uint8Array(pixels * keep);
  for (let i = 0, o = 0; i < pixels; i++) {
    const p = i * bands;
    for (let k = 0; k < keep; k++) out[o++] = ((words[p + k]! + 128) / 257) | 0;
  }
  return out;
}

/**
 * ImageMagick's built-in CMYK→RGB, which the reference gets when it decodes a CMYK JPEG without
 * colour management: R = (255 − C)(255 − K) / 255, rounded (likewise G with M, B with Y).
 */
function cmykToRgb(samples: Buffer, bands: number): Uint8Array {
  const pixels = samples.length / bands;
  const out = new Uint8Array(pixels * 3);
  for (let i = 0, o = 0; i < pixels; i++) {
    const p = i * bands;
    const k = 255 - samples[p + 3]!;
    out[o++] = (((255 - samples[p]!) * k + 127) / 255) | 0;
    out[o++] = (((255 - samples[p + 1]!) * k + 127) / 255) | 0;
    out[o++] = (((255 - samples[p + 2]!) * k + 127) / 255) | 0;
  }
  return out;
}

/**
 * Decodes an image to the 8-bit pixels Meta's PDQ reference would hash, behind limits.
 *
 * The choices follow the reference front end (ImageMagick `convert FILE pnm:-`, SPEC §2.1):
 * full resolution (the 512 pre-resize is `pdqHash`'s job); EXIF orientation ignored unless
 * `autoOrient`; embedded ICC profiles ignored; alpha dropped, not composited (the colour under a
 * transparent pixel is kept); palettes expanded; CMYK converted with ImageMagick's naive formula;
 * 16-bit samples reduced as round(v / 257); only the first frame of GIF, WebP, TIFF and HEIF;
 * grey images, and colour images whose every pixel has R = G = B, returned as one channel.
 *
 * Order of the gates: size, magic bytes (allow-list), the size the header declares read from the
 * bytes (pixel limit; JPEG, PNG, GIF, WebP), the decoder's header (pixel limit, every format), then
 * decoding under a time limit with truncation treated as an error.
 * @throws {MediaDecodeError} with a stable code for every refused or broken input
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  return (await decodeOrientedImage(bytes, options)).image;
}

/** A decoded image and the EXIF orientation still to apply to show it upright. */
export interface OrientedDecodedImage {
  readonly image: DecodedImage;
  /**
   * EXIF orientation (1–8) of the stored pixels: 1 when the file has none, or when `autoOrient`
   * already applied it. Internal: the derivatives need it, the hashes must not see it.
   */
  readonly orientation: number;
}

/**
 * {@link decodeImage}, plus the orientation read from the same header, so that upright
 * derivatives can be made from the very pixels that were hashed without a second decode.
 * Internal: not exported from the package.
 * @throws {MediaDecodeError} as {@link decodeImage}
 */
export async function decodeOrientedImage(
  bytes: Uint8Array,
  options: DecodeOptions = {},
): Promise<OrientedDecodedImage> {
  const maxBytes = positiveOption(options.maxBytes, DEFAULT_MAX_BYTES, 'maxBytes');
  const maxPixels = positiveOption(options.maxPixels, DEFAULT_MAX_PIXELS, 'maxPixels');
  const timeoutMs = positiveOption(options.timeoutMs, DEFAULT_DECODE_TIMEOUT_MS, 'timeoutMs');
  const failOn = options.failOn ?? 'error';
  const formats = options.formats ?? IMAGE_FORMATS;

  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError('decodeImage expects a Uint8Array (a Buffer works).');
  }
  if (bytes.byteLength === 0) throw new MediaDecodeError('MEDIA_EMPTY', 'The input is empty (0 bytes).');
  if (bytes.byteLength > maxBytes) {
    throw new MediaDecodeError(
      'MEDIA_TOO_LARGE',
      `The input has ${bytes.byteLength} bytes, over the limit of ${maxBytes}.`,
    );
  }
  const format = sniffImageFormat(bytes);
  if (format === undefined || !formats.includes(format)) {
    throw new MediaDecodeError(
      'MEDIA_UNSUPPORTED_FORMAT',
      format === undefined
        ? `The input is not an accepted image (expected ${formats.join(', ')}).`
        : `The ${format} format is not accepted here (expected ${formats.join(', ')}).`,
    );
  }
  checkDeclaredSize(
    bytes,
    format,
    maxPixels,
    positiveOption(options.maxDecodedBytes, maxPixels * DEFAULT_DECODED_BYTES_PER_PIXEL, 'maxDecodedBytes'),
  );
  applySharpPolicy();

  // A Buffer view of the caller's bytes, without copying.
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const base = {
    failOn,
    limitInputPixels: Math.floor(maxPixels),
    autoOrient: options.autoOrient === true,
    ignoreIcc: true, // ImageMagick's pnm: output applies no colour profile
    // pages/page left at sharp's defaults: one frame, the first one, except that HEIF then opens
    // its primary image (an explicit page: 0 would pick the first item, possibly a thumbnail).
  } as const;

  let metadata: Metadata;
  try {
    // Header only: no pixel is decoded before the pixel limit is checked.
    metadata = await sharp(input, { ...base, limitInputPixels: false }).metadata();
  } catch (error) {
    throw mapSharpError(error, format);
  }
  const { width, height } = metadata;
  if (!(width > 0 && height > 0)) {
    throw new MediaDecodeError('MEDIA_CORRUPT', `The ${format} header declares no usable size.`);
  }
  if (width * height > maxPixels) {
    throw new MediaDecodeError(
      'MEDIA_TOO_MANY_PIXELS',
      `The ${format} header declares ${width}×${height} = ${width * height} pixels, over the limit of ${maxPixels}.`,
    );
  }
  if (width > MAX_DECODED_WIDTH) throw tooWide(format, width, height);

  const rawOrientation = metadata.orientation ?? 1;
  const orientation =
    options.autoOrient === true ||
    !Number.isInteger(rawOrientation) ||
    rawOrientation < 1 ||
    rawOrientation > 8
      ? 1
      : rawOrientation;
  const oriented = (image: DecodedImage): OrientedDecodedImage => ({ image, orientation });

  const pipeline = sharp(input, base).timeout({ seconds: Math.max(1, Math.ceil(timeoutMs / 1000)) });
  try {
    if (metadata.space === 'cmyk') {
      // Keep the raw CMYK bands (sharp would otherwise convert through an ICC profile).
      const { data, info } = await pipeline
        .pipelineColourspace('cmyk')
        .toColourspace('cmyk')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      return oriented(finish(cmykToRgb(data, info.channels), info.width, info.height, 3, format));
    }
    if (metadata.depth === 'ushort') {
      const grey = metadata.space === 'grey16' || metadata.space === 'b-w';
      const { data, info } = await pipeline
        .toColourspace(grey ? 'grey16' : 'rgb16')
        .raw({ depth: 'ushort' })
        .toBuffer({ resolveWithObject: true });
      const keep = grey ? 1 : 3;
      return oriented(finish(reduce16(data, info.channels, keep), info.width, info.height, keep, format));
    }
    const grey = metadata.space === 'b-w';
    const { data, info } = await pipeline
      .toColourspace(grey ? 'b-w' : 'srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 && info.channels !== 3) {
      throw new MediaDecodeError(
        'MEDIA_INTERNAL',
        `Unexpected ${info.channels}-band output for a ${format} image.`,
      );
    }
    return oriented(finish(data, info.width, info.height, info.channels, format));
  } catch (error) {
    if (error instanceof MediaDecodeError) throw error;
    throw mapSharpError(error, format);
  }
}

function finish(
  data: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
  format: ImageFormat,
): DecodedImage {
  // ImageMagick writes a grey PNM whenever every pixel has R = G = B, and the reference then takes
  // the grey luma path (SPEC §2.1, §2.3).
  const pixels =
    channels === 3 ? collapseGrey({ data, width, height, channels }) : { data, width, height, channels };
  return {
    data: pixels.data as Uint8Array,
    width,
    height,
    channels: pixels.channels === 1 ? 1 : 3,
    format,
  };
}
