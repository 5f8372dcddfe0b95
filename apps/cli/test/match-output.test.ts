import { describe, expect, it } from 'vitest';
import type { MatchHitView } from '../src/match/hash-matcher.js';
import { createMatchFormatter, type MatchResult } from '../src/match/match-output.js';
import type { MatchSubject } from '../src/match/match-subject.js';

const subject = (input: string): MatchSubject =>
  ({ input, type: 'image', hashes: {}, queries: [], skipped: [] }) as unknown as MatchSubject;

const hit = (bank: string, patch: Partial<MatchHitView> = {}): MatchHitView => ({
  bank,
  bankKind: 'hotline_known_csam',
  signalType: 'pdq',
  entryId: 7,
  distance: 4,
  classification: {} as MatchHitView['classification'],
  actions: [],
  recordId: null,
  ...patch,
});

/** Where each column starts in a printed line: the columns are separated by two or more spaces. */
const columnStarts = (line: string): number[] =>
  [...line.matchAll(/(?:^|\s{2,})(\S)/g)].map((m) => m.index + m[0].length - 1);

describe("the plain match table (issue 17: it misaligned on the product's own bank names)", () => {
  it('keeps every column in line for the hotline bank, the self-submission banks and dihedral variants', () => {
    const formatter = createMatchFormatter('plain');
    const results: MatchResult[] = [
      { subject: subject('a.jpg'), matched: true, verdictOnly: false, hits: [hit('hotline-known-csam')] },
      {
        subject: subject('b.jpg'),
        matched: true,
        verdictOnly: false,
        hits: [hit('self-submitted-minors', { variant: 'rot270', distance: 12, entryId: 123456 })],
      },
      { subject: subject('c.jpg'), matched: true, verdictOnly: false, hits: [hit('demo')] },
      { subject: subject('d.jpg'), matched: false, verdictOnly: false, hits: [] },
    ];
    const lines = [formatter.begin(), ...results.map((r, i) => formatter.result(r, i))].map((l) =>
      l.replace(/\n$/, ''),
    );
    const header = columnStarts(lines[0]!);
    expect(header).toHaveLength(6);
    // Left-aligned columns start where their title starts; the input (last) too.
    for (const line of lines.slice(1)) {
      const starts = columnStarts(line);
      expect(starts[1], line).toBe(header[1]); // BANK
      expect(starts[2], line).toBe(header[2]); // SIGNAL
      expect(starts.at(-1), line).toBe(header[5]); // INPUT
    }
  });

  it('widens the bank column for a long bank name the caller knows', () => {
    const formatter = createMatchFormatter('plain', { bankNames: ['a-very-long-partner-bank-name'] });
    const head = formatter.begin();
    const row = formatter.result(
      {
        subject: subject('x.jpg'),
        matched: true,
        verdictOnly: false,
        hits: [hit('a-very-long-partner-bank-name')],
      },
      0,
    );
    expect(columnStarts(row)[2]).toBe(columnStarts(head)[2]);
  });
});
