// The contact sheet of a video: a few evenly spaced frames of the decode that hashed it, tiled
// into one image, for people who must look at captured media. Analysts never get a video player
// or the video's bytes: by default they see the sheet blurred and greyscale (the video's
// "thumbnail"), and only after an audited, counted reveal the sheet in colour (its "preview").
// Both are made in the hashing pool's worker from the frames FFmpeg already decoded for vPDQ, so
// the file is parsed once, by the decoder, behind the video limits.
import sharp from 'sharp';
import { THUMBNAIL_BLUR_SIGMA, THUMBNAIL_MAX_SIDE } from './image-derivative-renderer.js';
import { MediaDecodeError } from './media-decode-error.js';

/** Frames on a contact sheet, at most (3 × 3); a video with fewer hashed frames shows them all. */
export const CONTACT_SHEET_FRAMES = 9;
/** Longer side of one frame on the revealed sheet, at most: three across stay within the preview cap. */
export const CONTACT_SHEET_TILE_MAX_SIDE = 320;
/** Longer side of one frame on the blurred sheet, at most. */
export const CONTACT_SHEET_THUMBNAIL_TILE_MAX_SIDE = 120;
/** Pixels between frames on the revealed sheet (half that on the blurred one). */
const GAP = 4;
const BACKGROUND = { r: 32, g: 32, b: 32 };
const PREVIEW_QUALITY = 80;
const THUMBNAIL_QUALITY = 70;
// libvips' smallest accepted Gaussian.
const MIN_SIGMA = 0.3;

/** One frame kept for the sheet: RGB24 at most {@link CONTACT_SHEET_TILE_MAX_SIDE} on its longer side. */
export interface SheetFrame {
  /** Index of the frame among the hashed frames (0-based). */
  readonly index: number;
  /** Its time in the video, in seconds (the vPDQ frame's timestamp). */
  readonly timestampSeconds: number;
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

/** A video's contact sheet: both images are JPEGs encoded by us, without any metadata. */
export interface VideoContactSheet {
  /**
   * The frames greyscale (one channel) and strongly blurred, each as much as an image thumbnail
   * relative to its size: what a workbench shows by default.
   */
  readonly thumbnail: Uint8Array;
  /** The same frames in colour, not blurred, at most 1024 px on the longer side: only after a reveal. */
  readonly preview: Uint8Array;
  /** Frames on the sheet, left to right, top to bottom, in time order. */
  readonly frames: number;
  readonly columns: number;
  readonly rows: number;
  /** Each frame's time in the video, in seconds, in sheet order. */
  readonly timestamps: readonly number[];
}

/**
 * Keeps evenly spaced frames of a stream whose length is not known in advance (a header's frame
 * count or duration may lie), in bounded memory: it keeps every `stride`-th frame and, when it
 * holds more than twice the target, drops every other one and doubles the stride. At the end it
 * picks the target number, centred in equal parts of what it kept (so a fade-in's black first
 * frame is not on the sheet of a long video). At most `2 × target` small frames are held.
 */
export class EvenFrameSampler {
  #stride = 1;
  #kept: SheetFrame[] = [];

  /** @param target frames wanted on the sheet (1 or more). */
  constructor(private readonly target: number = CONTACT_SHEET_FRAMES) {
    if (!Number.isInteger(target) || target < 1) throw new RangeError('target must be a whole number ≥ 1');
  }

  /** Frames held now (at most twice the target). */
  get held(): number {
    return this.#kept.length;
  }

  /** Whether the frame with this hashed-frame index is to be kept (call {@link add} then). */
  wants(index: number): boolean {
    return index % this.#stride === 0;
  }

  /** Adds a frame {@link wants} asked for; thins the kept frames when there are too many. */
  add(frame: SheetFrame): void {
    this.#kept.push(frame);
    if (this.#kept.length > 2 * this.target) {
      this.#stride *= 2;
      this.#kept = this.#kept.filter((f) => f.index % this.#stride === 0);
    }
  }

  /** The frames for the sheet, in time order: all of them when there are no more than the target. */
  pick(): SheetFrame[] {
    const kept = this.#kept;
    if (kept.length <= this.target) return [...kept];
    return Array.from(
      { length: this.target },
      (_, i) => kept[Math.floor(((i + 0.5) * kept.length) / this.target)]!,
    );
  }
}

/**
 * Shrinks one decoded RGB24 frame to a sheet frame (a copy: the caller reuses its buffer).
 * Raw pixels go through no loader; their count is bounded by the video's pixel limit.
 */
export async function shrinkFrame(
  rgb: Buffer,
  width: number,
  height: number,
  index: number,
  timestampSeconds: number,
): Promise<SheetFrame> {
  const { data, info } = await sharp(rgb, { raw: { width, height, channels: 3 }, limitInputPixels: false })
    .resize(CONTACT_SHEET_TILE_MAX_SIDE, CONTACT_SHEET_TILE_MAX_SIDE, {
      fit: 'inside',
      withoutEnlargement: true,
    })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`unexpected ${info.channels}-band frame`);
  return { index, timestampSeconds, data, width: info.width, height: info.height };
}

