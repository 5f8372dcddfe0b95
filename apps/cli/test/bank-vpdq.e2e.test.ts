// End-to-end: `hashline bank import|export --format vpdq` (videos) as child processes on a
// temporary data folder: every sample file of the reference imports, and both export shapes
// (a directory of reference files, ThreatExchange/HMA lines) import back to the same videos.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVpdqReferenceLines, vpdqSignalKey } from '@hashline/domain';
import { openStore } from '@hashline/storage';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import { randomBytes } from 'node:crypto';
import { assertBuilt, cleanEnv, hashline, startServe } from './cli-process.js';

const SAMPLES = join(PDQ_FIXTURES, 'vpdq-sample-hashes');
const sampleFiles = readdirSync(SAMPLES)
  .filter((name) => name.endsWith('.txt'))
  .sort();
const sampleKeys = sampleFiles.map((name) =>
  vpdqSignalKey(parseVpdqReferenceLines(readFileSync(join(SAMPLES, name), 'utf8'))),
);

let dir: string;
let data: string;
const run = (args: string[]) => hashline([...args, '--data-dir', data], { cwd: dir });

/** The keys of a bank's videos, read from the data folder's database. */
async function videoKeys(bank: string): Promise<string[]> {
  const store = await openStore(`sqlite:${join(data, 'hashline.db')}`);
  try {
    const found = await store.getBankByName(bank);
    const entries = await store.listEntries(found!.id, { limit: 1000, signalType: 'vpdq' });
    return entries.map((e) => e.value).sort();
  } finally {
    await store.close();
  }
}

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hashline-vpdq-e2e-'));
  data = join(dir, 'data');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hashline bank: videos (vpdq)', () => {
  it('imports every sample file of the reference, one by one and as a directory', async () => {
    const first = await run([
      'bank',
      'import',
      'one',
      join(SAMPLES, sampleFiles[0]!),
      '-f',
      'vpdq',
      '--create-kind',
      'test',
    ]);
    expect(first.stderr).toContain('1 videos added');
    expect(first.code).toBe(0);
    const all = await run(['bank', 'import', 'samples', SAMPLES, '-f', 'vpdq', '--create-kind', 'test']);
    expect(all.code).toBe(0);
    expect(all.stderr).toContain(`${new Set(sampleKeys).size} videos added`);
    expect(all.stderr).toContain('0 refused');
    expect(await videoKeys('samples')).toEqual([...new Set(sampleKeys)].sort());
    // Again: nothing new.
    const again = await run(['bank', 'import', 'samples', SAMPLES, '-f', 'vpdq']);
    expect(again.stderr).toContain('0 videos added');
    expect(again.code).toBe(0);
  });

  it('exports a directory of reference files and ThreatExchange lines that import back to the same videos', async () => {
    const out = join(dir, 'exported');
    const exported = await run(['bank', 'export', 'samples', '-f', 'vpdq', '-o', out]);
    expect(exported.code).toBe(0);
    const files = readdirSync(out);
    expect(files).toHaveLength(new Set(sampleKeys).size);
    // Each file is the reference format, byte for byte what the sample held.
    const texts = new Set(sampleFiles.map((name) => readFileSync(join(SAMPLES, name), 'utf8')));
    for (const name of files) expect(texts.has(readFileSync(join(out, name), 'utf8'))).toBe(true);
    const back = await run(['bank', 'import', 'round-trip', out, '-f', 'vpdq', '--create-kind', 'test']);
    expect(back.code).toBe(0);
    expect(await videoKeys('round-trip')).toEqual(await videoKeys('samples'));

    const te = await run([
      'bank',
      'export',
      'samples',
      '-f',
      'threatexchange',
      '-o',
      join(dir, 'samples.te.txt'),
    ]);
    expect(te.code).toBe(0);
    const lines = readFileSync(join(dir, 'samples.te.txt'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(new Set(sampleKeys).size);
    expect(lines.every((line) => line.startsWith('vpdq ["'))).toBe(true);
    // HMA's name for the signal type, with a line of another type, imports too.
    writeFileSync(
      join(dir, 'hma.txt'),
      [
        'signal_type,signal',
        ...lines.map((l) => l.replace(/^vpdq,/, 'video_vpdq,')),
        `pdq,${'ab'.repeat(32)}`,
      ].join('\n'),
    );
    const hma = await run([
      'bank',
      'import',
      'from-hma',
      join(dir, 'hma.txt'),
      '-f',
      'vpdq',
      '--create-kind',
      'test',
    ]);
    expect(hma.code).toBe(0);
    expect(hma.stderr).toContain('1 lines of other signal types skipped');
    expect(await videoKeys('from-hma')).toEqual(await videoKeys('samples'));

    // CSV leaves videos out (a row cannot carry frames).
    const csv = await run(['bank', 'export', 'samples', '-f', 'csv']);
    expect(csv.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('reports a bad video file with its name and still imports the others', async () => {
    const bundle = join(dir, 'bundle');
    rmSync(bundle, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(bundle);
    writeFileSync(join(bundle, 'a.txt'), readFileSync(join(SAMPLES, 'doorknob-hd-no-bar.txt')));
    writeFileSync(join(bundle, 'b.txt'), '0,100,nothex,0.000\n');
    writeFileSync(join(bundle, 'c.txt'), `0,10,${'ab'.repeat(32)},0.000\n`);
    const result = await run(['bank', 'import', 'mixed', bundle, '-f', 'vpdq', '--create-kind', 'test']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('b.txt');
    expect(result.stderr).toContain('c.txt');
    expect(result.stderr).toContain('1 videos added');
  });

  it('imports and exports videos through a server (--server)', async () => {
    const token = `hl_vpdq_${randomBytes(24).toString('base64url')}`;
    const server = await startServe(['--port', '0'], {
      cwd: dir,
      env: cleanEnv({ HASHLINE_ADMIN_TOKEN: token }),
    });
    try {
      const remote = (args: string[]) =>
        hashline([...args, '--server', server.url, '--key', token], { cwd: dir });
      const imported = await remote([
        'bank',
        'import',
        'served',
        SAMPLES,
        '-f',
        'vpdq',
        '--create-kind',
        'test',
      ]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stderr).toContain(`${new Set(sampleKeys).size} videos added`);
      const out = join(dir, 'served-export');
      const exported = await remote(['bank', 'export', 'served', '-f', 'vpdq', '-o', out]);
      expect(exported.code, exported.stderr).toBe(0);
      const keys = readdirSync(out)
        .map((name) => vpdqSignalKey(parseVpdqReferenceLines(readFileSync(join(out, name), 'utf8'))))
        .sort();
      expect(keys).toEqual([...new Set(sampleKeys)].sort());
    } finally {
      await server.stop();
    }
  });
});
