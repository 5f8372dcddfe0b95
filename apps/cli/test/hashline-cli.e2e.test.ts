// End-to-end: runs the built `hashline` executable (bin/hashline.js → dist/main.js) as a child
// process against the real decoder and worker pool. `npm test` builds every workspace first.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDQ_FIXTURES, REPO_ROOT } from '../../../tools/test-fixtures.js';

const BIN = resolve(REPO_ROOT, 'apps/cli/bin/hashline.js');
const PIXELS = join(PDQ_FIXTURES, 'pixels512');
const DIHEDRAL = ['orig', 'rot90', 'rot180', 'rot270', 'flipx', 'flipy', 'flipp', 'flipm'];

interface Vector {
  path: string;
  hash: string;
  quality: number;
  width: number;
  height: number;
  dihedral: string[];
}

/** vectors.tsv rows keyed by their pixels512 file name (`a/b.jpg` → `a_b.jpg.png`). */
function loadVectors(): Map<string, Vector> {
  const [header, ...rows] = readFileSync(join(PDQ_FIXTURES, 'vectors.tsv'), 'utf8').trimEnd().split('\n');
  const columns = header!.split('\t');
  const vectors = new Map<string, Vector>();
  for (const row of rows) {
    const cells = row.split('\t');
    const cell = (name: string) => cells[columns.indexOf(name)]!;
    vectors.set(`${cell('path').replaceAll('/', '_')}.png`, {
      path: cell('path'),
      hash: cell('hash'),
      quality: Number(cell('quality')),
      width: Number(cell('width')),
      height: Number(cell('height')),
      dihedral: DIHEDRAL.map((name) => cell(`dih_${name}`)),
    });
  }
  return vectors;
}

function hashline(args: string[], cwd = REPO_ROOT) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const vectors = loadVectors();
let temp: string;

