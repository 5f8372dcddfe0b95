import { mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PdqIndex, packPdqHash } from '@hashline/matcher';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  SnapshotFileError,
  readSnapshotFile,
  splitSegments,
  writeSnapshotFile,
} from '../src/index-snapshot/snapshot-file-codec.js';
import { randomPdq } from './support/test-app.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hl-snapshot-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sharedUint32(values: number[]): Uint32Array {
  const array = new Uint32Array(new SharedArrayBuffer(values.length * 4));
  array.set(values);
  return array;
}

/** A value shaped like a serialized PdqIndex, with more kinds of typed arrays around it. */
function sample(): Record<string, unknown> {
  return {
    format: 'hashline.pdq-index',
    version: 1,
    ids: sharedUint32([5, 1, 9]),
    hashes: new Uint32Array([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
    ]),
    layout: { widths: [16, 16], starts: [0, 16] },
    nothing: null,
    flags: [true, false],
    tableOffsets: [new Uint32Array([0, 1, 3]), sharedUint32([0, 2, 3])],
    nested: {
      bytes: new Uint8Array([1, 2, 3]), // odd length: the next segment must still be aligned
      shorts: new Int16Array([-1, 2, -3]),
      signed: new Int32Array([-5, 7]),
      floats: new Float64Array([0.5, -1e300]),
      big: new BigUint64Array([2n ** 63n]),
      view: new Uint32Array([9, 8, 7, 6]).subarray(1, 3), // a view with an offset
      empty: new Float32Array(0),
      text: 'héllo',
    },
  };
}

describe('snapshot file codec', () => {
  test('round-trips plain values and typed arrays of every kind, shared where they were', async () => {
    const path = join(dir, 'a.snapshot');
    const value = sample();
    await writeSnapshotFile(path, value);
    const back = (await readSnapshotFile(path)) as Record<string, unknown>;
    expect(back).toEqual(value);
    const ids = back.ids as Uint32Array;
    expect(ids.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect((back.hashes as Uint32Array).buffer).toBeInstanceOf(ArrayBuffer);
    expect((back.tableOffsets as Uint32Array[])[1]!.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect((back.nested as { view: Uint32Array }).view).toEqual(new Uint32Array([8, 7]));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  test('a real PdqIndex comes back answering the same queries, without a rebuild', async () => {
    const n = 3_000;
    const values = Array.from({ length: n }, () => randomPdq());
    const ids = new Uint32Array(new SharedArrayBuffer(n * 4));
    const hashes = new Uint32Array(new SharedArrayBuffer(n * 32));
    values.forEach((v, i) => {
      ids[i] = i + 1;
      packPdqHash(v, hashes, i * 8);
    });
    const index = PdqIndex.build(ids, hashes, { shared: true, strategy: 'mih' });
    const path = join(dir, 'index.snapshot');
    await writeSnapshotFile(path, { index: index.serialize() });
    const back = (await readSnapshotFile(path)) as { index: ReturnType<PdqIndex['serialize']> };
    const loaded = PdqIndex.fromSerialized(back.index);
    expect(loaded.size).toBe(n);
    for (const i of [0, 1_234, n - 1])
      expect(loaded.query(values[i]!, 10)).toEqual(index.query(values[i]!, 10));
  });

  test('refuses values it could not give back as they were', () => {
    expect(() => splitSegments({ at: new Date() })).toThrow(/plain objects/);
    expect(() => splitSegments({ n: Number.NaN })).toThrow(/non-finite/);
    expect(() => splitSegments({ $segment: 1 })).toThrow(/reserved/);
    expect(() => splitSegments(new DataView(new ArrayBuffer(4)))).toThrow(/cannot be stored/);
  });

  test('a missing, truncated, corrupted or foreign file is an error naming the problem', async () => {
    const path = join(dir, 'b.snapshot');
    await expect(readSnapshotFile(path)).rejects.toMatchObject({ problem: 'missing' });
    await writeSnapshotFile(path, sample());
    const whole = await readFile(path);

    await truncate(path, whole.length - 100);
    await expect(readSnapshotFile(path)).rejects.toMatchObject({ problem: 'truncated' });
    await truncate(path, 10);
    await expect(readSnapshotFile(path)).rejects.toMatchObject({ problem: 'truncated' });

    for (const at of [whole.length - 20, whole.length - 8, 40]) {
      const flipped = Buffer.from(whole);
      flipped[at] = flipped[at]! ^ 0x01;
      await writeFile(path, flipped);
      const error = await readSnapshotFile(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SnapshotFileError);
      expect(['checksum', 'format', 'truncated']).toContain((error as SnapshotFileError).problem);
    }
    const flippedSegment = Buffer.from(whole);
    flippedSegment[whole.length - 20] = flippedSegment[whole.length - 20]! ^ 0x01;
    await writeFile(path, flippedSegment);
    await expect(readSnapshotFile(path)).rejects.toMatchObject({ problem: 'checksum' });

    await writeFile(path, Buffer.concat([Buffer.from('NOTASNAP'), whole.subarray(8)]));
    await expect(readSnapshotFile(path)).rejects.toMatchObject({ problem: 'format' });
  });

  test('a write replaces the file atomically and leaves no temporary file', async () => {
    const path = join(dir, 'c.snapshot');
    await writeSnapshotFile(path, { generation: 1, data: new Uint32Array([1]) });
    await writeSnapshotFile(path, { generation: 2, data: new Uint32Array([2, 2]) });
    expect(await readSnapshotFile(path)).toEqual({ generation: 2, data: new Uint32Array([2, 2]) });
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dir)).toEqual(['c.snapshot']);
  });
});
