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
export { createMatchCommand, matchCommand } from './commands/match.command.js';
export type { MatchCommandDependencies } from './commands/match.command.js';
export { bankCommand } from './commands/bank.command.js';
export { createServeCommand, serveCommand } from './commands/serve.command.js';
export type { ServeCommandDependencies } from './commands/serve.command.js';
export { apiKeyCommand } from './commands/api-key.command.js';
export { CommandError, describeExpectedError } from './command-error.js';
export { ApiError, HashlineClient } from './remote/hashline-client.js';
export type { ApiItemProblem, HashlineClientOptions } from './remote/hashline-client.js';
export { UsageError } from './usage-error.js';
