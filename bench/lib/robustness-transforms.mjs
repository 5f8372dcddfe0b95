// The transforms of the robustness evaluation (npm run eval:robustness): common edits of a
// re-shared image, each ending in a JPEG as a re-shared copy would. Deterministic.
import sharp from 'sharp';
import { collapseGrey } from '@hashline/pdq';
import { rng } from './random-words.mjs';

/** Decoded RGB pixels of encoded bytes (alpha flattened onto white), grey collapsed like the server. */
export async function decode(bytes) {
  const { data, info } = await sharp(bytes)
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return collapseGrey({ data, width: info.width, height: info.height, channels: info.channels });
}

const raw = (img) => sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
const jpeg = (s, quality = 90) => s.jpeg({ quality }).toBuffer();

/** RGB copy of an image (any channel count) as a plain object. */
export function rgb(img) {
  if (img.channels === 3 && !img.stride) return img;
  const out = new Uint8Array(img.width * img.height * 3);
  for (let i = 0; i < img.width * img.height; i++)
    for (let c = 0; c < 3; c++) out[i * 3 + c] = img.data[i * img.channels + (img.channels === 1 ? 0 : c)];
  return { data: out, width: img.width, height: img.height, channels: 3 };
}

function mapPixels(img, f) {
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(f(img.data[i], i))));
  return { ...img, data };
}

/** Paints a rectangle (alpha-blended) onto a copy made by the caller. */
function paint(img, x0, y0, w, h, c, alpha = 1) {
  for (let y = Math.max(0, y0); y < Math.min(img.height, y0 + h); y++)
    for (let x = Math.max(0, x0); x < Math.min(img.width, x0 + w); x++) {
      const p = (y * img.width + x) * 3;
      for (let k = 0; k < 3; k++) img.data[p + k] = Math.round(img.data[p + k] * (1 - alpha) + c[k] * alpha);
    }
}

function copy(img) {
  return { ...img, data: Uint8Array.from(img.data) };
}

/** Scales to fit inside w × h, then centres on a canvas of that size and colour. */
async function fitOnCanvas(img, w, h, background) {
  const scale = Math.min(w / img.width, h / img.height);
  const iw = Math.max(1, Math.round(img.width * scale));
  const ih = Math.max(1, Math.round(img.height * scale));
  const left = Math.floor((w - iw) / 2);
  const top = Math.floor((h - ih) / 2);
  return raw(img)
    .resize(iw, ih)
    .extend({ top, bottom: h - ih - top, left, right: w - iw - left, background });
}

function pad(fraction, background) {
  return (img) => {
    const x = Math.round(img.width * fraction);
    const y = Math.round(img.height * fraction);
    return jpeg(raw(img).extend({ top: y, bottom: y, left: x, right: x, background }));
  };
}

function crop(fraction, where) {
  return (img) => {
    const cx = Math.round(img.width * fraction);
    const cy = Math.round(img.height * fraction);
    const region =
      where === 'centre'
        ? {
            left: Math.round(cx / 2),
            top: Math.round(cy / 2),
            width: img.width - cx,
            height: img.height - cy,
          }
        : where === 'top'
          ? { left: 0, top: cy, width: img.width, height: img.height - cy }
          : { left: 0, top: 0, width: img.width - cx, height: img.height };
    return jpeg(raw(img).extract(region));
  };
}

/** A phone screenshot: status bar, app bar, the picture fitted between margins, a nav bar; JPEG 80. */
function screenshot(dark) {
  return async (img, index) => {
    const W = 720;
    const H = 1280;
    const bg = dark ? [18, 18, 18] : [245, 245, 245];
    const fg = dark ? [230, 230, 230] : [30, 30, 30];
    const canvas = { data: new Uint8Array(W * H * 3), width: W, height: H, channels: 3 };
    paint(canvas, 0, 0, W, H, bg);
    // Status bar: a clock and icons.
    paint(canvas, 0, 0, W, 48, dark ? [0, 0, 0] : [225, 225, 225]);
    for (const [x, w] of [
      [24, 14],
      [42, 14],
      [64, 14],
      [82, 14],
      [600, 30],
      [640, 24],
      [672, 36],
    ])
      paint(canvas, x, 16, w, 18, fg);
    // App bar: an avatar and a name.
    paint(canvas, 0, 48, W, 96, dark ? [35, 35, 35] : [255, 255, 255]);
    paint(canvas, 24, 64, 64, 64, [200, 120, 60]);
    paint(canvas, 104, 76, 180 + (index % 5) * 20, 18, fg);
    paint(canvas, 104, 104, 120, 14, [128, 128, 128]);
    // Nav bar.
    paint(canvas, 0, H - 112, W, 112, dark ? [35, 35, 35] : [255, 255, 255]);
    for (let i = 0; i < 5; i++) paint(canvas, 60 + i * 140, H - 76, 40, 40, fg);
    // The picture: fitted to the width less margins, below the app bar with a gap.
    const margin = 24;
    const top = 48 + 96 + 16;
    const maxH = H - 112 - 16 - top;
    const scale = Math.min((W - 2 * margin) / img.width, maxH / img.height);
    const iw = Math.round(img.width * scale);
    const ih = Math.round(img.height * scale);
    const { data } = await raw(img).resize(iw, ih).raw().toBuffer({ resolveWithObject: true });
    const left = Math.floor((W - iw) / 2);
    for (let y = 0; y < ih; y++)
      canvas.data.set(data.subarray(y * iw * 3, (y + 1) * iw * 3), ((top + y) * W + left) * 3);
    // The screen is captured at a lower resolution (540 × 960) and shared as a JPEG.
    return jpeg(raw(canvas).resize(540, 960), 80);
  };
}

