import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { createHashCommand } from '../src/commands/hash.command.js';
import type { FileHasher, FileHashResult } from '../src/hash/file-hasher.js';
import { captureContext } from './test-streams.js';

/** A fake hasher: the file's text decides the outcome ("q=NN" sets the quality, "fail:CODE" rejects). */
function fakeHasherFactory(log: { threads?: number; closed?: boolean } = {}) {
  return async ({ threads }: { threads: number }): Promise<FileHasher> => {
    log.threads = threads;
    const { readFile } = await import('node:fs/promises');
    return {
      async hashFile(path, options): Promise<FileHashResult> {
        const text = await readFile(path, 'utf8');
        // finish out of order so in-order output is really exercised
        await new Promise((resolve) => setTimeout(resolve, text.length % 7));
        const failure = /^fail:(\w+)/.exec(text);
        if (failure) throw Object.assign(new Error(`cannot decode (${failure[1]})`), { code: failure[1] });
        const quality = Number(/q=(\d+)/.exec(text)?.[1] ?? 100);
        const pdq = Buffer.from(text.padEnd(32, '.').slice(0, 32)).toString('hex');
        return {
          pdq,
          quality,
          width: 10,
          height: 20,
          ...(options.crypto ? { md5: 'a'.repeat(32), sha1: 'b'.repeat(40), sha256: 'c'.repeat(64) } : {}),
        };
      },
      async close() {
        log.closed = true;
      },
    };
  };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hashline-cmd-'));
  mkdirSync(join(dir, 'imgs'));
  writeFileSync(join(dir, 'imgs', 'a.jpg'), 'alpha image');
  writeFileSync(join(dir, 'imgs', 'b.png'), 'bravo q=30');
  writeFileSync(join(dir, 'imgs', 'c.jpg'), 'fail:MEDIA_CORRUPT');
  writeFileSync(join(dir, 'imgs', 'd.webp'), 'delta image, longer text');
  writeFileSync(join(dir, 'imgs', 'readme.txt'), 'not an image');
  writeFileSync(join(dir, 'bad.jpg'), 'fail:MEDIA_UNSUPPORTED_FORMAT');
  mkdirSync(join(dir, 'many'));
  for (let i = 0; i < 30; i++)
    writeFileSync(join(dir, 'many', `${String(i).padStart(2, '0')}.jpg`), `many ${'x'.repeat(i)}`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[], options: { stdin?: string; stderrTTY?: boolean } = {}, log = {}) {
  const io = captureContext({ cwd: dir, ...options });
  const code = await runCli(args, io.context, [createHashCommand({ createHasher: fakeHasherFactory(log) })]);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('hashline hash (in-process, fake hasher)', () => {
  it('prints hash,quality,path in input order and exits 1 with a skip summary when a file fails', async () => {
    const log: { threads?: number; closed?: boolean } = {};
    const { code, stdout, stderr } = await run(['hash', '-j', '3', 'imgs'], {}, log);
    expect(code).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.split(',').slice(1).join(','))).toEqual([
      '100,imgs/a.jpg',
      '30,imgs/b.png',
      '100,imgs/d.webp',
    ]);
    expect(stderr).toContain('skipped 1 of 4 files');
    expect(stderr).toContain('imgs/c.jpg: MEDIA_CORRUPT: cannot decode (MEDIA_CORRUPT)');
    expect(stderr).toMatch(/warning: 1 hash with quality below 50[^\n]*\n {2}imgs\/b\.png: quality 30/);
    expect(log).toEqual({ threads: 3, closed: true });
  });

  it('exits 0 and writes nothing to stderr when every file hashes', async () => {
    const { code, stdout, stderr } = await run(['hash', 'imgs/a.jpg', 'imgs/d.webp']);
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(stderr).toBe('');
  });

  it('exits 2 when nothing could be hashed', async () => {
    const { code, stdout, stderr } = await run(['hash', 'bad.jpg', 'missing.jpg']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('bad.jpg: MEDIA_UNSUPPORTED_FORMAT');
    expect(stderr).toContain('missing.jpg: ENOENT');
  });

  it('exits 2 for a folder without images, and json output stays valid', async () => {
    mkdirSync(join(dir, 'empty'), { recursive: true });
    const { code, stdout, stderr } = await run(['hash', '-f', 'json', 'empty']);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toEqual([]);
    expect(stderr).toContain('no image files found');
  });

  it('reads paths from stdin with --files-from -', async () => {
    const { code, stdout } = await run(['hash', '--files-from', '-', '-f', 'ndjson', '--crypto'], {
      stdin: 'imgs/d.webp\r\n\nimgs/a.jpg\n',
    });
    expect(code).toBe(0);
    const rows = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((row) => row.path)).toEqual(['imgs/d.webp', 'imgs/a.jpg']);
    expect(rows[0]).toMatchObject({ width: 10, height: 20, md5: 'a'.repeat(32), sha256: 'c'.repeat(64) });
  });

  it('draws a progress bar on a TTY stderr for long runs, never on stdout', async () => {
    const { code, stdout, stderr } = await run(['hash', '-j', '1', 'many'], { stderrTTY: true });
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toHaveLength(30);
    // Terminal escapes are the point of this test, hence the control characters in the patterns.
    // eslint-disable-next-line no-control-regex
    expect(stdout).not.toMatch(/\r|\x1b/);
    // eslint-disable-next-line no-control-regex
    expect(stderr).toMatch(/\r\x1b\[2K\[[#.]+\] \d+\/30 /);
    expect(stderr).toContain('hashed 30 of 30 files');
  });

  it('draws no progress bar with --no-progress or when stderr is not a TTY', async () => {
    expect((await run(['hash', '--no-progress', 'many'], { stderrTTY: true })).stderr).not.toContain('\r');
    expect((await run(['hash', 'many'])).stderr).toBe('');
  });
});

describe('hashline argument handling', () => {
  it.each([
    [['hash', '--bogus', 'x.jpg'], 'unknown option --bogus'],
    [['hash', '-f', 'xml', 'x.jpg'], 'unknown format "xml"'],
    [['hash', '--format'], 'option -f, --format <value> needs a value'],
    [['hash', '--threads', '0', 'x.jpg'], '--threads must be a whole number'],
    [['hash', '--dihedral=yes', 'x.jpg'], 'does not take a value'],
    [['hash'], 'give at least one file or folder'],
  ])('%j is a usage error (exit 2, message and usage on stderr)', async (args, message) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage: hashline hash [options] <file|folder>...');
  });

  it('rejects unknown commands and top-level flags with the top-level usage', async () => {
    for (const args of [['frobnicate'], ['--bogus']]) {
      const { code, stderr } = await run(args);
      expect(code).toBe(2);
      expect(stderr).toContain('Usage: hashline <command> [options]');
    }
  });

  it('prints help to stdout with exit 0', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Commands:\n {2}hash {2}compute PDQ/);
    const sub = await run(['hash', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('Exit codes:');
    expect((await run(['help', 'hash'])).stdout).toBe(sub.stdout);
  });

  it('prints the version', async () => {
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^hashline \d+\.\d+\.\d+\n$/);
  });
});
