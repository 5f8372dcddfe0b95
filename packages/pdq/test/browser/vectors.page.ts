// Entry module run inside Chromium by pdq.browser.test.ts: decodes the fixtures the way a web page
// would (fetch → createImageBitmap → canvas) and runs the shared vector checks on them.
import type { ImagePixels, PdqEngine } from '@hashline/pdq';
import { pageParams, reportToHarness } from '../../../../tools/browser/page-harness.js';
import { ENGINES, parseVectorsTsv, runPdqVectorChecks, type CheckResult } from '../vectors.body.js';

/** Parameters passed by the Node side. */
export interface VectorsPageParams {
  /** Vector paths that also have a full-size fixture in `pixels-full/`. */
  readonly fullSizePaths: readonly string[];
}

/** What the page reports back. */
export interface VectorsPageReport {
  readonly userAgent: string;
  /** Results of each engine (`engine: 'wasm'` fails every row where WebAssembly is unavailable). */
  readonly engines: readonly {
    readonly engine: PdqEngine;
    readonly pixels512: readonly CheckResult[];
    readonly pixelsFull: readonly CheckResult[];
    /** Milliseconds spent in each set (decode + hash), for the report only. */
    readonly ms: { readonly pixels512: number; readonly pixelsFull: number };
  }[];
}

/**
 * Decodes an image file served at the page's origin into RGBA pixels, exactly as stored: no colour
 * management, no premultiplication (fixtures are opaque, but premultiplying would round colours).
 */
async function loadCanvasPixels(file: string): Promise<ImagePixels> {
  const response = await fetch(`/${file}`);
  if (!response.ok) throw new Error(`GET /${file}: HTTP ${response.status}`);
  const bitmap = await createImageBitmap(await response.blob(), {
    colorSpaceConversion: 'none',
    premultiplyAlpha: 'none',
  });
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    // willReadFrequently keeps the canvas in CPU memory, so getImageData reads back what was drawn.
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('no 2d context on OffscreenCanvas');
    context.drawImage(bitmap, 0, 0);
    const image = context.getImageData(0, 0, bitmap.width, bitmap.height);
    return { data: image.data, width: image.width, height: image.height, channels: 4 };
  } finally {
    bitmap.close();
  }
}

reportToHarness(async (): Promise<VectorsPageReport> => {
  const { fullSizePaths } = pageParams<VectorsPageParams>();
  const response = await fetch('/vectors.tsv');
  if (!response.ok) throw new Error(`GET /vectors.tsv: HTTP ${response.status}`);
  const rows = parseVectorsTsv(await response.text());

  const fullRows = rows.filter((row) => fullSizePaths.includes(row.path));
  const engines = [];
  for (const engine of ENGINES) {
    let start = performance.now();
    const pixels512 = await runPdqVectorChecks(loadCanvasPixels, rows, 'pixels512', engine);
    const pixels512Ms = performance.now() - start;
    start = performance.now();
    const pixelsFull = await runPdqVectorChecks(loadCanvasPixels, fullRows, 'pixels-full', engine);
    const pixelsFullMs = performance.now() - start;
    engines.push({
      engine,
      pixels512,
      pixelsFull,
      ms: { pixels512: Math.round(pixels512Ms), pixelsFull: Math.round(pixelsFullMs) },
    });
  }
  return { userAgent: navigator.userAgent, engines };
});