/** The transforms: name → (original RGB, index) → encoded bytes. */
export const TRANSFORMS = {
  'jpeg-q90': (img) => jpeg(raw(img), 90),
  'jpeg-q70': (img) => jpeg(raw(img), 70),
  'jpeg-q40': (img) => jpeg(raw(img), 40),
  'resize-50%': (img) => jpeg(raw(img).resize(Math.round(img.width / 2))),
  'resize-150%': (img) => jpeg(raw(img).resize(Math.round(img.width * 1.5))),
  'gamma-0.6': (img) => jpeg(raw(mapPixels(img, (v) => 255 * (v / 255) ** 0.6))),
  'brightness+25%': (img) => jpeg(raw(img).modulate({ brightness: 1.25 })),
  'saturation+60%': (img) => jpeg(raw(img).modulate({ saturation: 1.6 })),
  'contrast+30%': (img) => jpeg(raw(mapPixels(img, (v) => (v - 128) * 1.3 + 128))),
  'blur-2px': (img) => jpeg(raw(img).blur(2)),
  'noise-±20': (img, index) => {
    const next = rng(index + 7);
    return jpeg(raw(mapPixels(img, (v) => v + ((next() % 41) - 20))));
  },
  watermark: (img) => {
    const out = copy(img);
    const w = Math.round(img.width * 0.3);
    const h = Math.round(img.height * 0.07);
    const x0 = img.width - w - Math.round(img.width * 0.03);
    const y0 = img.height - h - Math.round(img.height * 0.03);
    paint(out, x0, y0, w, h, [255, 255, 255], 0.45);
    for (let x = x0 + 6; x < x0 + w - 12; x += 16)
      paint(out, x, y0 + Math.round(h * 0.25), 10, Math.round(h * 0.5), [0, 0, 0], 0.5);
    return jpeg(raw(out));
  },
  overlay: (img) => {
    const out = copy(img);
    const s = Math.round(Math.min(img.width, img.height) * 0.25);
    paint(out, Math.round(img.width * 0.08), Math.round(img.height * 0.1), s, s, [250, 210, 40]);
    paint(
      out,
      Math.round(img.width * 0.08 + s * 0.25),
      Math.round(img.height * 0.1 + s * 0.3),
      Math.round(s * 0.15),
      Math.round(s * 0.15),
      [20, 20, 20],
    );
    paint(
      out,
      Math.round(img.width * 0.08 + s * 0.6),
      Math.round(img.height * 0.1 + s * 0.3),
      Math.round(s * 0.15),
      Math.round(s * 0.15),
      [20, 20, 20],
    );
    return jpeg(raw(out));
  },
  mirror: (img) => jpeg(raw(img).flop()),
  'rotate-90': (img) => jpeg(raw(img).rotate(90)),
  'rotate-4°': (img) => jpeg(raw(img).rotate(4, { background: '#000000' })),
  'crop-5%-centre': crop(0.05, 'centre'),
  'crop-10%-centre': crop(0.1, 'centre'),
  'crop-5%-top': crop(0.05, 'top'),
  'crop-10%-top': crop(0.1, 'top'),
  'crop-10%-right': crop(0.1, 'right'),
  'pad-10%-black': pad(0.1, '#000000'),
  'pad-20%-white': pad(0.2, '#ffffff'),
  'pad-10%-colour': pad(0.1, '#3b7dd8'),
  'pad-20%-colour': pad(0.2, '#d83b6a'),
  'letterbox-9:16': async (img) => {
    const w = img.width;
    const h = Math.round((w * 16) / 9);
    return jpeg(await fitOnCanvas(img, w, h, '#000000'));
  },
  'letterbox-16:9': async (img) => {
    const h = img.height;
    const w = Math.round((h * 16) / 9);
    return jpeg(await fitOnCanvas(img, w, h, '#000000'));
  },
  'screenshot-light': screenshot(false),
  'screenshot-dark': screenshot(true),
};

export const PHOTOMETRIC = [
  'jpeg-q90',
  'jpeg-q70',
  'jpeg-q40',
  'resize-50%',
  'resize-150%',
  'gamma-0.6',
  'brightness+25%',
  'saturation+60%',
  'contrast+30%',
  'blur-2px',
  'noise-±20',
  'watermark',
  'overlay',
];
