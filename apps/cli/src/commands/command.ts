/** The streams and environment a command runs against, injected so tests can run commands in-process. */
export interface CommandContext {
  /** Results only: never progress or diagnostics, so output can be piped into other tools. */
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  /** Diagnostics, progress bar and the end-of-run summary. */
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stdin: NodeJS.ReadableStream;
  /** Working directory the command resolves relative paths against (paths are printed as given). */
  readonly cwd: string;
  /**
   * Environment variables (`HASHLINE_SERVER`, `HASHLINE_API_KEY`, `HASHLINE_DATA_DIR`, ...): main.ts
   * passes `process.env`; in-process tests pass their own or leave it out (then: none set).
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Exit codes shared by every command (documented in `hashline --help` and apps/cli/README.md).
 * 0: everything succeeded; 1: partial success (some inputs skipped); 2: usage error or nothing done;
 * 3: `hashline match --fail-on-match` found a match (like a gate in a pipeline);
 * 4: `hashline audit verify` found the audit log broken (edited, deleted or reordered rows).
 */
export const ExitCode = {
  Ok: 0,
  Partial: 1,
  Failure: 2,
  Matched: 3,
  AuditBroken: 4,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A `hashline <name>` subcommand. Each lives in `commands/<name>.command.ts` and is listed in the registry. */
export interface Command {
  /** The word after `hashline` that selects this command. */
  readonly name: string;
  /** One line for the command list in `hashline --help`. */
  readonly summary: string;
  /** Full help text for `hashline <name> --help`, ending with a newline. */
  readonly help: string;
  /**
   * Runs the command with the arguments after its name. Resolves to the exit code; throws
   * {@link UsageError} for bad arguments (the dispatcher prints it with the usage line, exit 2).
   */
  run(args: readonly string[], context: CommandContext): Promise<ExitCodeValue>;
}
