import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

/** Option declarations in node:util `parseArgs` form. */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Parsed flags and positionals of one command line. */
export interface ParsedArgs {
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  readonly positionals: string[];
}

/**
 * Parses `args` strictly with node:util `parseArgs`: unknown flags, missing values and flags given a
 * value they do not take become a {@link UsageError} with a short message naming the flag.
 */
export function parseCommandArgs(
  args: readonly string[],
  options: OptionSpec,
  command: string | undefined,
): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals: true,
    });
    return { values, positionals };
  } catch (error) {
    throw new UsageError(describeParseError(error), command);
  }
}

/** Turns node's long parseArgs messages into one readable line. */
function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(message)?.[1];
    return flag ? `unknown option ${flag}` : message;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // e.g. "Option '-f, --format <value>' argument missing" / "Option '--dihedral' does not take an argument"
    const flag = /'([^']+)'/.exec(message)?.[1];
    if (flag && /argument missing/.test(message)) return `option ${flag} needs a value`;
    if (flag && /does not take an argument/.test(message)) return `option ${flag} does not take a value`;
  }
  return message.split('\n')[0] ?? message;
}
