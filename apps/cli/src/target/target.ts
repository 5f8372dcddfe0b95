import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { HashlineStore } from '@hashline/domain';
import type { CommandContext } from '../commands/command.js';
import { CommandError } from '../command-error.js';
import type { OptionSpec, ParsedArgs } from '../parse-command-args.js';
import { HashlineClient } from '../remote/hashline-client.js';
import { UsageError } from '../usage-error.js';

/** The data folder used when neither `--data-dir` nor `HASHLINE_DATA_DIR` says otherwise (as the server). */
export const DEFAULT_DATA_DIR = '.data';

/** Options shared by the commands that work on banks: where the data is, locally or on a server. */
export const TARGET_OPTIONS = {
  'data-dir': { type: 'string' },
  database: { type: 'string' },
  server: { type: 'string' },
  key: { type: 'string' },
  'key-file': { type: 'string' },
} satisfies OptionSpec;

/** Help lines for {@link TARGET_OPTIONS}, shared by every command that takes them. */
export const TARGET_HELP = `Where the banks are (local mode by default):
      --data-dir <dir>  the data folder of \`hashline serve\` (default: $HASHLINE_DATA_DIR
                        or ${DEFAULT_DATA_DIR}); its SQLite database is <dir>/hashline.db. Safe while a
                        server runs on it: the server picks the changes up within a second
      --database <url>  a store URL instead: sqlite:<file> or postgres://user@host/db
                        (default: $HASHLINE_DATABASE_URL)
      --server <url>    remote mode: use the HTTP API of this server (default: $HASHLINE_SERVER)
      --key <token>     API key for --server (default: $HASHLINE_API_KEY; prefer the variable
                        or --key-file: a command line is visible to other users in ps)
      --key-file <f>    read the API key from a file (e.g. <data-dir>/initial-admin-token)`;

/** Local mode: the commands open the store themselves (SQLite in the data folder, or a URL). */
export interface LocalTarget {
  readonly kind: 'local';
  readonly dataDir: string;
  readonly databaseUrl: string;
}

/** Remote mode: the commands call a server's HTTP API with an API key. */
export interface RemoteTarget {
  readonly kind: 'remote';
  readonly client: HashlineClient;
}

/** Where a command's banks are. */
export type Target = LocalTarget | RemoteTarget;

/**
 * Picks local or remote mode from the flags, then the environment. Flags win over variables, and
 * an explicit `--data-dir`/`--database` wins over `HASHLINE_SERVER`.
 * @throws {UsageError} for contradictory flags, a bad URL or a missing API key
 */
export async function resolveTarget(
  values: ParsedArgs['values'],
  context: CommandContext,
  command: string,
): Promise<Target> {
  const env = context.env ?? {};
  const flag = (name: keyof typeof TARGET_OPTIONS): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const localFlags = flag('data-dir') !== undefined || flag('database') !== undefined;
  if (flag('server') !== undefined && localFlags) {
    throw new UsageError('give either --server (remote) or --data-dir/--database (local), not both', command);
  }
  const server = flag('server') ?? (localFlags ? undefined : nonEmpty(env.HASHLINE_SERVER));
  if (server !== undefined) {
    if (!/^https?:\/\/[^\s/?#]+/i.test(server)) {
      throw new UsageError(
        `--server must be an http(s) URL such as http://127.0.0.1:8080; got "${server}"`,
        command,
      );
    }
    const token = await readToken(flag('key'), flag('key-file'), env, context, command);
    return { kind: 'remote', client: new HashlineClient(server, token) };
  }
  if (flag('key') !== undefined || flag('key-file') !== undefined) {
    throw new UsageError(
      '--key and --key-file go with --server (local mode opens the data folder directly)',
      command,
    );
  }
  const dataDir = resolve(
    context.cwd,
    flag('data-dir') ?? nonEmpty(env.HASHLINE_DATA_DIR) ?? DEFAULT_DATA_DIR,
  );
  const explicit =
    flag('database') ?? (flag('data-dir') === undefined ? nonEmpty(env.HASHLINE_DATABASE_URL) : undefined);
  const databaseUrl =
    explicit === undefined
      ? `sqlite:${join(dataDir, 'hashline.db')}`
      : absoluteSqliteUrl(explicit, context.cwd);
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(databaseUrl)) {
    throw new UsageError(`--database must be sqlite:<file> or postgres://...; got "${explicit}"`, command);
  }
  return { kind: 'local', dataDir, databaseUrl };
}

/**
 * Opens the store of a local target. With `create: false` a missing SQLite file is an error
 * (reading an empty, just-created database would only hide a wrong `--data-dir`).
 */
export async function openLocalStore(
  target: LocalTarget,
  options: { create: boolean },
): Promise<HashlineStore> {
  const file = sqliteFile(target.databaseUrl);
  if (file !== undefined) {
    if (!existsSync(file)) {
      if (!options.create) {
        throw new CommandError(
          `No Hashline database at ${displayPath(file)}. Start one with \`hashline serve\` or ` +
            '`hashline bank create`, or point --data-dir at an existing data folder.',
        );
      }
      await mkdir(dirname(file), { recursive: true });
    }
  }
  const { openStore } = await import('@hashline/storage');
  return openStore(target.databaseUrl);
}

/** The file of a `sqlite:` URL (undefined for PostgreSQL and `sqlite::memory:`). */
export function sqliteFile(databaseUrl: string): string | undefined {
  if (!databaseUrl.startsWith('sqlite:') || databaseUrl === 'sqlite::memory:') return undefined;
  const path = databaseUrl.slice('sqlite:'.length);
  return path.startsWith('//') ? path.slice(2) : path;
}

/** A path relative to the working directory when it is inside it (shorter, copy-pasteable), else absolute. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function absoluteSqliteUrl(url: string, cwd: string): string {
  const file = sqliteFile(url);
  return file === undefined || isAbsolute(file) ? url : `sqlite:${resolve(cwd, file)}`;
}

async function readToken(
  key: string | undefined,
  keyFile: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  context: CommandContext,
  command: string,
): Promise<string> {
  if (key !== undefined && keyFile !== undefined)
    throw new UsageError('give --key or --key-file, not both', command);
  let token = key;
  if (keyFile !== undefined) {
    try {
      token = (await readFile(resolve(context.cwd, keyFile), 'utf8')).trim();
    } catch (error) {
      throw new UsageError(`cannot read --key-file ${keyFile}: ${(error as Error).message}`, command);
    }
  }
  token ??= nonEmpty(env.HASHLINE_API_KEY);
  if (token === undefined || token.trim() === '') {
    throw new UsageError(
      'remote mode needs an API key: --key <token>, --key-file <file> or the HASHLINE_API_KEY variable',
      command,
    );
  }
  return token.trim();
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
