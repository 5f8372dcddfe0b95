import { readFileSync } from 'node:fs';
import type { Command, CommandContext, ExitCodeValue } from './commands/command.js';
import { ExitCode } from './commands/command.js';
import { COMMANDS, findCommand } from './commands/command-registry.js';
import { describeExpectedError } from './command-error.js';
import { UsageError } from './usage-error.js';

/** The CLI's version, read from apps/cli/package.json (one level above both src/ and dist/). */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function topLevelHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return `Usage: hashline <command> [options]
       hashline <command> --help
       hashline --help | --version

Hashline: hashing and matching tools for hotlines and platforms working against child sexual
abuse material. Images are hashed on this machine: only hashes are ever sent to a server.

Commands:
${commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Options:
  -h, --help     show this help (or a command's help: hashline <command> --help)
  -V, --version  print the version

Exit codes (all commands):
  0  success
  1  partial success: some inputs were skipped, the rest was done (a summary is on stderr)
  2  usage error (unknown command or option, bad value), a failure (API error, server
     unreachable, no such bank), or nothing could be done
  3  hashline match --fail-on-match: something matched
  4  hashline audit verify: the audit log is broken (a row was changed or deleted)

Examples:
  hashline serve --demo                       # start a server with a demo bank (npm start)
  hashline hash --crypto -f csv ./uploads > hashes.csv
  hashline match photo.jpg --server http://127.0.0.1:8080 --key-file .data/initial-admin-token
  hashline bank import hotline ncmec-entries.xml
  hashline match --help
`;
}

/**
 * Runs `hashline` with `argv` (the arguments after the program name) and resolves to the exit
 * code. Never calls process.exit, so it can run in-process in tests; main.ts sets the exit code.
 */
export async function runCli(
  argv: readonly string[],
  context: CommandContext,
  commands: readonly Command[] = COMMANDS,
): Promise<ExitCodeValue> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined) {
      context.stderr.write(topLevelHelp(commands));
      return ExitCode.Failure;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      // `hashline help <command>` is the same as `hashline <command> --help`.
      const target = first === 'help' && rest[0] !== undefined ? findCommand(rest[0], commands) : undefined;
      if (first === 'help' && rest[0] !== undefined && !target)
        throw new UsageError(`unknown command "${rest[0]}"`);
      context.stdout.write(target ? target.help : topLevelHelp(commands));
      return ExitCode.Ok;
    }
    if (first === '--version' || first === '-V') {
      context.stdout.write(`hashline ${cliVersion()}\n`);
      return ExitCode.Ok;
    }
    if (first.startsWith('-'))
      throw new UsageError(`unknown option ${first} (options go after the command name)`);
    const command = findCommand(first, commands);
    if (!command) throw new UsageError(`unknown command "${first}"`);
    return await command.run(rest, context);
  } catch (error) {
    if (error instanceof UsageError) {
      const command = error.command === undefined ? undefined : findCommand(error.command, commands);
      const usage = command ? usageLines(command.help) : usageLines(topLevelHelp(commands));
      const hint = command ? `hashline ${command.name} --help` : 'hashline --help';
      context.stderr.write(`hashline: ${error.message}\n${usage}\nRun "${hint}" for more.\n`);
      return ExitCode.Failure;
    }
    const expected = describeExpectedError(error);
    if (expected) {
      context.stderr.write(`hashline: ${expected.lines.join('\n')}\n`);
      return expected.exitCode;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    context.stderr.write(`hashline: unexpected error: ${message}\n`);
    return ExitCode.Failure;
  }
}

/** The leading "Usage:" block of a help text. */
function usageLines(help: string): string {
  return help.split('\n\n')[0] ?? help;
}