beforeAll(() => {
  for (const workspace of ['packages/pdq', 'packages/media-node', 'apps/cli']) {
    if (!existsSync(resolve(REPO_ROOT, workspace, 'dist/index.js'))) {
      throw new Error(
        `${workspace}/dist is missing: run \`npm run build\` in the repository root before these tests`,
      );
    }
  }
  temp = mkdtempSync(join(tmpdir(), 'hashline-e2e-'));
});
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('hashline hash (built CLI)', () => {
  it('gives the reference hash and quality for all 49 exact-pixel images, in sorted order', () => {
    const { code, stdout, stderr } = hashline(['hash', PIXELS]);
    expect(code, stderr).toBe(0);
    expect(stderr).not.toContain('skipped');
    // the three low-quality reference images are still printed, with a warning
    expect(stderr).toContain('warning: 3 hashes with quality below 50');
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(vectors.size);
    const names = lines.map((line) =>
      line
        .split(',')
        .slice(2)
        .join(',')
        .slice(PIXELS.length + 1),
    );
    expect(names).toEqual([...names].sort());
    const mismatches = lines.filter((line) => {
      const [hash, quality, ...path] = line.split(',');
      const vector = vectors.get(path.join(',').slice(PIXELS.length + 1));
      return !vector || vector.hash !== hash || vector.quality !== Number(quality);
    });
    expect(mismatches).toEqual([]);
  });

  it('--dihedral prints the 8 reference dihedral hashes, quality and path (pdqdih-across layout)', () => {
    const names = [
      'bridge-mods_aaa-orig.jpg.png',
      'misc-images_modes_1.png.png',
      'reg-test-input_dih_bridge-2-rotate-90.jpg.png',
    ];
    const { code, stdout, stderr } = hashline([
      'hash',
      '--dihedral',
      ...names.map((name) => join(PIXELS, name)),
    ]);
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((line, i) => {
      const vector = vectors.get(names[i]!)!;
      expect(line).toBe([...vector.dihedral, vector.quality, join(PIXELS, names[i]!)].join(','));
    });
  });

  it('--robust adds the crop variants, and trim when the image has borders; pdq is unchanged', () => {
    const file = join(PIXELS, 'bridge-mods_aaa-orig.jpg.png');
    const [row] = JSON.parse(hashline(['hash', '-f', 'json', '--robust', file]).stdout) as {
      pdq: string;
      variants: { name: string; pdq: string; quality: number }[];
    }[];
    expect(row!.pdq).toBe(vectors.get('bridge-mods_aaa-orig.jpg.png')!.hash);
    const names = row!.variants.map((v) => v.name);
    expect(names).toContain('crop-c8');
    expect(names).toContain('crop-t5');
    for (const v of row!.variants) expect(v.pdq).toMatch(/^[0-9a-f]{64}$/);
    const plain = hashline(['hash', '--robust', file]).stdout.trimEnd().split(',');
    expect(plain[0]).toBe(row!.pdq);
    expect(plain[2]).toBe(row!.variants.map((v) => `${v.name}:${v.pdq}`).join(';'));
  });

  it('every format parses and agrees with the plain output', () => {
    const files = ['bridge-mods_aaa-orig.jpg.png', 'misc-images_c.png.png'].map((name) => join(PIXELS, name));
    const expected = files.map((file) => vectors.get(file.slice(PIXELS.length + 1))!);
    const json = JSON.parse(hashline(['hash', '-f', 'json', '--dihedral', ...files]).stdout) as Record<
      string,
      unknown
    >[];
    expect(json.map((row) => [row.path, row.pdq, row.quality])).toEqual(
      files.map((file, i) => [file, expected[i]!.hash, expected[i]!.quality]),
    );
    expect(Object.values(json[0]!.dihedral as object)).toEqual(expected[0]!.dihedral);

    const ndjson = hashline(['hash', '-f', 'ndjson', ...files])
      .stdout.trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(ndjson).toEqual(json.map(({ dihedral: _dihedral, ...rest }) => rest));

    for (const [format, separator] of [
      ['csv', ','],
      ['tsv', '\t'],
    ] as const) {
      const run = hashline(['hash', '-f', format, ...files]);
      // A file the CLI could not hash is reported on stderr with a non-zero exit: say which.
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      const [header, ...rows] = run.stdout.trimEnd().split('\n');
      expect(header!.split(separator)).toEqual(['path', 'pdq', 'quality', 'width', 'height']);
      expect(rows.map((row) => row.split(separator))).toEqual(
        json.map((row) => [row.path, row.pdq, String(row.quality), String(row.width), String(row.height)]),
      );
    }
  });

  it('--crypto adds the md5, sha1 and sha256 of the file bytes', () => {
    const file = join(PDQ_FIXTURES, 'data/bridge-mods/aaa-orig.jpg');
    const bytes = readFileSync(file);
    const digest = (algorithm: string) => createHash(algorithm).update(bytes).digest('hex');
    const [row] = JSON.parse(hashline(['hash', '--crypto', '-f', 'json', file]).stdout) as Record<
      string,
      unknown
    >[];
    expect(row).toMatchObject({
      md5: digest('md5'),
      sha1: digest('sha1'),
      sha256: digest('sha256'),
      width: 1600,
      height: 1004,
    });
    const plain = hashline(['hash', '-c', file]).stdout.trimEnd().split(',');
    expect(plain.slice(1)).toEqual([
      String(row!.quality),
      digest('md5'),
      digest('sha1'),
      digest('sha256'),
      file,
    ]);
  });

  it('skips a corrupt image and a text file named .jpg: exit 1, the good file hashed, a summary on stderr', () => {
    const folder = join(temp, 'mixed');
    mkdirSync(join(folder, 'nested'), { recursive: true });
    copyFileSync(join(PIXELS, 'bridge-mods_aaa-orig.jpg.png'), join(folder, 'good.png'));
    const jpeg = readFileSync(join(PDQ_FIXTURES, 'data/bridge-mods/aaa-orig.jpg'));
    writeFileSync(join(folder, 'nested', 'broken.jpg'), jpeg.subarray(0, 600)); // header only, data cut off
    writeFileSync(join(folder, 'notes.jpg'), 'this is a text file, not a JPEG\n');
    writeFileSync(join(folder, 'readme.txt'), 'ignored: not an image extension\n');

    const { code, stdout, stderr } = hashline(['hash', 'mixed'], temp);
    expect(code, stderr).toBe(1);
    expect(stdout).toBe(`${vectors.get('bridge-mods_aaa-orig.jpg.png')!.hash},100,mixed/good.png\n`);
    expect(stderr).toContain('skipped 2 of 3 files');
    expect(stderr).toMatch(/ {2}mixed\/nested\/broken\.jpg: MEDIA_[A-Z_]+: \S/);
    expect(stderr).toMatch(/ {2}mixed\/notes\.jpg: MEDIA_[A-Z_]+: \S/);
    expect(stderr).not.toContain('readme.txt');
  });

  it('warns about low-quality hashes but still prints them', () => {
    const file = join(PIXELS, 'misc-images_small.jpg.png');
    const { code, stdout, stderr } = hashline(['hash', file]);
    expect(code, stderr).toBe(0);
    expect(stdout).toBe(`${vectors.get('misc-images_small.jpg.png')!.hash},0,${file}\n`);
    expect(stderr).toContain(`${file}: quality 0`);
  });

  it('a nonexistent path alone exits 2 with the reason', () => {
    const { code, stdout, stderr } = hashline(['hash', join(temp, 'does-not-exist.jpg')]);
    expect(code, stderr).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('does-not-exist.jpg: ENOENT');
  });

  it('a bad flag exits 2 with a readable message and the usage', () => {
    const { code, stdout, stderr } = hashline(['hash', '--colour', PIXELS]);
    expect(code, stderr).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^hashline: unknown option --colour\nUsage: hashline hash/);
  });

  it('--help documents formats, exit codes and examples', () => {
    const { code, stdout } = hashline(['hash', '--help']);
    expect(code).toBe(0);
    for (const text of [
      '--format',
      '--dihedral',
      '--crypto',
      'Exit codes:',
      'Examples:',
      'hash,quality,path',
    ]) {
      expect(stdout).toContain(text);
    }
    expect(hashline(['--version']).stdout).toMatch(/^hashline \d+\.\d+\.\d+\n$/);
  });
});
