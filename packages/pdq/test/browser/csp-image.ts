// A deterministic benign test image (gradients and a checker), built the same way in Node and in
// the page of csp.browser.test.ts. Isomorphic: no Node or DOM globals.
import type { ImagePixels } from '@hashline/pdq';

/** A 300×200 RGB image of smooth gradients with a checker pattern. */
export function cspTestImage(): ImagePixels {
  const width = 300;
  const height = 200;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const checker = ((x >> 4) + (y >> 3)) & 1 ? 50 : 0;
      const at = (y * width + x) * 3;
      data[at] = (x * 0.8 + checker) & 0xff;
      data[at + 1] = (y * 1.2 + checker) & 0xff;
      data[at + 2] = (x + y) & 0xff;
    }
  }
  return { data, width, height, channels: 3 };
}
