// Re-encoded, size-capped images of a decoded image, for people who must look at captured media:
// analysts only ever receive these, never the original bytes (SECURITY.md §4.2, "Analyst
// browser"). They are made from the pixels that were just decoded and hashed, so the original
// bytes are parsed once, by the decoder, behind its limits.
import sharp, { type Sharp } from 'sharp';
import { MediaDecodeError } from './media-decode-error.js';
import type { DecodedImage } from './sharp-image-decoder.js';

/** Images derived from a decoded image. Both are JPEGs encoded by us, without any metadata. */
export interface ImageDerivatives {
  /**
   * At most {@link THUMBNAIL_MAX_SIDE} px on its longer side, greyscale (one channel), strongly
   * blurred: what a workbench shows by default, so nobody sees a recognisable person unasked.
   */
  readonly thumbnail: Uint8Array;
  /**
   * At most {@link PREVIEW_MAX_SIDE} px on its longer side, colour, upright (EXIF orientation
   * applied), not blurred: shown only after an audited, deliberate reveal.
   */
  readonly preview: Uint8Array;
}

/** Longer side of a thumbnail, at most (smaller images are not enlarged). */
export const THUMBNAIL_MAX_SIDE = 256;
/** Longer side of a preview, at most (smaller images are not enlarged). */
export const PREVIEW_MAX_SIDE = 1024;
/**
 * Gaussian blur of a full-size thumbnail (σ in pixels at 256 px; scaled with smaller thumbnails):
 * strong enough that faces and bodies are not recognisable, while a layout stays visible.
 */
export const THUMBNAIL_BLUR_SIGMA = 6;
const THUMBNAIL_QUALITY = 70;
const PREVIEW_QUALITY = 80;
// libvips' smallest accepted Gaussian.
const MIN_SIGMA = 0.3;

/**
 * The rotation and mirror that show stored pixels upright, by EXIF orientation (2–8), in the
 * order sharp applies them (rotate, then flip). Checked against sharp's own `autoOrient` for all
 * eight values in the tests.
 */
const ORIENTATION_STEPS: Readonly<
  Record<number, { readonly rotate: 0 | 90 | 180 | 270; readonly flip: boolean; readonly flop: boolean }>
> = {
  2: { rotate: 0, flip: false, flop: true },
  3: { rotate: 180, flip: false, flop: false },
  4: { rotate: 0, flip: true, flop: false },
  5: { rotate: 90, flip: true, flop: false },
  6: { rotate: 90, flip: false, flop: false },
  7: { rotate: 270, flip: true, flop: false },
  8: { rotate: 270, flip: false, flop: false },
};

function rawPipeline(
  data: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
  seconds: number,
): Sharp {
  // Raw pixels go through no loader (the loader allow-list does not apply, and no file parser
  // runs); the pixel count is already bounded by the decoder's limit.
  return sharp(data, { raw: { width, height, channels }, limitInputPixels: false }).timeout({ seconds });
}

/** A copy in an ArrayBuffer of its own, so it can be transferred without detaching a shared pool. */
function ownBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer);
}

/**
 * Renders the thumbnail and the preview of a decoded image: one full-size pass (orient, shrink to
 * the preview size), then both encodings from that small image. Metadata is never copied: the
 * input is raw pixels, and sharp writes none unless asked.
 * @param orientation EXIF orientation (1–8) of the decoded pixels, applied to both images.
 * @param timeoutMs time limit of each libvips pipeline (counted in whole seconds, rounded up).
 * @throws {MediaDecodeError} `MEDIA_TIMEOUT`, or `MEDIA_INTERNAL` if libvips fails on pixels it made
 */
export async function renderImageDerivatives(
  image: DecodedImage,
  orientation: number,
  timeoutMs: number,
): Promise<ImageDerivatives> {
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  try {
    const space = image.channels === 1 ? 'b-w' : 'srgb';
    let upright = rawPipeline(image.data, image.width, image.height, image.channels, seconds);
    const steps = ORIENTATION_STEPS[orientation];
    if (steps !== undefined) {
      if (steps.rotate !== 0) upright = upright.rotate(steps.rotate);
      if (steps.flip) upright = upright.flip();
      if (steps.flop) upright = upright.flop();
    }
    const small = await upright
      .resize(PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      // sharp's output defaults to three sRGB bands: a grey image stays one band.
      .toColourspace(space)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const { width, height } = small.info;
    const channels = small.info.channels === 1 ? 1 : 3;
    if (small.info.channels !== channels) {
      throw new Error(`unexpected ${small.info.channels}-band intermediate image`);
    }

    const preview = await rawPipeline(small.data, width, height, channels, seconds)
      .toColourspace(space)
      .jpeg({ quality: PREVIEW_QUALITY })
      .toBuffer();

    // The blur is relative to the thumbnail's own size, so a small image is as unrecognisable as
    // a large one.
    const scale = Math.min(1, THUMBNAIL_MAX_SIDE / Math.max(width, height));
    const thumbSide = Math.max(1, Math.round(Math.max(width, height) * scale));
    const sigma = Math.max(MIN_SIGMA, (THUMBNAIL_BLUR_SIGMA * thumbSide) / THUMBNAIL_MAX_SIDE);
    const thumbnail = await rawPipeline(small.data, width, height, channels, seconds)
      .resize(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .greyscale()
      .toColourspace('b-w') // one channel, not three equal ones
      .blur(sigma)
      .jpeg({ quality: THUMBNAIL_QUALITY })
      .toBuffer();

    return { thumbnail: ownBytes(thumbnail), preview: ownBytes(preview) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (/^timeout\b/i.test(detail)) {
      throw new MediaDecodeError('MEDIA_TIMEOUT', `Rendering the image derivatives timed out (${detail}).`, {
        cause: error,
      });
    }
    throw new MediaDecodeError(
      'MEDIA_INTERNAL',
      `Rendering the image derivatives failed: ${detail.slice(0, 300)}`,
      {
        cause: error,
      },
    );
  }
}
