// Deterministic benign images for the robustness evaluation: gradients with shapes, noise
// textures, text-like pages, photo-like procedural landscapes, mosaics and warped stripes. Pure
// JavaScript over RGB buffers (no decoder), so the same index gives the same pixels everywhere.
import { rng } from './random-words.mjs';

/** The kinds of content, in the order `benignImage(index)` cycles through them. */
export const IMAGE_KINDS = ['shapes', 'texture', 'page', 'landscape', 'mosaic', 'stripes'];

const SIZES = [
  [640, 480],
  [480, 640],
  [800, 600],
  [600, 600],
  [720, 405],
  [540, 720],
  [1024, 768],
];

/**
 * The benign image number `index`: `{ data, width, height, channels: 3, kind }`, RGB, row-major.
 * Every image mixes its kind's base layer with a few random shapes, so low frequencies differ.
 */
export function benignImage(index) {
  const next = rng(0x9e3779b9 ^ Math.imul(index + 1, 0x85ebca6b));
  const rand = () => next() / 4294967296;
  const [width, height] = SIZES[index % SIZES.length];
  const kind = IMAGE_KINDS[index % IMAGE_KINDS.length];
  const data = new Uint8Array(width * height * 3);
  const img = { data, width, height, channels: 3, kind };
  ({ shapes, texture, page, landscape, mosaic, stripes })[kind](img, rand);
  const extra = kind === 'page' ? 2 : 3 + Math.floor(rand() * 5);
  for (let i = 0; i < extra; i++) randomShape(img, rand, kind === 'page' ? 0.12 : 0.3);
  return img;
}

function colour(rand) {
  return [rand() * 255, rand() * 255, rand() * 255];
}

function put(img, x, y, c, alpha = 1) {
  const p = (y * img.width + x) * 3;
  for (let k = 0; k < 3; k++) img.data[p + k] = Math.round(img.data[p + k] * (1 - alpha) + c[k] * alpha);
}

/** Smooth value noise in [0, 1] with `octaves` octaves over a lattice of `cells` cells. */
function valueNoise(rand, cells, octaves) {
  const layers = [];
  for (let o = 0; o < octaves; o++) {
    const n = cells << o;
    const grid = new Float32Array((n + 1) * (n + 1));
    for (let i = 0; i < grid.length; i++) grid[i] = rand();
    layers.push({ n, grid, weight: 1 / (1 << o) });
  }
  const total = layers.reduce((s, l) => s + l.weight, 0);
  return (u, v) => {
    let sum = 0;
    for (const { n, grid, weight } of layers) {
      const x = u * n;
      const y = v * n;
      const i = Math.min(n - 1, Math.floor(x));
      const j = Math.min(n - 1, Math.floor(y));
      const fx = x - i;
      const fy = y - j;
      const sx = fx * fx * (3 - 2 * fx);
      const sy = fy * fy * (3 - 2 * fy);
      const a = grid[j * (n + 1) + i];
      const b = grid[j * (n + 1) + i + 1];
      const c = grid[(j + 1) * (n + 1) + i];
      const d = grid[(j + 1) * (n + 1) + i + 1];
      sum += weight * ((a * (1 - sx) + b * sx) * (1 - sy) + (c * (1 - sx) + d * sx) * sy);
    }
    return sum / total;
  };
}

function fill(img, f) {
  const { width, height, data } = img;
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++, p += 3) {
      const c = f(x / width, y / height);
      data[p] = c[0];
      data[p + 1] = c[1];
      data[p + 2] = c[2];
    }
  }
}

