import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectInputs, DEFAULT_IMAGE_EXTENSIONS } from '../src/hash/input-walker.js';

let root: string;
const extensions = new Set(DEFAULT_IMAGE_EXTENSIONS);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'hashline-walk-'));
  const tree = join(root, 'tree');
  mkdirSync(join(tree, 'sub', 'deeper'), { recursive: true });
  mkdirSync(join(tree, 'a'), { recursive: true });
  for (const file of [
    'b.jpg',
    'a.PNG',
    'a-b.jpg',
    'notes.txt',
    'a/z.webp',
    'sub/c.gif',
    'sub/deeper/d.tiff',
    'sub/e.HEIC',
  ]) {
    writeFileSync(join(tree, file), 'x');
  }
  symlinkSync('..', join(tree, 'sub', 'loop')); // sub/loop -> tree: a cycle
  symlinkSync('missing.jpg', join(tree, 'dangling.jpg'));
  symlinkSync('missing.txt', join(tree, 'dangling.txt'));
  symlinkSync(join(tree, 'b.jpg'), join(tree, 'sub', 'link-to-b.jpg'));
  execFileSync('mkfifo', [join(tree, 'pipe.jpg')]);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('collectInputs', () => {
  it('walks folders recursively in sorted path order, following links without looping', async () => {
    const entries = await collectInputs(['tree'], { extensions, cwd: root });
    expect(entries.map((entry) => `${entry.kind}:${entry.path}`)).toEqual([
      'file:tree/a-b.jpg',
      'file:tree/a.PNG',
      'file:tree/a/z.webp',
      'file:tree/b.jpg',
      'skip:tree/dangling.jpg',
      'file:tree/sub/c.gif',
      'file:tree/sub/deeper/d.tiff',
      'file:tree/sub/e.HEIC',
      'file:tree/sub/link-to-b.jpg',
    ]);
    const dangling = entries.find((entry) => entry.path === 'tree/dangling.jpg');
    expect(dangling).toMatchObject({ kind: 'skip', code: 'ENOENT' });
  });

  it('keeps inputs in the order given and tries explicitly named files whatever their extension', async () => {
    const entries = await collectInputs(['tree/notes.txt', 'tree/sub/deeper', 'tree/b.jpg'], {
      extensions,
      cwd: root,
    });
    expect(entries.map((entry) => entry.path)).toEqual([
      'tree/notes.txt',
      'tree/sub/deeper/d.tiff',
      'tree/b.jpg',
    ]);
    expect(entries[0]).toMatchObject({ kind: 'file', absolutePath: join(root, 'tree/notes.txt') });
  });

  it('reports missing inputs and special files as skips instead of throwing', async () => {
    const entries = await collectInputs(['nope.jpg', 'tree/pipe.jpg'], { extensions, cwd: root });
    expect(entries).toEqual([
      { kind: 'skip', path: 'nope.jpg', code: 'ENOENT', message: expect.stringContaining('no such file') },
      { kind: 'skip', path: 'tree/pipe.jpg', code: 'NOT_A_FILE', message: expect.any(String) },
    ]);
  });

  it('takes only the requested extensions from folders', async () => {
    const entries = await collectInputs(['tree'], { extensions: new Set(['txt']), cwd: root });
    // a dangling link with a wanted extension is reported, so the user sees the file was not hashed
    expect(entries.map((entry) => `${entry.kind}:${entry.path}`)).toEqual([
      'skip:tree/dangling.txt',
      'file:tree/notes.txt',
    ]);
  });
});
