import { SELF_SUBMISSION_BANKS } from '@hashline/domain';
import { DIHEDRAL_NAMES } from '@hashline/pdq';
import { csvField } from '../hash/output-format.js';
import type { MatchHitView } from './hash-matcher.js';
import type { MatchSubject } from './match-subject.js';

/** Names accepted by `hashline match --format`. */
export const MATCH_OUTPUT_FORMATS = ['plain', 'csv', 'json', 'ndjson'] as const;

/** One of {@link MATCH_OUTPUT_FORMATS}. */
export type MatchOutputFormat = (typeof MATCH_OUTPUT_FORMATS)[number];

/** A subject with the answers to its queries. */
export interface MatchResult {
  readonly subject: MatchSubject;
  readonly matched: boolean;
  readonly verdictOnly: boolean;
  readonly hits: readonly MatchHitView[];
}

/** Turns results into text; `begin` and `end` are written once each, even for no results. */
export interface MatchFormatter {
  begin(): string;
  result(result: MatchResult, index: number): string;
  end(): string;
}

/**
 * Banks the product creates under its own names: the hotline's bank (its default name), the
 * self-submission banks and the demo. The plain table is as wide as the longest of these and of
 * the banks the caller knows, so the product's own names never push a row out of line.
 */
const PRODUCT_BANK_NAMES = [
  'hotline-known-csam',
  ...Object.values(SELF_SUBMISSION_BANKS).map((bank) => bank.name),
  'demo',
];

/** The widest signal label: a dihedral variant of a PDQ query (`pdq/flipplusrot90`…). */
const SIGNAL_WIDTH = Math.max(12, ...DIHEDRAL_NAMES.map((variant) => `pdq/${variant}`.length));

/** Options of {@link createMatchFormatter}. */
export interface MatchFormatterOptions {
  /** Names of the banks answers may come from, when known (local data folder, `--bank`). */
  readonly bankNames?: readonly string[];
}

/** Creates the formatter for `--format name`. */
export function createMatchFormatter(
  name: MatchOutputFormat,
  options: MatchFormatterOptions = {},
): MatchFormatter {
  switch (name) {
    case 'plain': {
      const widths = [
        8,
        Math.max(14, ...[...PRODUCT_BANK_NAMES, ...(options.bankNames ?? [])].map((n) => n.length)),
        SIGNAL_WIDTH,
        8,
        7,
      ];
      const row = (cells: readonly string[], input: string): string => plainRow(widths, cells, input);
      return {
        begin: () => row(['RESULT', 'BANK', 'SIGNAL', 'DISTANCE', 'ENTRY'], 'INPUT'),
        result: (result) => plainRows(result, row),
        end: () => '',
      };
    }
    case 'csv':
      return {
        begin: () => 'input,matched,bank,signal_type,variant,distance,entry_id,actions\n',
        result: (result) => csvRows(result),
        end: () => '',
      };
    case 'json':
      return {
        begin: () => '[',
        result: (result, index) => (index === 0 ? '\n' : ',\n') + '  ' + JSON.stringify(jsonObject(result)),
        end: () => '\n]\n',
      };
    case 'ndjson':
      return {
        begin: () => '',
        result: (result) => JSON.stringify(jsonObject(result)) + '\n',
        end: () => '',
      };
  }
}

/**
 * A table with one row per hit (an input matching several entries has several rows) and one
 * `no match` row per input without any. Columns have fixed widths so rows can be printed as they
 * come; the input is the last column and printed as is, like `hashline hash`.
 */
function plainRows(
  result: MatchResult,
  plainRow: (cells: readonly string[], input: string) => string,
): string {
  if (result.verdictOnly && result.matched)
    return plainRow(['match', '?', '?', '?', '?'], result.subject.input);
  if (result.hits.length === 0) return plainRow(['no match', '-', '-', '-', '-'], result.subject.input);
  return result.hits
    .map((hit) =>
      plainRow(
        [
          'match',
          hit.bank,
          signalLabel(hit),
          hit.signalType === 'pdq'
            ? String(hit.distance)
            : hit.signalType === 'vpdq'
              ? videoShares(hit)
              : 'exact',
          String(hit.entryId),
        ],
        result.subject.input,
      ),
    )
    .join('');
}

function plainRow(widths: readonly number[], cells: readonly string[], input: string): string {
  const padded = cells.map((cell, i) => {
    const width = widths[i]!;
    return i === 3 || i === 4 ? cell.padStart(width) : cell.padEnd(width);
  });
  return `${padded.join('  ')}  ${input}\n`;
}

/** A video hit's two shares, query/banked, as whole percentages (`100/85`). */
function videoShares(hit: MatchHitView): string {
  const share = (value: number | undefined): string =>
    value === undefined ? '?' : String(Math.floor(value));
  return `${share(hit.queryMatchPercent)}/${share(hit.comparedMatchPercent)}%`;
}

function signalLabel(hit: MatchHitView): string {
  return hit.variant === undefined ? hit.signalType : `${hit.signalType}/${hit.variant}`;
}

function csvRows(result: MatchResult): string {
  const input = csvField(result.subject.input);
  if (result.hits.length === 0) return `${input},${result.matched},,,,,,\n`;
  return result.hits
    .map(
      (hit) =>
        `${input},true,${csvField(hit.bank)},${hit.signalType},${hit.variant ?? ''},${hit.distance},${hit.entryId},${csvField(hit.actions.join(' '))}\n`,
    )
    .join('');
}

function jsonObject(result: MatchResult): Record<string, unknown> {
  return {
    input: result.subject.input,
    type: result.subject.type,
    matched: result.matched,
    ...(result.verdictOnly ? { verdictOnly: true } : { matches: result.hits }),
    hashes: result.subject.hashes,
    ...(result.subject.skipped.length > 0 ? { skipped: result.subject.skipped } : {}),
  };
}