/** Columns of a sheet of `frames` frames: one row up to 3, 2 × 2 for 4, then 3 across. */
export function contactSheetColumns(frames: number): number {
  if (frames <= 3) return Math.max(1, frames);
  return frames === 4 ? 2 : 3;
}

/**
 * Tiles the frames (all of one size, as one video stream decodes them) into the revealed sheet
 * and the blurred greyscale sheet.
 * @throws {MediaDecodeError} `MEDIA_INTERNAL` when there is no frame or libvips fails on pixels it made
 */
export async function renderContactSheet(frames: readonly SheetFrame[]): Promise<VideoContactSheet> {
  const first = frames[0];
  if (first === undefined) throw new MediaDecodeError('MEDIA_INTERNAL', 'A contact sheet needs a frame.');
  try {
    const columns = contactSheetColumns(frames.length);
    const rows = Math.ceil(frames.length / columns);
    const preview = await tile(frames, columns, rows, first.width, first.height, GAP, null);

    // The blurred sheet: each frame shrunk and blurred on its own (so frames do not bleed into
    // each other), with the blur of an image thumbnail relative to the frame's size.
    const scale = Math.min(1, CONTACT_SHEET_THUMBNAIL_TILE_MAX_SIDE / Math.max(first.width, first.height));
    const tileWidth = Math.max(1, Math.round(first.width * scale));
    const tileHeight = Math.max(1, Math.round(first.height * scale));
    const sigma = Math.max(
      MIN_SIGMA,
      (THUMBNAIL_BLUR_SIGMA * Math.max(tileWidth, tileHeight)) / THUMBNAIL_MAX_SIDE,
    );
    const thumbnail = await tile(frames, columns, rows, tileWidth, tileHeight, GAP / 2, sigma);
    return {
      thumbnail,
      preview,
      frames: frames.length,
      columns,
      rows,
      timestamps: frames.map((f) => f.timestampSeconds),
    };
  } catch (error) {
    if (error instanceof MediaDecodeError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new MediaDecodeError(
      'MEDIA_INTERNAL',
      `Rendering the contact sheet failed: ${detail.slice(0, 300)}`,
      {
        cause: error,
      },
    );
  }
}

/** One sheet: frames at `tileWidth × tileHeight`, blurred and greyscale when `sigma` is given. */
async function tile(
  frames: readonly SheetFrame[],
  columns: number,
  rows: number,
  tileWidth: number,
  tileHeight: number,
  gap: number,
  sigma: number | null,
): Promise<Uint8Array> {
  const width = columns * tileWidth + (columns - 1) * gap;
  const height = rows * tileHeight + (rows - 1) * gap;
  const tiles = await Promise.all(
    frames.map(async (frame, i) => {
      let pipeline = sharp(frame.data, {
        raw: { width: frame.width, height: frame.height, channels: 3 },
      }).resize(tileWidth, tileHeight, { fit: 'fill' });
      if (sigma !== null) pipeline = pipeline.blur(sigma);
      return {
        input: await pipeline.raw().toBuffer(),
        raw: { width: tileWidth, height: tileHeight, channels: 3 as const },
        left: (i % columns) * (tileWidth + gap),
        top: Math.floor(i / columns) * (tileHeight + gap),
      };
    }),
  );
  // Composing may add an alpha band: the encoder is told what came out.
  const sheet = await sharp({ create: { width, height, channels: 3, background: BACKGROUND } })
    .composite(tiles)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const channels = sheet.info.channels;
  if (channels !== 3 && channels !== 4) throw new Error(`unexpected ${channels}-band sheet`);
  const encoder = sharp(sheet.data, { raw: { width, height, channels } }).removeAlpha();
  const jpeg =
    sigma === null
      ? await encoder.jpeg({ quality: PREVIEW_QUALITY }).toBuffer()
      : // One channel in the file, not three equal ones.
        await encoder.greyscale().toColourspace('b-w').jpeg({ quality: THUMBNAIL_QUALITY }).toBuffer();
  // A copy in an ArrayBuffer of its own, so it can be transferred without detaching a pooled slab.
  return new Uint8Array(jpeg);
}