function mix(a, b, t) {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function shapes(img, rand) {
  const a = colour(rand);
  const b = colour(rand);
  const angle = rand() * Math.PI * 2;
  const [cx, cy] = [Math.cos(angle), Math.sin(angle)];
  const noise = valueNoise(rand, 3, 3);
  fill(img, (u, v) =>
    mix(a, b, Math.min(1, Math.max(0, 0.5 + (u - 0.5) * cx + (v - 0.5) * cy + (noise(u, v) - 0.5) * 0.6))),
  );
  for (let i = 0; i < 6; i++) randomShape(img, rand, 0.45);
}

function texture(img, rand) {
  const noise = valueNoise(rand, 2 + Math.floor(rand() * 6), 5);
  const stops = [colour(rand), colour(rand), colour(rand)];
  fill(img, (u, v) => {
    const t = noise(u, v);
    return t < 0.5 ? mix(stops[0], stops[1], t * 2) : mix(stops[1], stops[2], t * 2 - 1);
  });
}

function page(img, rand) {
  const paper = [235 + rand() * 20, 230 + rand() * 25, 220 + rand() * 35];
  const ink = [rand() * 60, rand() * 60, rand() * 90];
  fill(img, () => paper);
  const { width, height } = img;
  const margin = Math.round(width * (0.05 + rand() * 0.06));
  const line = Math.round(height * (0.03 + rand() * 0.02));
  let y = Math.round(height * (0.05 + rand() * 0.05));
  // A heading block, then lines of "words" (dark boxes of random widths), paragraphs apart.
  rect(img, margin, y, Math.round(width * (0.3 + rand() * 0.4)), Math.round(line * 1.4), ink);
  y += line * 3;
  while (y + line < height - margin) {
    let x = margin;
    const end = width - margin - (rand() < 0.2 ? width * rand() * 0.5 : 0);
    while (x < end) {
      const w = Math.round(line * (0.8 + rand() * 4));
      rect(img, x, y, Math.min(w, end - x), Math.round(line * 0.55), ink);
      x += w + Math.round(line * 0.5);
    }
    y += line + (rand() < 0.15 ? line : 0);
  }
}

function landscape(img, rand) {
  const sky = [colour(rand), [200 + rand() * 55, 180 + rand() * 75, 150 + rand() * 105]];
  const ground = [colour(rand), colour(rand)];
  const horizon = 0.35 + rand() * 0.3;
  const waves = Array.from({ length: 4 }, () => [1 + rand() * 12, rand() * 6.28, rand() * 0.08]);
  const noise = valueNoise(rand, 8, 4);
  fill(img, (u, v) => {
    let h = horizon;
    for (const [f, ph, a] of waves) h += a * Math.sin(u * f + ph);
    if (v < h) return mix(sky[0], sky[1], v / h);
    const t = noise(u, v);
    return mix(ground[0], ground[1], t);
  });
  const sun = colour(rand);
  disc(img, rand() * img.width, rand() * img.height * horizon, img.width * (0.04 + rand() * 0.08), sun, 1);
  const trees = 3 + Math.floor(rand() * 10);
  for (let i = 0; i < trees; i++) {
    const x = rand() * img.width;
    const y = img.height * (horizon + rand() * (1 - horizon));
    const r = img.width * (0.02 + rand() * 0.05);
    rect(img, Math.round(x - r / 6), Math.round(y), Math.round(r / 3), Math.round(r * 1.5), [70, 45, 20]);
    disc(img, x, y, r, [rand() * 60, 80 + rand() * 120, rand() * 60], 1);
  }
}

function mosaic(img, rand) {
  const seeds = Array.from({ length: 12 + Math.floor(rand() * 30) }, () => [rand(), rand(), colour(rand)]);
  fill(img, (u, v) => {
    let best = Infinity;
    let c = seeds[0][2];
    for (const [sx, sy, sc] of seeds) {
      const d = (u - sx) ** 2 + (v - sy) ** 2;
      if (d < best) [best, c] = [d, sc];
    }
    return c;
  });
}

function stripes(img, rand) {
  const a = colour(rand);
  const b = colour(rand);
  const f = 3 + rand() * 20;
  const warp = valueNoise(rand, 2, 3);
  const angle = rand() * Math.PI;
  fill(img, (u, v) => {
    const s = Math.sin((u * Math.cos(angle) + v * Math.sin(angle) + warp(u, v) * 0.5) * f * Math.PI);
    return mix(a, b, 0.5 + 0.5 * s);
  });
}

function rect(img, x0, y0, w, h, c, alpha = 1) {
  for (let y = Math.max(0, y0); y < Math.min(img.height, y0 + h); y++)
    for (let x = Math.max(0, x0); x < Math.min(img.width, x0 + w); x++) put(img, x, y, c, alpha);
}

function disc(img, cx, cy, r, c, alpha) {
  for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(img.height, Math.ceil(cy + r)); y++)
    for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(img.width, Math.ceil(cx + r)); x++)
      if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) put(img, x, y, c, alpha);
}

function randomShape(img, rand, maxSize) {
  const c = colour(rand);
  const alpha = 0.5 + rand() * 0.5;
  const size = img.width * (0.05 + rand() * maxSize);
  const x = rand() * img.width;
  const y = rand() * img.height;
  if (rand() < 0.5) disc(img, x, y, size / 2, c, alpha);
  else
    rect(
      img,
      Math.round(x - size / 2),
      Math.round(y - size / 3),
      Math.round(size),
      Math.round(size * (0.3 + rand())),
      c,
      alpha,
    );
}
