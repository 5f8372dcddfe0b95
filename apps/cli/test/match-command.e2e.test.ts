// End-to-end: `hashline match` as a child process against a local data folder seeded from images
// generated here (benign landscapes from @hashline/media-node, and a rotated copy made with sharp).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderDemoImages } from '@hashline/media-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, hashline } from './cli-process.js';

let dir: string;
let bankLines: string[];
/** The entry id of bank.csv's landscape-1 hash: an import numbers a batch's entries in hash order. */
let landscapeId: number;

const local = (args: string[], input?: string) =>
  hashline([...args, '--data-dir', 'data'], { cwd: dir, ...(input !== undefined ? { input } : {}) });

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hashline-match-e2e-'));
  mkdirSync(join(dir, 'img'));
  mkdirSync(join(dir, 'bank'));
  mkdirSync(join(dir, 'extra'));
  for (const image of await renderDemoImages()) {
    writeFileSync(join(dir, image.role === 'bank' ? 'bank' : 'img', image.name), image.bytes);
    if (image.name === 'landscape-1.jpg') {
      writeFileSync(
        join(dir, 'img', 'landscape-1-rotated.png'),
        await sharp(image.bytes).rotate(90).png().toBuffer(),
      );
      // Letterboxed for a story format: black bars above and below, then JPEG.
      writeFileSync(
        join(dir, 'extra', 'landscape-1-letterboxed.jpg'),
        await sharp(image.bytes)
          .extend({ top: 200, bottom: 200, background: '#000000' })
          .jpeg({ quality: 85 })
          .toBuffer(),
      );
    }
  }
  // The bank: `hashline hash` output (hash,quality,path) is an importable CSV.
  const hashed = await hashline(['hash', 'bank'], { cwd: dir });
  expect(hashed.code).toBe(0);
  bankLines = hashed.stdout.trimEnd().split('\n');
  writeFileSync(join(dir, 'bank.csv'), hashed.stdout);
  const imported = await local(['bank', 'import', 'demo', 'bank.csv', '--create-kind', 'test']);
  expect(imported.stderr).toContain('2 added');
  expect(imported.code).toBe(0);
  const hashes = bankLines.map((line) => line.split(',')[0]!);
  const landscape = bankLines.find((line) => line.includes('landscape-1'))!.split(',')[0]!;
  landscapeId = 1 + [...hashes].sort().indexOf(landscape);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hashline match (built CLI, local data folder)', () => {
  it('matches a folder: blurred, resized and (by default) rotated copies hit, the unrelated image does not', async () => {
    const { code, stdout, stderr } = await local(['match', 'img']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[2]).toMatch(
      new RegExp(
        `^match\\s+demo\\s+pdq/rot(90|270)\\s+\\d+\\s+${landscapeId}\\s+img/landscape-1-rotated\\.png$`,
      ),
    );
    expect(lines[4]).toMatch(/^no match\s+-\s+-\s+-\s+-\s+img\/unrelated\.jpg$/);
    expect(stderr).toContain('3 of 4 inputs matched in the data folder (bank demo)');
  });

  it('--no-dihedral --no-robust: only the blurred and resized copies hit', async () => {
    const { code, stdout, stderr } = await local(['match', '--no-dihedral', '--no-robust', 'img']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RESULT\s+BANK\s+SIGNAL\s+DISTANCE\s+ENTRY\s+INPUT$/);
    expect(lines).toHaveLength(5); // header + 4 images, in path order
    const hit = (name: string) =>
      new RegExp(`^match\\s+demo\\s+pdq\\s+\\d+\\s+${landscapeId}\\s+img/${name.replace('.', '\\.')}$`);
    expect(lines[1]).toMatch(hit('landscape-1-blurred.jpg'));
    expect(lines[2]).toMatch(/^no match\s+-\s+-\s+-\s+-\s+img\/landscape-1-rotated\.png$/);
    expect(lines[3]).toMatch(hit('landscape-1-small.jpg'));
    expect(lines[4]).toMatch(/^no match\s+-\s+-\s+-\s+-\s+img\/unrelated\.jpg$/);
    expect(stderr).toContain('2 of 4 inputs matched in the data folder (bank demo)');
  });

  it('matches a letterboxed copy through a robust variant by default, not with --no-robust', async () => {
    const robust = await local(['match', 'extra/landscape-1-letterboxed.jpg', '-f', 'json']);
    expect(robust.code).toBe(0);
    const [hit] = JSON.parse(robust.stdout) as { matched: boolean; matches: { variant?: string }[] }[];
    expect(hit!.matched).toBe(true);
    // The picture inside the bars: `trim`, or `frame` when its edges sit nearer the picture's.
    expect(['trim', 'frame']).toContain(hit!.matches[0]!.variant);
    const plain = await local(['match', '--no-robust', 'extra/landscape-1-letterboxed.jpg', '-f', 'json']);
    expect((JSON.parse(plain.stdout) as { matched: boolean }[])[0]!.matched).toBe(false);
  });

  it('matches the rotated copy with --dihedral, naming the variant', async () => {
    const { code, stdout } = await local([
      'match',
      '--dihedral',
      'img/landscape-1-rotated.png',
      '-f',
      'json',
    ]);
    expect(code).toBe(0);
    const [result] = JSON.parse(stdout) as {
      matched: boolean;
      matches: { variant?: string; distance: number }[];
    }[];
    expect(result!.matched).toBe(true);
    expect(result!.matches[0]!.variant).toMatch(/^(rot90|rot270)$/);
  });

  it('exits 3 with --fail-on-match when something matched, 0 when nothing did', async () => {
    expect((await local(['match', '--fail-on-match', 'img/landscape-1-small.jpg'])).code).toBe(3);
    expect((await local(['match', '--fail-on-match', 'img/unrelated.jpg'])).code).toBe(0);
  });

  it('matches hashes given as arguments; a bad hash is skipped (exit 1), only bad ones exit 2', async () => {
    const [pdq, quality] = bankLines[0]!.split(',');
    expect(quality).toBe('100');
    const md5 = '0123456789abcdef0123456789abcdef';
    const mixed = await local(['match', pdq!, `md5:${md5}`, 'pdq:abc', '-f', 'csv']);
    expect(mixed.code).toBe(1);
    expect(mixed.stdout.split('\n')).toEqual([
      'input,matched,bank,signal_type,variant,distance,entry_id,actions',
      `${pdq},true,demo,pdq,,0,${
        1 +
        bankLines
          .map((l) => l.split(',')[0]!)
          .sort()
          .indexOf(pdq!)
      },`,
      `md5:${md5},false,,,,,,`,
      '',
    ]);
    expect(mixed.stderr).toMatch(/pdq:abc: INVALID_HASH: A pdq hash must be exactly 64 hex digits/);
    const onlyBad = await local(['match', `pdq:${'0'.repeat(64)}`]);
    expect(onlyBad.code).toBe(2);
    expect(onlyBad.stderr).toContain('DEGENERATE_HASH');
  });

  it('reads `hashline hash` output from stdin with --hashes-from -, labelling rows with the paths', async () => {
    const hashed = await hashline(['hash', 'img'], { cwd: dir });
    const { code, stdout } = await local(['match', '--hashes-from', '-', '-f', 'ndjson'], hashed.stdout);
    expect(code).toBe(0);
    const results = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { input: string; type: string; matched: boolean });
    expect(results.map((r) => [r.input, r.type, r.matched])).toEqual([
      ['img/landscape-1-blurred.jpg', 'hash', true],
      ['img/landscape-1-rotated.png', 'hash', false],
      ['img/landscape-1-small.jpg', 'hash', true],
      ['img/unrelated.jpg', 'hash', false],
    ]);
  });

  it('reports missing files and unknown banks readably', async () => {
    const missing = await local(['match', 'img/unrelated.jpg', 'img/nope.jpg']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('img/nope.jpg: ENOENT');
    const bank = await local(['match', '--banks', 'nope', 'img/unrelated.jpg']);
    expect(bank.code).toBe(2);
    expect(bank.stderr).toContain('BANK_NOT_FOUND');
    expect(bank.stderr).not.toContain('    at ');
    const usage = await local(['match']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('give files, folders or hashes');
  });
});
