import type { ExitCodeValue } from './commands/command.js';
import { ExitCode } from './commands/command.js';

/** Most item problems listed under one error; the rest are counted. */
const MAX_LISTED_DETAILS = 20;

/**
 * An expected failure of a command (a missing file, an unreachable server, a bank that does not
 * exist): the dispatcher prints its message and details without a stack trace and exits with
 * `exitCode`.
 */
export class CommandError extends Error {
  override readonly name = 'CommandError';

  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.Failure,
    readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}

/** One problem with one item, as the domain and the API's problem+json report it. */
interface ItemProblem {
  readonly at: string;
  readonly code: string;
  readonly message: string;
}

/**
 * Renders an expected error as the lines to print after `hashline: `, or undefined for an
 * unexpected one (a bug: the dispatcher then prints the stack). Expected are {@link CommandError},
 * errors with a stable `code` from the domain's catalogue (local mode) or from an API problem
 * (remote mode), configuration errors, and Node's system errors (ENOENT, EACCES, ...).
 */
export function describeExpectedError(
  error: unknown,
): { lines: string[]; exitCode: ExitCodeValue } | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error instanceof CommandError) {
    return { lines: [error.message, ...error.details.map((d) => `  ${d}`)], exitCode: error.exitCode };
  }
  const code = (error as { code?: unknown }).code;
  // DomainError and ApiError are recognised by shape: packages may be loaded twice (src and dist).
  if ((error.name === 'DomainError' || error.name === 'ApiError') && typeof code === 'string') {
    const details = ((error as { details?: readonly ItemProblem[] }).details ?? []).map(
      (d) => `  ${d.at}: ${d.code}: ${d.message}`,
    );
    const status = (error as { status?: unknown }).status;
    const suffix = typeof status === 'number' && status > 0 ? ` (HTTP ${status})` : '';
    return {
      lines: [`${code}: ${error.message}${suffix}`, ...limit(details)],
      exitCode: ExitCode.Failure,
    };
  }
  if (error.name === 'ConfigError') return { lines: [error.message], exitCode: ExitCode.Failure };
  // The database is unreachable or refused us at start: the message names the server, one line.
  if (error.name === 'StoreOpenError') return { lines: [error.message], exitCode: ExitCode.Failure };
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return { lines: [error.message], exitCode: ExitCode.Failure };
  }
  return undefined;
}

function limit(lines: string[]): string[] {
  if (lines.length <= MAX_LISTED_DETAILS) return lines;
  return [...lines.slice(0, MAX_LISTED_DETAILS), `  ... and ${lines.length - MAX_LISTED_DETAILS} more`];
}
