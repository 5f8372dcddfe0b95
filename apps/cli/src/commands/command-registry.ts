import type { Command } from './command.js';
import { hashCommand } from './hash.command.js';

/**
 * Every `hashline` subcommand, in the order `hashline --help` lists them. A new command (serve,
 * bank, match, audit) is one `<name>.command.ts` file plus one line here.
 */
export const COMMANDS: readonly Command[] = [hashCommand];

/** Looks a command up by name. */
export function findCommand(name: string, commands: readonly Command[] = COMMANDS): Command | undefined {
  return commands.find((command) => command.name === name);
}
