import type { Command } from './command.js';
import { analystCommand } from './analyst.command.js';
import { apiKeyCommand } from './api-key.command.js';
import { auditCommand } from './audit.command.js';
import { bankCommand } from './bank.command.js';
import { exchangeCommand } from './exchange.command.js';
import { hashCommand } from './hash.command.js';
import { matchCommand } from './match.command.js';
import { serveCommand } from './serve.command.js';

/**
 * Every `hashline` subcommand, in the order `hashline --help` lists them. A new command is one
 * `<name>.command.ts` file plus one line here. Command modules load their heavy dependencies
 * (sharp, the server, the database) only when they run, so `hashline --help` stays instant.
 */
export const COMMANDS: readonly Command[] = [
  hashCommand,
  matchCommand,
  bankCommand,
  exchangeCommand,
  serveCommand,
  apiKeyCommand,
  analystCommand,
  auditCommand,
];

/** Looks a command up by name. */
export function findCommand(name: string, commands: readonly Command[] = COMMANDS): Command | undefined {
  return commands.find((command) => command.name === name);
}
