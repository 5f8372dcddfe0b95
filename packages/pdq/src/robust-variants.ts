import { pdqHash } from './pdq-hasher.js';
import { validatePixels } from './luma.js';
import type { ImagePixels, PdqHash, PdqOptions } from './types.js';

/**
 * Robust variants: extra PDQ hashes of parts of an image that let a match survive the edits plain
 * PDQ misses (borders, letterboxing, screenshots, crops). The primary PDQ hash is never changed:
 * each variant is Meta's PDQ of a sub-rectangle of the same decoded pixels.
 *
 * - `trim` (query and bank side): the largest photo-like rectangle, found by removing rows and
 *   columns of one flat colour around the image and, in a screenshot, the status bar or toolbar
 *   separated from the picture by a flat band. A padded, letterboxed or screenshotted copy trims
 *   back to (nearly) the original picture.
 * - `frame` (query side only): the picture inside the image's outermost border only — a padded or
 *   letterboxed picture whose own edges are flat (a page's margins, a photo's sky) is kept whole,
 *   where `trim` would cut into it — with each edge put on the strongest brightness step just
 *   inside, past the lines JPEG's colour ringing leaves around a picture.
 * - `screen` (query side only): in a screenshot, the picture between the bars (the dominant block
 *   of rows between bands of flat lines; bands of one colour, like the gaps between a page's text
 *   lines, do not split it), less its own border, its edges placed like `frame`'s.
 * - `crop-*` (bank side only): the banked image with a few percent cut away — centred, or from one
 *   edge — so a cropped copy lands near one of them.
 *
 * `frame` and `screen` are query-side only, so stored bank variants stay valid as they are: a
 * query's `frame` or `screen` probes the bank's primary hashes and stored variants like `trim`.
 */

