import type { HashlineStore, HotlineStore } from '@hashline/domain';
import type { CommandContext } from '../commands/command.js';
import { CommandError } from '../command-error.js';
import type { OptionSpec, ParsedArgs } from '../parse-command-args.js';
import { UsageError } from '../usage-error.js';
import { DEFAULT_DATA_DIR, openLocalStore, resolveTarget, type LocalTarget } from './target.js';

/**
 * Options of the commands that work on the hotline's tables (`analyst`, `audit`). Local mode only:
 * staff accounts and the audit log are not reachable with an API key, so `--server`, `--key` and
 * `--key-file` are accepted by the parser only to be refused with a clear message.
 */
export const HOTLINE_TARGET_OPTIONS = {
  'data-dir': { type: 'string' },
  database: { type: 'string' },
  server: { type: 'string' },
  key: { type: 'string' },
  'key-file': { type: 'string' },
} satisfies OptionSpec;

/** Help lines for {@link HOTLINE_TARGET_OPTIONS}. */
export const HOTLINE_TARGET_HELP = `Where the hotline's data is (these commands work on the data folder or database directly):
      --data-dir <dir>    the data folder of \`hashline serve\` (default: $HASHLINE_DATA_DIR
                          or ${DEFAULT_DATA_DIR}); its SQLite database is <dir>/hashline.db. Safe while
                          a server runs on it
      --database <url>    a store URL instead: sqlite:<file> or postgres://user@host/db
                          (default: $HASHLINE_DATABASE_URL)`;

/** A store that keeps the hotline's tables, and that hotline store. */
export interface OpenHotline {
  readonly store: HashlineStore;
  readonly hotline: HotlineStore;
}

/**
 * The local target of a hotline command: `--data-dir`, `--database` or the environment, never a
 * server (`HASHLINE_SERVER` is ignored here: it is set for the bank commands, and would otherwise
 * send these commands to a remote mode they do not have).
 * @throws {UsageError} for --server/--key/--key-file or a bad --database URL
 */
export async function resolveHotlineTarget(
  values: ParsedArgs['values'],
  context: CommandContext,
  command: string,
): Promise<LocalTarget> {
  for (const flag of ['server', 'key', 'key-file'] as const) {
    if (values[flag] !== undefined) {
      throw new UsageError(
        `--${flag}: hashline ${command} works on the data folder or database only (--data-dir or ` +
          '--database), not through the HTTP API',
        command,
      );
    }
  }
  const env = { ...(context.env ?? {}), HASHLINE_SERVER: undefined };
  const target = await resolveTarget(
    { 'data-dir': values['data-dir'], database: values.database },
    { ...context, env },
    command,
  );
  if (target.kind !== 'local') throw new Error('unreachable: a hotline target is always local');
  return target;
}

/**
 * Opens the store of a local target and its hotline tables. With `create: false` a missing
 * SQLite file is an error (see {@link openLocalStore}). Close `store` when done.
 */
export async function openHotline(target: LocalTarget, options: { create: boolean }): Promise<OpenHotline> {
  const store = await openLocalStore(target, options);
  const { hasHotlineStore } = await import('@hashline/storage');
  if (!hasHotlineStore(store)) {
    await store.close();
    throw new CommandError('This store keeps no hotline tables (staff accounts and the audit log).');
  }
  return { store, hotline: store.hotline };
}
