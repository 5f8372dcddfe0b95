import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDQ_FIXTURES } from '../../../../tools/test-fixtures.js';

/** Benign original test images of Meta's pdq/data. */
export const PDQ_DATA = join(PDQ_FIXTURES, 'data');

/** One row of vectors.tsv: the reference CLI's output for one original file. */
export interface VectorRow {
  readonly path: string;
  readonly hash: string;
  readonly quality: number;
  readonly width: number;
  readonly height: number;
  readonly dihedral: Readonly<Record<string, string>>;
}

/** The 49 reference vectors. */
export function readVectors(): VectorRow[] {
  const [header, ...lines] = readFileSync(join(PDQ_FIXTURES, 'vectors.tsv'), 'utf8').trim().split('\n');
  const columns = header!.split('\t');
  return lines.map((line) => {
    const cells = line.split('\t');
    const get = (name: string): string => cells[columns.indexOf(name)]!;
    const dihedral = Object.fromEntries(
      columns.filter((c) => c.startsWith('dih_')).map((c) => [c.slice(4), get(c)]),
    );
    return {
      path: get('path'),
      hash: get('hash'),
      quality: Number(get('quality')),
      width: Number(get('width')),
      height: Number(get('height')),
      dihedral,
    };
  });
}
