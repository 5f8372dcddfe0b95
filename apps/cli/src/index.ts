/**
 * The `hashline` command line. The executable is `dist/main.js` (package.json "bin"); this module
 * exposes the same CLI for in-process use and tests.
 * @packageDocumentation
 */
export { runCli, cliVersion } from './cli.js';
export type { Command, CommandContext, ExitCodeValue } from './commands/command.js';
export { ExitCode } from './commands/command.js';
export { COMMANDS, findCommand } from './commands/command-registry.js';
export { createHashCommand, hashCommand } from './commands/hash.command.js';
export type { HashCommandDependencies } from './commands/hash.command.js';
export type { FileHasher, FileHasherFactory, FileHashOptions, FileHashResult } from './hash/file-hasher.js';
export type { HashRecord } from './hash/hash-record.js';
export { UsageError } from './usage-error.js';
