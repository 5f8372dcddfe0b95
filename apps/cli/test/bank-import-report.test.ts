import { PassThrough } from 'node:stream';
import {
  API_SCOPES,
  BANK_ACTIONS,
  BANK_KINDS,
  EXPORT_FORMATS,
  IMPORT_FORMATS,
  type ImportSummary,
} from '@hashline/domain';
import { describe, expect, it } from 'vitest';
import { bankCommand, bankTable } from '../src/commands/bank.command.js';
import { apiKeyCommand } from '../src/commands/api-key.command.js';
import { ImportProgressBar } from '../src/bank/import-progress.js';
import { formatImportReport, importExitCode } from '../src/bank/import-report.js';
import { readTextFile } from '../src/bank/text-file-source.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function summary(patch: Partial<ImportSummary> = {}): ImportSummary {
  return {
    read: 0,
    committedRecords: 0,
    added: 0,
    existing: 0,
    updated: 0,
    withdrawalsApplied: 0,
    withdrawalsUnmatched: 0,
    withdrawalsNotApplied: 0,
    skipped: 0,
    errors: 0,
    problems: [],
    aborted: false,
    ...patch,
  };
}

describe('import exit codes', () => {
  it('0 when every row was imported, unsupported signal types included', () => {
    expect(importExitCode(summary({ read: 3, added: 2, skipped: 1 }))).toBe(0);
    expect(importExitCode(summary({ read: 2, existing: 2 }))).toBe(0); // a re-import is a success
    expect(importExitCode(summary({ read: 1, withdrawalsApplied: 1 }))).toBe(0);
  });

  it('1 when bad rows were skipped, 2 when aborted or nothing was usable', () => {
    expect(importExitCode(summary({ read: 3, added: 2, errors: 1 }))).toBe(1);
    expect(importExitCode(summary({ read: 3, errors: 1, aborted: true }))).toBe(2);
    expect(importExitCode(summary({ read: 2, errors: 1, skipped: 1 }))).toBe(2);
    expect(importExitCode(summary())).toBe(2);
    expect(importExitCode(summary({ read: 1 }), 1)).toBe(0); // a withdrawal read remotely
  });
});

describe('import report', () => {
  it('lists counts, the rate and the first problems with line numbers', () => {
    const problems = Array.from({ length: 25 }, (_, i) => ({
      line: i + 2,
      kind: 'error' as const,
      message: `bad ${i}`,
    }));
    const text = formatImportReport(summary({ read: 1_000_030, added: 1_000_000, errors: 30, problems }), {
      file: 'big.csv',
      bank: 'hotline',
      seconds: 20,
      onError: 'skip',
    });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'hashline bank import: big.csv → bank "hotline": 1,000,030 records read in 20.0 s (50,002 records/s)',
    );
    expect(lines[1]).toBe('  1,000,000 added, 0 already in the bank, 30 bad rows skipped');
    expect(lines[2]).toBe('  line 2: error: bad 0');
    expect(lines).toHaveLength(2 + 20 + 1);
    expect(lines.at(-1)).toBe('  ... and 10 more');
  });

  it('says clearly that an aborted import added nothing, and names unapplied remote withdrawals', () => {
    const aborted = formatImportReport(
      summary({ read: 3, errors: 1, aborted: true, problems: [{ line: 3, kind: 'error', message: 'x' }] }),
      {
        file: 'a.csv',
        bank: 'b',
        seconds: 0.1,
        onError: 'abort',
      },
    );
    expect(aborted).toContain('aborted, nothing was added: 1 bad row (fix it, or use --on-error skip');
    expect(aborted).toContain('line 3: error: x');
    const remote = formatImportReport(summary({ read: 2, added: 1 }), {
      file: 'n.xml',
      bank: 'b',
      seconds: 1,
      onError: 'skip',
      withdrawalsNotApplied: 1,
    });
    expect(remote).toContain('1 withdrawal NOT applied');
  });
});

describe('import progress bar', () => {
  it('shows the share of the file, rows and rows per second, and the pass', () => {
    let now = 0;
    const bar = new ImportProgressBar({
      stream: new PassThrough(),
      totalBytes: 1000,
      enabled: false,
      now: () => now,
    });
    const read = { bytes: 0, lines: 0 };
    bar.follow('checking', read);
    now = 2000;
    read.bytes = 250;
    read.lines = 5000;
    expect(bar.render(100)).toBe(
      '[########......................] checking 25% 5,000 rows 2,500 rows/s eta 6s',
    );
    bar.stop();
  });
});

describe('streaming a file as text', () => {
  it('decodes UTF-8 split across chunks and counts bytes and lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hashline-text-'));
    try {
      const text = 'a,é\nb,€\n'.repeat(100);
      writeFileSync(join(dir, 'x.csv'), text);
      const progress = { bytes: 0, lines: 0 };
      const chunks: string[] = [];
      for await (const chunk of readTextFile(join(dir, 'x.csv'), progress, 7)) chunks.push(chunk);
      expect(chunks.length).toBeGreaterThan(50);
      expect(chunks.join('')).toBe(text);
      expect(progress).toEqual({ bytes: Buffer.byteLength(text), lines: 200 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('vocabularies the CLI lists in its help', () => {
  it('agree with the domain', () => {
    expect(bankCommand.help).toContain(BANK_KINDS.join(', '));
    expect(bankCommand.help).toContain(BANK_ACTIONS.join(', '));
    expect(bankCommand.help).toContain(IMPORT_FORMATS.join(', '));
    expect(bankCommand.help).toContain(EXPORT_FORMATS.join(', '));
    expect(apiKeyCommand.help.replace(/\s+/g, ' ')).toContain(API_SCOPES.join(', '));
  });

  it('the bank table aligns numbers right and marks banks without actions', () => {
    const bank = {
      id: 1,
      kind: 'test',
      description: '',
      pdqThreshold: 31,
      enabled: true,
      createdAt: '',
    };
    expect(
      bankTable([
        { ...bank, name: 'a', entryCount: 1234567, defaultActions: ['block'] },
        { ...bank, name: 'longer', entryCount: 5, defaultActions: [], enabled: false },
      ]),
    ).toBe(
      [
        'NAME    KIND    ENTRIES  THRESHOLD  ENABLED  ACTIONS  DESCRIPTION',
        'a       test  1,234,567         31  yes      block',
        'longer  test          5         31  no       -',
        '',
      ].join('\n'),
    );
  });
});
