// End-to-end: `hashline bank create|list|import|export` as child processes on a temporary data
// folder, for every import format, both error modes, and export round trips.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, hashline } from './cli-process.js';

/** A random PDQ hash, never all zeros or ones. */
function pdq(): string {
  const bytes = randomBytes(32);
  bytes[0]! |= 1;
  bytes[1]! &= 0xfe;
  return bytes.toString('hex');
}
const md5 = (): string => randomBytes(16).toString('hex');
const sha256 = (): string => randomBytes(32).toString('hex');

let dir: string;
let data: string;

/** `hashline <args> --data-dir <temp>` from the temporary folder. */
const run = (args: string[], input?: string) =>
  hashline([...args, '--data-dir', data], { cwd: dir, ...(input !== undefined ? { input } : {}) });

async function entryCount(bank: string): Promise<number> {
  const { code, stdout } = await run(['bank', 'list', '--format', 'json']);
  expect(code).toBe(0);
  const banks = JSON.parse(stdout) as { name: string; entryCount: number }[];
  return banks.find((b) => b.name === bank)?.entryCount ?? -1;
}

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hashline-bank-e2e-'));
  data = join(dir, 'data');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hashline bank (built CLI, local data folder)', () => {
  it('reports a missing data folder instead of creating an empty one', async () => {
    const { code, stderr } = await run(['bank', 'list']);
    expect(code).toBe(2);
    expect(stderr).toContain('No Hashline database at');
    expect(stderr).not.toContain('    at '); // no stack trace
  });

  it('creates and lists banks, and refuses bad names and duplicates readably', async () => {
    const created = await run([
      'bank',
      'create',
      'hotline',
      '--kind',
      'known_csam',
      '--threshold',
      '20',
      '--actions',
      'block,review',
      '--description',
      'Assessed by two analysts',
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(
      'created bank hotline (kind known_csam, PDQ threshold 20, actions block,review)',
    );
    expect((await run(['bank', 'create', 'demo', '--kind', 'test'])).code).toBe(0);

    const table = await run(['bank', 'list']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+KIND\s+ENTRIES\s+THRESHOLD\s+ENABLED\s+ACTIONS\s+DESCRIPTION$/);
    expect(lines[1]).toMatch(
      /^hotline\s+known_csam\s+0\s+20\s+yes\s+block,review\s+Assessed by two analysts$/,
    );
    expect(lines[2]).toMatch(/^demo\s+test\s+0\s+31\s+yes\s+-$/);

    const duplicate = await run(['bank', 'create', 'hotline', '--kind', 'test']);
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain('BANK_NAME_TAKEN');
    const badName = await run(['bank', 'create', 'Bad Name', '--kind', 'test']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/VALIDATION_FAILED|name/);
    const badKind = await run(['bank', 'create', 'x', '--kind', 'porn']);
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toContain('--kind: unknown value "porn"');
  });

  it('imports CSV: a bad row on line 3 is skipped and reported (exit 1); with abort nothing is added (exit 2)', async () => {
    const csv = join(dir, 'list.csv');
    writeFileSync(
      csv,
      `signal_type,value,quality,industry,note\npdq,${pdq()},90,A1,first\npdq,not-a-hash,90,,bad\nmd5,${md5()},,,"third, quoted"\n`,
    );
    const aborted = await run(['bank', 'import', 'hotline', 'list.csv', '--on-error', 'abort']);
    expect(aborted.code).toBe(2);
    expect(aborted.stderr).toContain('aborted, nothing was added');
    expect(aborted.stderr).toMatch(/line 3: error: .*64 hex digits/);
    expect(await entryCount('hotline')).toBe(0);

    const skipped = await run(['bank', 'import', 'hotline', 'list.csv']);
    expect(skipped.code).toBe(1);
    expect(skipped.stderr).toContain('3 records read');
    expect(skipped.stderr).toContain('2 added, 0 already in the bank, 1 bad row skipped');
    expect(skipped.stderr).toMatch(/line 3: error: .*64 hex digits/);
    expect(await entryCount('hotline')).toBe(2);

    // Importing the same file again adds nothing new.
    const again = await run(['bank', 'import', 'hotline', 'list.csv']);
    expect(again.stderr).toContain('0 added, 2 already in the bank');
  });

  it('imports NCMEC XML: fingerprints with classification, PhotoDNA listed as not imported, deletions withdraw', async () => {
    const [photoMd5, photoPdq] = [md5(), pdq()];
    const entries = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>
<queryResult xmlns="https://hashsharing.ncmec.org/HashSharing/v2">
${body}
</queryResult>
`;
    writeFileSync(
      join(dir, 'ncmec.xml'),
      entries(`  <images count="1">
    <image>
      <member id="42">Example ESP</member>
      <id>img-1</id>
      <classification>A1</classification>
      <fingerprints><md5>${photoMd5}</md5><pdq>${photoPdq}</pdq><pdna>AAAABBBB</pdna></fingerprints>
    </image>
  </images>`),
    );
    const imported = await run(['bank', 'import', 'hotline', 'ncmec.xml']);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toContain('2 added');
    expect(imported.stderr).toContain('1 not imported (signal types Hashline does not match on)');
    expect(imported.stderr).toMatch(/line 4: not imported: .*PhotoDNA/);
    expect(await entryCount('hotline')).toBe(4);

    const exported = await run(['bank', 'export', 'hotline']);
    expect(exported.stdout).toContain(`md5,${photoMd5},,A1,,,ncmec,img-1,42,0,`);

    // An NCMEC update of the same image (reclassified) changes the entries, a re-import nothing.
    writeFileSync(
      join(dir, 'update.xml'),
      entries(`  <images count="1">
    <image>
      <member id="42">Example ESP</member>
      <id>img-1</id>
      <classification>B1</classification>
      <fingerprints><md5>${photoMd5}</md5><pdq>${photoPdq}</pdq></fingerprints>
    </image>
  </images>`),
    );
    const updated = await run(['bank', 'import', 'hotline', 'update.xml']);
    expect(updated.code).toBe(0);
    expect(updated.stderr).toContain('0 added, 2 updated (classification changed), 0 already in the bank');
    const again = await run(['bank', 'import', 'hotline', 'update.xml']);
    expect(again.stderr).toContain('0 added, 2 already in the bank');
    const reexported = await run(['bank', 'export', 'hotline']);
    expect(reexported.stdout).toContain(`md5,${photoMd5},,B1,,,ncmec,img-1,42,0,`);

    writeFileSync(
      join(dir, 'deletions.xml'),
      entries('  <deletedImages><deletedImage><id>img-1</id></deletedImage></deletedImages>'),
    );
    const withdrawn = await run(['bank', 'import', 'hotline', 'deletions.xml']);
    expect(withdrawn.code).toBe(0);
    expect(withdrawn.stderr).toContain('2 entries withdrawn');
    expect(await entryCount('hotline')).toBe(2);
  });

  it('imports StopNCII JSON (a FetchHashes page) and ThreatExchange-style files, guessing the format from the extension', async () => {
    const page = {
      count: 3,
      hashRecords: [
        { signalType: 'ImagePDQ', hashValue: pdq(), hashStatus: 'Active', caseNumbers: ['CASE-1'] },
        { signalType: 'VideoMD5', hashValue: md5(), hashStatus: 'Active' },
        { signalType: 'VideoTMK', hashValue: 'xx', hashStatus: 'Active' },
      ],
    };
    writeFileSync(join(dir, 'stopncii.json'), JSON.stringify(page, null, 2));
    expect((await run(['bank', 'create', 'ncii', '--kind', 'ncii_adults'])).code).toBe(0);
    const json = await run(['bank', 'import', 'ncii', 'stopncii.json']);
    expect(json.code).toBe(0);
    expect(json.stderr).toContain('2 added');
    expect(json.stderr).toContain('1 not imported');
    expect(await entryCount('ncii')).toBe(2);

    writeFileSync(
      join(dir, 'signals.txt'),
      `# exported signals\npdq,${pdq()}\nmd5 ${md5()}\nhash_sha256,${sha256()}\nphotodna,AAAA\n`,
    );
    const te = await run(['bank', 'import', 'te', 'signals.txt', '--create-kind', 'test']);
    expect(te.code).toBe(0);
    expect(te.stderr).toContain('created bank te (kind test)');
    expect(te.stderr).toContain('3 added');
    expect(te.stderr).toMatch(/line 5: not imported: .*photodna/);

    writeFileSync(join(dir, 'signals.dat'), 'some words that are no hash list\n');
    const unknown = await run(['bank', 'import', 'te', 'signals.dat']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('give --format');
  });

  it('exports CSV, TSV and ThreatExchange files that import into an identical bank', async () => {
    const original = await run(['bank', 'export', 'hotline']);
    expect(original.code).toBe(0);
    expect(original.stderr).toContain('2 entries of bank "hotline"');
    expect(original.stdout.split('\n')[0]).toBe(
      'signal_type,value,quality,industry,uk,baseline,source,external_id,member,reviewer_count,note',
    );
    writeFileSync(join(dir, 'copy.csv'), original.stdout);
    expect((await run(['bank', 'import', 'copy', 'copy.csv', '--create-kind', 'known_csam'])).code).toBe(0);
    // The same entries (an import numbers a batch's entries in hash order, so compare as sets).
    const lines = (text: string) => text.split('\n').sort();
    expect(lines((await run(['bank', 'export', 'copy'])).stdout)).toEqual(lines(original.stdout));

    const tsv = await run(['bank', 'export', 'hotline', '--format', 'tsv', '-o', 'copy.tsv']);
    expect(tsv.code).toBe(0);
    expect(tsv.stdout).toBe('');
    expect(readFileSync(join(dir, 'copy.tsv'), 'utf8').split('\n')[0]).toBe(
      original.stdout.split('\n')[0]!.replaceAll(',', '\t'),
    );
    expect((await run(['bank', 'import', 'copy-tsv', 'copy.tsv', '--create-kind', 'test'])).code).toBe(0);
    expect(lines((await run(['bank', 'export', 'copy-tsv'])).stdout)).toEqual(lines(original.stdout));

    const te = await run(['bank', 'export', 'te', '-f', 'threatexchange']);
    expect(te.stdout.trimEnd().split('\n')).toHaveLength(3);
    // Signal types in type order: the import numbered the file's entries by (type, hash).
    // "signal_type signal", as python-threatexchange's file exchange and HMA read it.
    expect(te.stdout).toMatch(/^md5 [0-9a-f]{32}\npdq [0-9a-f]{64}\nsha256 [0-9a-f]{64}\n$/);

    const missing = await run(['bank', 'export', 'nope', '-o', 'nope.csv']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('BANK_NOT_FOUND');
    expect(() => readFileSync(join(dir, 'nope.csv'))).toThrow(); // no empty file left behind
  });

  it('explains usage mistakes with exit code 2', async () => {
    for (const [args, message] of [
      [['bank'], 'the subcommand comes first'],
      [['bank', 'frobnicate'], 'unknown subcommand "frobnicate"'],
      [['bank', 'import', 'hotline'], 'needs a bank name and a file'],
      [
        ['bank', 'import', 'hotline', 'list.csv', '--on-error', 'ignore'],
        '--on-error: unknown value "ignore"',
      ],
      [['bank', 'list', '--server', 'http://127.0.0.1:1'], 'give either --server'],
    ] as const) {
      const { code, stderr } = await run([...args]);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain(message);
    }
  });
});