/** A rectangle of an image, in pixels: `x`, `y` of its top-left corner, `width` × `height`. */
export interface PixelRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Edge crops, in percent of the side cut from one edge: any edge crop from 3 to 11 % is within
 * 2 % of one (PDQ's tolerance of a shift). Two steps per edge, not three: every banked hash is
 * probed by every query, so the set is kept to what the evaluation needs (ADR 0021, measured with
 * `bench/robust-crops.explore.mjs`: steps {3, 6, 9} gave no more recall on 5 and 10 % crops).
 */
const EDGE_CROPS = [5, 9] as const;
/** Centred crops, in percent of each side cut (half from each end): up to 10 % within 1 % of one. */
const CENTRE_CROPS = [4, 8] as const;

/**
 * Names of the variants a banked image keeps, in the order they are computed (see the module
 * comment).
 */
export const ROBUST_VARIANT_NAMES = [
  'trim',
  ...CENTRE_CROPS.map((p) => `crop-c${p}` as const),
  ...(['t', 'b', 'l', 'r'] as const).flatMap((edge) => EDGE_CROPS.map((p) => `crop-${edge}${p}` as const)),
] as const;

/**
 * Name of one robust variant a banked image keeps: `trim`, `crop-c<percent>` (centred) or
 * `crop-<t|b|l|r><percent>`. The order of {@link ROBUST_VARIANT_NAMES} is the bit order of the
 * matcher's kind masks: new bank kinds go at its end.
 */
export type RobustVariantName = (typeof ROBUST_VARIANT_NAMES)[number];

/**
 * Names of the variants only a query computes (never banked, see {@link findFrameRects}):
 * `frame`, the picture inside the image's outermost border; `screen`, the picture between a
 * screenshot's bars.
 */
export const QUERY_VARIANT_NAMES = ['trim', 'frame', 'screen'] as const;

/** Name of one variant a query computes: `trim`, `frame` or `screen`. */
export type QueryVariantName = (typeof QUERY_VARIANT_NAMES)[number];

/** One robust variant: its name, its PDQ hash and that hash's quality. */
export interface PdqVariant<Name extends string = RobustVariantName | QueryVariantName> {
  readonly name: Name;
  readonly hash: PdqHash;
  readonly quality: number;
}

/**
 * Which side the variants are for: a query computes `trim`, `frame` and `screen`; a banked image
 * `trim` and the crops; `all` both sets at once (`trim` once), for a worker that matches the
 * media and may bank it.
 */
export type RobustVariantSide = 'query' | 'bank' | 'all';

/** A channel within this of the line's mean counts as the line's colour (survives JPEG ringing). */
const FLAT_TOLERANCE = 10;
/** A border line's colour stays within this of the outermost line's: a border has one colour. */
const BORDER_COLOUR_TOLERANCE = 8;
/**
 * Tolerance for the compression ringing along a picture's edges: after the borders are trimmed, a
 * few lines this flat at the edges (chroma blocks straddling the edge) are shaved off too.
 */
const RINGING_TOLERANCE = 28;
/** At most this fraction of a side (and at least 2 lines) is shaved as ringing. */
const RINGING_DEPTH = 0.015;
/** A line is flat when at most this fraction of its samples are off its colour (specks, icons). */
const FLAT_OUTLIERS = 0.02;
/** At most this many samples per line are examined (evenly spaced), whatever the image size. */
const MAX_SAMPLES = 512;
/** A rectangle keeping at least this fraction of both sides is the whole image: no `trim`. */
const KEEP_WHOLE = 0.97;
/** The picture must keep at least this fraction of a side; less means no picture was found. */
const MIN_KEEP = 0.2;

/**
 * Finds the largest photo-like rectangle of an image: first the image less its borders (rows and
 * columns of one flat colour at its edges); then, when flat bands split that into stacked blocks
 * and one block is at least twice as tall as any other (a picture between a status bar and a
 * toolbar), that block less its own borders. Returns null when the result is (nearly) the whole
 * image or under a fifth of a side.
 */
export function findContentRect(pixels: ImagePixels): PixelRect | null {
  const stride = validatePixels(pixels);
  const { width, height } = pixels;
  let rect = trimBorders(pixels, stride, { x: 0, y: 0, width, height });
  const block = dominantRowBlock(pixels, stride, rect);
  if (block) rect = trimBorders(pixels, stride, block);
  if (rect.width < width || rect.height < height) rect = shaveRinging(pixels, stride, rect);
  if (rect.width < MIN_KEEP * width || rect.height < MIN_KEEP * height) return null;
  if (rect.width >= KEEP_WHOLE * width && rect.height >= KEEP_WHOLE * height) return null;
  return rect;
}

/**
 * A view of a rectangle of an image, sharing its bytes (no copy): the same row stride, starting at
 * the rectangle's first pixel.
 */
export function cropPixels(pixels: ImagePixels, rect: PixelRect): ImagePixels {
  const stride = validatePixels(pixels);
  const { x, y, width, height } = rect;
  if (
    ![x, y, width, height].every(Number.isInteger) ||
    x < 0 ||
    y < 0 ||
    width < 1 ||
    height < 1 ||
    x + width > pixels.width ||
    y + height > pixels.height
  ) {
    throw new RangeError(
      `Rectangle ${width}×${height}+${x}+${y} is outside the ${pixels.width}×${pixels.height} image.`,
    );
  }
  const start = y * stride + x * pixels.channels;
  return {
    data: pixels.data.subarray(start),
    width,
    height,
    channels: pixels.channels,
    stride,
  };
}

/** The rectangle of each crop variant of a `width` × `height` image, in the order of the names. */
export function cropRects(width: number, height: number): Map<RobustVariantName, PixelRect> {
  const rects = new Map<RobustVariantName, PixelRect>();
  for (const p of CENTRE_CROPS) {
    const cutX = Math.round((width * p) / 100);
    const cutY = Math.round((height * p) / 100);
    const x = Math.round(cutX / 2);
    const y = Math.round(cutY / 2);
    rects.set(`crop-c${p}`, { x, y, width: width - cutX, height: height - cutY });
  }
  for (const edge of ['t', 'b', 'l', 'r'] as const) {
    for (const p of EDGE_CROPS) {
      const cutX = Math.round((width * p) / 100);
      const cutY = Math.round((height * p) / 100);
      const rect =
        edge === 't'
          ? { x: 0, y: cutY, width, height: height - cutY }
          : edge === 'b'
            ? { x: 0, y: 0, width, height: height - cutY }
            : edge === 'l'
              ? { x: cutX, y: 0, width: width - cutX, height }
              : { x: 0, y: 0, width: width - cutX, height };
      rects.set(`crop-${edge}${p}`, rect);
    }
  }
  return rects;
}

/**
 * Computes the robust variants of an image (see the module comment): for a query, `trim`,
 * `frame` and `screen` when the image has borders or bars (each only when its rectangle differs
 * from those before it); for a banked image, `trim` and the crops; for `all`, both. Variants of
 * quality 0 (under 5 pixels) are left out. Deterministic and isomorphic: the same pixels give the
 * same variants in Node and in a browser.
 */
export function pdqRobustVariants(
  pixels: ImagePixels,
  side: 'bank',
  options?: PdqOptions,
): PdqVariant<RobustVariantName>[];
export function pdqRobustVariants(
  pixels: ImagePixels,
  side: 'query',
  options?: PdqOptions,
): PdqVariant<QueryVariantName>[];
export function pdqRobustVariants(
  pixels: ImagePixels,
  side: RobustVariantSide,
  options?: PdqOptions,
): PdqVariant[];
export function pdqRobustVariants(
  pixels: ImagePixels,
  side: RobustVariantSide,
  options: PdqOptions = {},
): PdqVariant[] {
  const variants: PdqVariant[] = [];
  const rects: PixelRect[] = [];
  const add = (name: RobustVariantName | QueryVariantName, rect: PixelRect) => {
    rects.push(rect);
    const { hash, quality } = pdqHash(cropPixels(pixels, rect), options);
    if (quality > 0) variants.push({ name, hash, quality });
  };
  const content = findContentRect(pixels);
  if (content) add('trim', content);
  if (side !== 'bank') {
    const { frame, screen } = findFrameRects(pixels);
    for (const [name, rect] of [
      ['frame', frame],
      ['screen', screen],
    ] as const) {
      if (rect && !rects.some((r) => sameRect(r, rect))) add(name, rect);
    }
  }
  if (side !== 'query' && pixels.width >= 32 && pixels.height >= 32) {
    for (const [name, rect] of cropRects(pixels.width, pixels.height)) add(name, rect);
  }
  return variants;
}

/** Whether a line is flat (one colour but for a few outliers) and its mean colour. */
interface LineStats {
  readonly flat: boolean;
  readonly mean: readonly number[];
}

/**
 * Statistics of a line of `length` pixels from (x, y): a row when `horizontal`, else a column.
 */
function lineStats(
  pixels: ImagePixels,
  stride: number,
  x: number,
  y: number,
  length: number,
  horizontal: boolean,
  tolerance = FLAT_TOLERANCE,
): LineStats {
  const { data, channels } = pixels;
  const used = Math.min(channels, 3);
  if (length <= 0) return { flat: true, mean: [0, 0, 0].slice(0, used) };
  const step = Math.max(1, Math.ceil(length / MAX_SAMPLES));
  const pixelStep = (horizontal ? channels : stride) * step;
  const start = y * stride + x * channels;
  const count = Math.ceil(length / step);
  const sums = [0, 0, 0];
  for (let i = 0, p = start; i < count; i++, p += pixelStep) {
    for (let c = 0; c < used; c++) sums[c]! += data[p + c]!;
  }
  const mean = sums.slice(0, used).map((s) => s / count);
  let outliers = 0;
  const allowed = Math.floor(count * FLAT_OUTLIERS);
  for (let i = 0, p = start; i < count; i++, p += pixelStep) {
    for (let c = 0; c < used; c++) {
      if (Math.abs(data[p + c]! - mean[c]!) > tolerance) {
        if (++outliers > allowed) return { flat: false, mean };
        break;
      }
    }
  }
  return { flat: true, mean };
}

function sameColour(a: readonly number[], b: readonly number[]): boolean {
  return a.every((v, c) => Math.abs(v - b[c]!) <= BORDER_COLOUR_TOLERANCE);
}

/**
 * Removes the borders of a rectangle: from each edge, the lines that are flat and of the colour of
 * the outermost line; repeated until nothing changes (trimming columns can make rows flat).
 */
function trimBorders(pixels: ImagePixels, stride: number, rect: PixelRect): PixelRect {
  let x0 = rect.x;
  let y0 = rect.y;
  let x1 = rect.x + rect.width;
  let y1 = rect.y + rect.height;
  const row = (y: number) => lineStats(pixels, stride, x0, y, x1 - x0, true);
  const col = (x: number) => lineStats(pixels, stride, x, y0, y1 - y0, false);
  for (let pass = 0; pass < 4; pass++) {
    const before = [x0, y0, x1, y1].join();
    let edge = row(y0);
    if (edge.flat) while (y1 - y0 > 1 && sameFlat(row(y0), edge)) y0++;
    edge = row(y1 - 1);
    if (edge.flat) while (y1 - y0 > 1 && sameFlat(row(y1 - 1), edge)) y1--;
    edge = col(x0);
    if (edge.flat) while (x1 - x0 > 1 && sameFlat(col(x0), edge)) x0++;
    edge = col(x1 - 1);
    if (edge.flat) while (x1 - x0 > 1 && sameFlat(col(x1 - 1), edge)) x1--;
    if ([x0, y0, x1, y1].join() === before) break;
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Shaves the ringing off a trimmed rectangle's edges: up to {@link RINGING_DEPTH} of each side,
 * the lines that are flat within {@link RINGING_TOLERANCE}.
 */
function shaveRinging(pixels: ImagePixels, stride: number, rect: PixelRect): PixelRect {
  let x0 = rect.x;
  let y0 = rect.y;
  let x1 = rect.x + rect.width;
  let y1 = rect.y + rect.height;
  const depthY = Math.max(2, Math.round(rect.height * RINGING_DEPTH));
  const depthX = Math.max(2, Math.round(rect.width * RINGING_DEPTH));
  const flatRow = (y: number) => lineStats(pixels, stride, x0, y, x1 - x0, true, RINGING_TOLERANCE).flat;
  const flatCol = (x: number) => lineStats(pixels, stride, x, y0, y1 - y0, false, RINGING_TOLERANCE).flat;
  for (let n = 0; n < depthY && y1 - y0 > 2 && flatRow(y0); n++) y0++;
  for (let n = 0; n < depthY && y1 - y0 > 2 && flatRow(y1 - 1); n++) y1--;
  for (let n = 0; n < depthX && x1 - x0 > 2 && flatCol(x0); n++) x0++;
  for (let n = 0; n < depthX && x1 - x0 > 2 && flatCol(x1 - 1); n++) x1--;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function sameFlat(line: LineStats, edge: LineStats): boolean {
  return line.flat && sameColour(line.mean, edge.mean);
}

/**
 * The dominant block of a rectangle's rows: the rows are split at flat bands at least 0.5 % of
 * the height (3 rows or more) thick; the tallest block is returned when it is at least a fifth
 * of the height and at least twice as tall as every other block. Null otherwise (one block, or
 * several alike: lines of text, a collage). With `joinPlainBands`, two blocks separated by a band
 * of one colour that also runs down both sides of both blocks are one block: the gaps between a
 * page's lines are the paper's colour, like its margins, while a screenshot's bar has a colour of
 * its own at its sides (or is separated from the picture by a band of two colours or more).
 */
function dominantRowBlock(
  pixels: ImagePixels,
  stride: number,
  rect: PixelRect,
  joinPlainBands = false,
): PixelRect | null {
  const minGap = Math.max(3, Math.round(rect.height * 0.005));
  let blocks: [number, number][] = [];
  // The colour of the band before each block after the first when it is one colour, else null.
  const bandsBefore: (readonly number[] | null)[] = [];
  let start = -1;
  let end = -1;
  let gap = 0;
  let bandColour: readonly number[] = [];
  let bandPlain = true;
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    const line = lineStats(pixels, stride, rect.x, y, rect.width, true);
    if (line.flat) {
      if (gap === 0) {
        bandColour = line.mean;
        bandPlain = true;
      } else if (!sameColour(line.mean, bandColour)) bandPlain = false;
      if (++gap >= minGap && start >= 0) {
        blocks.push([start, end]);
        start = -1;
      }
      continue;
    }
    if (start < 0) {
      start = y;
      if (blocks.length > 0) bandsBefore.push(bandPlain ? bandColour : null);
    }
    end = y + 1;
    gap = 0;
  }
  if (start >= 0) blocks.push([start, end]);
  if (joinPlainBands && blocks.length > 1) {
    const sides = (block: [number, number]) =>
      [rect.x, rect.x + rect.width - 1].map((x) =>
        lineStats(pixels, stride, x, block[0], block[1] - block[0], false),
      );
    const onColour = (block: [number, number], colour: readonly number[]) =>
      sides(block).every((side) => sameFlat(side, { flat: true, mean: colour }));
    const joined: [number, number][] = [blocks[0]!];
    for (let i = 1; i < blocks.length; i++) {
      const band = bandsBefore[i - 1];
      const last = joined[joined.length - 1]!;
      if (band && onColour(last, band) && onColour(blocks[i]!, band)) last[1] = blocks[i]![1];
      else joined.push(blocks[i]!);
    }
    blocks = joined;
  }
  if (blocks.length < 2) return null;
  blocks.sort((a, b) => b[1] - b[0] - (a[1] - a[0]));
  const [first, second] = [blocks[0]!, blocks[1]!];
  const tallest = first[1] - first[0];
  if (tallest < rect.height * MIN_KEEP || tallest < 2 * (second[1] - second[0])) return null;
  return { x: rect.x, y: first[0], width: rect.width, height: tallest };
}

function sameRect(a: PixelRect, b: PixelRect): boolean {
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

/**
 * The largest-step search looks this fraction of a side inside an edge, and at least as deep as
 * JPEG's colour ringing reaches (a 16-pixel chroma block) as long as that is under
 * {@link EDGE_SEARCH_MAX_FRACTION} of the side.
 */
const EDGE_SEARCH_DEPTH = 0.02;
const EDGE_SEARCH_RINGING = 16;
const EDGE_SEARCH_MAX_FRACTION = 0.05;
/**
 * An image whose outermost border has no sides and keeps at least this fraction of its height
 * (flat lines at the top and bottom of a screenshot's bars) has a `screen` but no `frame`.
 */
const SCREEN_BARS_MARGIN = 0.9;

/** The rectangles of a query's `frame` and `screen` variants (null: none). */
export interface FrameRects {
  readonly frame: PixelRect | null;
  readonly screen: PixelRect | null;
}

/**
 * The picture inside its outermost frame, for a query. Unlike {@link findContentRect}, only the
 * outermost border is removed (lines of the colour of the image's own edge, or of a border already
 * found on another edge), so a picture with margins of its own (a page, a framed photo) is kept
 * whole; then each trimmed edge is moved onto the strongest brightness step just inside it, which
 * drops the lines that compression ringing left between the border and the picture.
 * - `frame`: the image less its outermost border (a pad, letterbox bars);
 * - `screen`: when flat bands split that into stacked blocks and one dominates (a screenshot's
 *   picture between its bars; bands of one colour, like the gaps between a page's lines, do not
 *   split), that block less its own border. When there is a `screen` and the outermost border
 *   has no side and is thin (bars spanning the width, as a screenshot's do, with a few flat lines
 *   of their own at the top and bottom), there is no `frame`.
 * Each is null when it is (nearly) the whole image or under a fifth of a side.
 */
export function findFrameRects(pixels: ImagePixels): FrameRects {
  const stride = validatePixels(pixels);
  const { width, height } = pixels;
  const outer = trimOuterBorder(pixels, stride, { x: 0, y: 0, width, height });
  const block = dominantRowBlock(pixels, stride, outer, true);
  const finish = (rect: PixelRect): PixelRect | null => {
    if (rect.width >= width && rect.height >= height) return null;
    const aligned = alignEdges(pixels, stride, rect);
    if (aligned.width < MIN_KEEP * width || aligned.height < MIN_KEEP * height) return null;
    if (aligned.width >= KEEP_WHOLE * width && aligned.height >= KEEP_WHOLE * height) return null;
    return aligned;
  };
  const screen = block ? finish(trimOuterBorder(pixels, stride, block)) : null;
  // A screenshot's bars span its width: with a `screen` found, no border at either side and only
  // a few flat lines off the top and bottom (a bar's own margin, not letterbox bars), the image
  // less those lines is no picture of its own.
  const sideBorder = outer.x > 0 || outer.x + outer.width < width;
  const thinBorder = outer.height >= SCREEN_BARS_MARGIN * height;
  const frame = screen && !sideBorder && thinBorder ? null : finish(outer);
  return { frame, screen: screen && frame && sameRect(screen, frame) ? null : screen };
}

/**
 * Removes the outermost border of a rectangle: from each edge, the flat lines of that edge's
 * colour. An edge's colour is its outermost line's when that line is flat on the first pass; an
 * edge that becomes flat only after others were trimmed (a pillarboxed picture's top) is trimmed
 * only if it has the colour of a border already found, so the picture's own margins stay.
 */
function trimOuterBorder(pixels: ImagePixels, stride: number, rect: PixelRect): PixelRect {
  let x0 = rect.x;
  let y0 = rect.y;
  let x1 = rect.x + rect.width;
  let y1 = rect.y + rect.height;
  const row = (y: number) => lineStats(pixels, stride, x0, y, x1 - x0, true);
  const col = (x: number) => lineStats(pixels, stride, x, y0, y1 - y0, false);
  const colours: (readonly number[] | null)[] = [null, null, null, null];
  const found: (readonly number[])[] = [];
  const colourOf = (edge: number, line: LineStats, first: boolean): readonly number[] | null => {
    const known = colours[edge];
    if (known) return known;
    if (!line.flat) return null;
    if (!first && !found.some((c) => sameColour(c, line.mean))) return null;
    colours[edge] = line.mean;
    found.push(line.mean);
    return line.mean;
  };
  for (let pass = 0; pass < 4; pass++) {
    const before = [x0, y0, x1, y1].join();
    const first = pass === 0;
    let colour = colourOf(0, row(y0), first);
    if (colour) while (y1 - y0 > 1 && sameFlatColour(row(y0), colour)) y0++;
    colour = colourOf(1, row(y1 - 1), first);
    if (colour) while (y1 - y0 > 1 && sameFlatColour(row(y1 - 1), colour)) y1--;
    colour = colourOf(2, col(x0), first);
    if (colour) while (x1 - x0 > 1 && sameFlatColour(col(x0), colour)) x0++;
    colour = colourOf(3, col(x1 - 1), first);
    if (colour) while (x1 - x0 > 1 && sameFlatColour(col(x1 - 1), colour)) x1--;
    if ([x0, y0, x1, y1].join() === before) break;
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function sameFlatColour(line: LineStats, colour: readonly number[]): boolean {
  return line.flat && sameColour(line.mean, colour);
}

/**
 * Moves each edge of a rectangle that lies inside the image onto the strongest brightness step
 * within {@link EDGE_SEARCH_DEPTH} inside it (the outermost on a tie): the step between the last
 * border line and the picture's first is the largest there, while the ringing lines in between
 * keep the border's brightness.
 */
function alignEdges(pixels: ImagePixels, stride: number, rect: PixelRect): PixelRect {
  let x0 = rect.x;
  let y0 = rect.y;
  let x1 = rect.x + rect.width;
  let y1 = rect.y + rect.height;
  const depth = (side: number) =>
    Math.max(
      2,
      Math.round(side * EDGE_SEARCH_DEPTH),
      Math.min(EDGE_SEARCH_RINGING, Math.round(side * EDGE_SEARCH_MAX_FRACTION)),
    );
  const depthY = depth(rect.height);
  const depthX = depth(rect.width);
  // Steps between line p and line p - 1 (rows, then columns), over the rectangle's span.
  const rowStep = (y: number) => lineStep(pixels, stride, rect.x, y, rect.width, true);
  const colStep = (x: number) => lineStep(pixels, stride, rect.y, x, rect.height, false);
  if (y0 > 0) y0 = strongest(y0, y0 + depthY, rowStep);
  if (y1 < pixels.height) y1 = strongest(y1, y1 - depthY, rowStep);
  if (x0 > 0) x0 = strongest(x0, x0 + depthX, colStep);
  if (x1 < pixels.width) x1 = strongest(x1, x1 - depthX, colStep);
  if (y1 - y0 < 1 || x1 - x0 < 1) return rect;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** The line boundary from `from` towards `to` (inclusive) with the largest step; the first on a tie. */
function strongest(from: number, to: number, step: (p: number) => number): number {
  const dir = to >= from ? 1 : -1;
  let best = from;
  let bestStep = -1;
  for (let p = from; dir > 0 ? p <= to : p >= to; p += dir) {
    const s = step(p);
    if (s > bestStep) {
      best = p;
      bestStep = s;
    }
  }
  return best;
}

/**
 * Mean absolute brightness difference between line `p` and line `p - 1` (rows when `horizontal`,
 * from column `start`; else columns from row `start`), over `length` samples at most
 * {@link MAX_SAMPLES} evenly spaced. Brightness is the integer luma (299 R + 587 G + 114 B).
 */
function lineStep(
  pixels: ImagePixels,
  stride: number,
  start: number,
  p: number,
  length: number,
  horizontal: boolean,
): number {
  const { data, channels } = pixels;
  const step = Math.max(1, Math.ceil(length / MAX_SAMPLES));
  const count = Math.ceil(length / step);
  const along = (horizontal ? channels : stride) * step;
  const across = horizontal ? stride : channels;
  let a = horizontal ? p * stride + start * channels : start * stride + p * channels;
  let total = 0;
  for (let i = 0; i < count; i++, a += along) {
    total += Math.abs(luma(data, a, channels) - luma(data, a - across, channels));
  }
  return total / count;
}

function luma(data: Uint8Array | Uint8ClampedArray, at: number, channels: number): number {
  return channels < 3 ? 1000 * data[at]! : 299 * data[at]! + 587 * data[at + 1]! + 114 * data[at + 2]!;
}
