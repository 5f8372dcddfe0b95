import type { ImportSummary } from '@hashline/domain';
import type { ExitCodeValue } from '../commands/command.js';
import { ExitCode } from '../commands/command.js';

/** Problems printed in the summary at most; the counts are always complete. */
export const MAX_PRINTED_PROBLEMS = 20;

/** What the import summary needs besides the domain's counts. */
export interface ImportReportContext {
  readonly file: string;
  readonly bank: string;
  readonly seconds: number;
  readonly onError: 'skip' | 'abort';
  /** Remote mode only: withdrawals read but not applied. */
  readonly withdrawalsNotApplied?: number;
}

/**
 * The exit code of an import: 0 all rows imported (rows of signal types Hashline does not match
 * on, such as PhotoDNA, are listed but do not count against it); 1 some bad rows were skipped;
 * 2 the import was aborted or nothing in the file was usable.
 */
export function importExitCode(summary: ImportSummary, withdrawalsNotApplied = 0): ExitCodeValue {
  if (summary.aborted) return ExitCode.Failure;
  const usable =
    summary.added +
    summary.existing +
    summary.updated +
    summary.withdrawalsApplied +
    summary.withdrawalsUnmatched +
    withdrawalsNotApplied;
  if (usable === 0) return ExitCode.Failure;
  return summary.errors > 0 ? ExitCode.Partial : ExitCode.Ok;
}

/** The end-of-import summary for stderr: counts, rate, and the first problems with line numbers. */
export function formatImportReport(summary: ImportSummary, context: ImportReportContext): string {
  const n = (value: number): string => value.toLocaleString('en');
  const rate = context.seconds > 0 ? Math.round(summary.read / context.seconds) : summary.read;
  const lines: string[] = [];
  const head = `hashline bank import: ${context.file} → bank "${context.bank}"`;
  if (summary.aborted && context.onError === 'skip') {
    // Only a file that breaks beyond repair (XML that is not well-formed) aborts a skip import.
    lines.push(
      `${head}: aborted, nothing was added: the file cannot be read past the error below ` +
        '(an import adds all of a file or none of it when the rest cannot be read)',
    );
  } else if (summary.aborted) {
    lines.push(
      `${head}: aborted, nothing was added: ${n(summary.errors)} bad ${plural(summary.errors, 'row')} ` +
        `(fix ${summary.errors === 1 ? 'it' : 'them'}, or use --on-error skip to import the good rows)`,
    );
  } else {
    lines.push(
      `${head}: ${n(summary.read)} ${plural(summary.read, 'record')} read in ${context.seconds.toFixed(1)} s ` +
        `(${n(rate)} records/s)`,
    );
    const parts = [`${n(summary.added)} added`];
    if (summary.updated > 0) parts.push(`${n(summary.updated)} updated (classification changed)`);
    parts.push(`${n(summary.existing)} already in the bank`);
    if (summary.errors > 0) parts.push(`${n(summary.errors)} bad ${plural(summary.errors, 'row')} skipped`);
    if (summary.skipped > 0)
      parts.push(`${n(summary.skipped)} not imported (signal types Hashline does not match on)`);
    if (summary.withdrawalsApplied > 0 || summary.withdrawalsUnmatched > 0) {
      parts.push(
        `${n(summary.withdrawalsApplied)} ${plural(summary.withdrawalsApplied, 'entry', 'entries')} withdrawn` +
          (summary.withdrawalsUnmatched > 0
            ? ` (${n(summary.withdrawalsUnmatched)} ${plural(summary.withdrawalsUnmatched, 'withdrawal')} named nothing in the bank)`
            : ''),
      );
    }
    if ((context.withdrawalsNotApplied ?? 0) > 0) {
      parts.push(
        `${n(context.withdrawalsNotApplied!)} ${plural(context.withdrawalsNotApplied!, 'withdrawal')} NOT applied ` +
          '(the API cannot look entries up by hash: import this file locally with --data-dir to apply them)',
      );
    }
    lines.push(`  ${parts.join(', ')}`);
  }
  const listed = summary.problems.slice(0, MAX_PRINTED_PROBLEMS);
  for (const problem of listed) {
    lines.push(
      `  line ${problem.line}: ${problem.kind === 'error' ? 'error' : 'not imported'}: ${problem.message}`,
    );
  }
  const unlisted = summary.errors + summary.skipped - listed.length;
  if (unlisted > 0) lines.push(`  ... and ${n(unlisted)} more`);
  return lines.join('\n') + '\n';
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return count === 1 ? singular : pluralForm;
}
