// Intermediate buffers against Meta's reference, bit for bit: the 64×64 blurred buffer and the
// 16×16 DCT dumped from the reference library (pdq/stages) for four images, on both cores.
// Stronger than the hash vectors: a changed summation order in the blur can leave every hash
// intact and still change these bits.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { collapseGrey, type ImagePixels } from '@hashline/pdq';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import { dct16 } from '../src/dct.js';
import { blurAndDecimate } from '../src/jarosz-filter.js';
import { toLuma, validatePixels } from '../src/luma.js';
import { wasmCore } from '../src/wasm-core.js';

const STAGES = join(PDQ_FIXTURES, 'stages');
const files = readdirSync(STAGES).filter((name) => name.endsWith('.stages.txt'));

/** The hex f32 bit patterns of one line (`buf64x64 …`, `dct16x16 …`) of a stages file. */
function stage(text: string, key: string): Uint32Array {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${key} `));
  if (!line) throw new Error(`no ${key} line`);
  return Uint32Array.from(line.split(' ').slice(1), (hex) => Number.parseInt(hex, 16));
}

const bits = (values: Float32Array): Uint32Array =>
  new Uint32Array(values.buffer, values.byteOffset, values.length);

async function load(file: string): Promise<ImagePixels> {
  const png = readFileSync(join(PDQ_FIXTURES, 'pixels512', file.replace(/\.stages\.txt$/, '.png')));
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return collapseGrey({
    data,
    width: info.width,
    height: info.height,
    channels: info.channels as ImagePixels['channels'],
  });
}

describe('stages against the reference dumps', () => {
  test('four stage files', () => {
    expect(files).toHaveLength(4);
  });

  test.each(files)('%s: 64×64 buffer and DCT bits on the JS core and the WebAssembly core', async (file) => {
    const text = readFileSync(join(STAGES, file), 'utf8');
    const buffer64 = stage(text, 'buf64x64');
    const dct = stage(text, 'dct16x16');
    expect(buffer64).toHaveLength(4096);
    expect(dct).toHaveLength(256);
    const pixels = await load(file);

    const { luma, width, height } = toLuma(pixels, true);
    const jsBuffer = blurAndDecimate(luma, width, height, 64);
    expect(bits(jsBuffer)).toEqual(buffer64);
    expect(bits(dct16(jsBuffer))).toEqual(dct);

    const stages = wasmCore()!.fromPixels(pixels, validatePixels(pixels), true, true);
    if (stages === null || stages === 'too-large') throw new Error(`no stages: ${String(stages)}`);
    expect(bits(stages.buffer64)).toEqual(buffer64);
    expect(bits(stages.dct)).toEqual(dct);
  });
});
