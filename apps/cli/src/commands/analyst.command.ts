import type { Analyst } from '@hashline/domain';
import type { Command, CommandContext, ExitCodeValue } from './command.js';
import { ExitCode } from './command.js';
import { CommandError } from '../command-error.js';
import { parseCommandArgs } from '../parse-command-args.js';
import type { OptionSpec, ParsedArgs } from '../parse-command-args.js';
import { UsageError } from '../usage-error.js';
import {
  HOTLINE_TARGET_HELP,
  HOTLINE_TARGET_OPTIONS,
  openHotline,
  resolveHotlineTarget,
} from '../target/hotline-target.js';

// As the domain's ANALYST_ROLES and MIN_PASSWORD_LENGTH (a test checks they agree); listed here
// so --help loads nothing.
/** Staff roles, least to most privileged. */
export const ANALYST_ROLE_NAMES = ['analyst', 'senior_analyst', 'admin'] as const;
/** Shortest staff password the domain accepts. */
export const MIN_STAFF_PASSWORD_LENGTH = 12;
const MAX_STAFF_PASSWORD_LENGTH = 200;
const USERNAME = /^[a-z0-9._-]{2,64}$/;

const OPTIONS = {
  ...HOTLINE_TARGET_OPTIONS,
  username: { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string' },
  'password-stdin': { type: 'boolean', default: false },
  format: { type: 'string', short: 'f', default: 'table' },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies OptionSpec;

const HELP = `Usage: hashline analyst create --username <u> --name <display name> --role <role> [--password-stdin]
       hashline analyst list [--format table|json]
       (each also takes the options below that say where the data is)

Manage the hotline's staff accounts (the analyst workbench at /workbench). Whoever can read the
data folder or database owns it, so no sign-in is needed here; every account created is recorded
in the audit log as created by "system:cli". Use it to create the first admin, who can then
create the other accounts in the workbench.

analyst create           create an account and print its id
      --username <u>       sign-in name: 2-64 of a-z, 0-9, ".", "_", "-" (stored lower case)
      --name <text>        display name shown in the workbench (1-100 characters)
      --role <role>        ${ANALYST_ROLE_NAMES.join(', ')} (admin manages accounts and reads the
                           audit log; two analysts must agree before hashes are published)
      --password-stdin     read the password (${MIN_STAFF_PASSWORD_LENGTH}-${MAX_STAFF_PASSWORD_LENGTH} characters) from the first line of stdin.
                           Without it, the password is asked twice on the terminal, not echoed.
                           It is never a flag value: a command line is visible to others in ps

analyst list             list accounts (never password hashes or TOTP secrets)
  -f, --format <fmt>       table (default) or json

${HOTLINE_TARGET_HELP}
  -h, --help              show this help

Exit codes: 0 done; 2 usage error or failure (user name taken, no database, ...).

Examples:
  hashline analyst create --username alex --name "Alex Peeters" --role admin
  printf '%s\\n' "$PASSWORD" | hashline analyst create --username sam --name Sam --role analyst --password-stdin
  hashline analyst list --database postgres://hashline@db/hashline -f json
`;

/** An account as listed: never its password hash or TOTP secret. */
interface AnalystView {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: string;
  readonly totpEnabled: boolean;
  readonly disabled: boolean;
  readonly createdAt: string;
}

/** `hashline analyst create|list`. */
export const analystCommand: Command = {
  name: 'analyst',
  summary: 'create and list the hotline staff accounts (analysts, admins) of the data folder',
  help: HELP,
  run: runAnalyst,
};

async function runAnalyst(args: readonly string[], context: CommandContext): Promise<ExitCodeValue> {
  const [sub, ...rest] = args;
  if (sub === undefined) throw new UsageError('give a subcommand: create or list', 'analyst');
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    context.stdout.write(HELP);
    return ExitCode.Ok;
  }
  if (sub !== 'create' && sub !== 'list') {
    throw new UsageError(
      sub.startsWith('-')
        ? `the subcommand comes first: hashline analyst create|list [options] (got ${sub})`
        : `unknown subcommand "${sub}" (expected create or list)`,
      'analyst',
    );
  }
  // Before parsing, so the answer is about the password, not "unknown option".
  if (rest.some((arg) => arg === '--password' || arg.startsWith('--password='))) {
    throw new UsageError(
      'the password is never given as an option (other users can read command lines): ' +
        'pipe it with --password-stdin, or leave that out to be asked on the terminal',
      'analyst',
    );
  }
  const { values, positionals } = parseCommandArgs(rest, OPTIONS, 'analyst');
  if (values.help) {
    context.stdout.write(HELP);
    return ExitCode.Ok;
  }
  if (positionals.length > 0) {
    throw new UsageError(`analyst ${sub} takes no arguments (got "${positionals[0]}")`, 'analyst');
  }
  return sub === 'create' ? createAnalyst(values, context) : listAnalysts(values, context);
}

async function createAnalyst(values: ParsedArgs['values'], context: CommandContext): Promise<ExitCodeValue> {
  // Every argument is checked before the password is asked for.
  const username = typeof values.username === 'string' ? values.username.trim().toLowerCase() : '';
  if (username === '') throw new UsageError('--username is required', 'analyst');
  if (!USERNAME.test(username)) {
    throw new UsageError(
      `--username must be 2-64 of a-z, 0-9, ".", "_", "-"; got "${String(values.username)}"`,
      'analyst',
    );
  }
  const displayName = typeof values.name === 'string' ? values.name.trim() : '';
  if (displayName === '') throw new UsageError('--name is required (the display name)', 'analyst');
  if (displayName.length > 100) throw new UsageError('--name must be at most 100 characters', 'analyst');
  const role = values.role;
  if (typeof role !== 'string') {
    throw new UsageError(`--role is required: one of ${ANALYST_ROLE_NAMES.join(', ')}`, 'analyst');
  }
  if (!(ANALYST_ROLE_NAMES as readonly string[]).includes(role)) {
    throw new UsageError(`unknown role "${role}" (expected: ${ANALYST_ROLE_NAMES.join(', ')})`, 'analyst');
  }
  if (values.format !== 'table') throw new UsageError('--format goes with analyst list', 'analyst');
  const target = await resolveHotlineTarget(values, context, 'analyst');

  const password =
    values['password-stdin'] === true ? await readPasswordLine(context) : await promptPassword(context);
  if (password.length < MIN_STAFF_PASSWORD_LENGTH || password.length > MAX_STAFF_PASSWORD_LENGTH) {
    throw new CommandError(
      `the password must be ${MIN_STAFF_PASSWORD_LENGTH}-${MAX_STAFF_PASSWORD_LENGTH} characters ` +
        `(got ${password.length}); nothing was created`,
    );
  }

  const { store, hotline } = await openHotline(target, { create: true });
  try {
    const { randomBytes } = await import('node:crypto');
    const { AnalystAuthService, systemClock } = await import('@hashline/domain');
    const { rfc6238Totp, scryptPinHasher, sha256Hex } = await import('@hashline/server');
    const auth = new AnalystAuthService({
      store: hotline,
      passwords: scryptPinHasher,
      totp: rfc6238Totp,
      // Creating an account seals nothing: the master key stays with the server (and out of a
      // data folder that may belong to a PostgreSQL deployment whose key is in the environment).
      secrets: refusingSecretBox,
      random: (length) => new Uint8Array(randomBytes(length)),
      sha256Hex,
      clock: systemClock,
    });
    // actor null: the audit log records "system:cli" as the creator.
    const analyst = await auth.createAnalyst({ username, displayName, role, password }, null);
    context.stdout.write(`${analyst.id}\n`);
    context.stderr.write(
      `hashline analyst: created ${analyst.role} "${analyst.username}" (${analyst.displayName}), id ${analyst.id}; ` +
        'sign in at /workbench\n',
    );
    return ExitCode.Ok;
  } finally {
    await store.close();
  }
}

async function listAnalysts(values: ParsedArgs['values'], context: CommandContext): Promise<ExitCodeValue> {
  for (const flag of ['username', 'name', 'role'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} goes with analyst create`, 'analyst');
  }
  if (values['password-stdin'] === true)
    throw new UsageError('--password-stdin goes with analyst create', 'analyst');
  const format = values.format;
  if (format !== 'table' && format !== 'json')
    throw new UsageError('--format must be table or json', 'analyst');
  const target = await resolveHotlineTarget(values, context, 'analyst');
  const { store, hotline } = await openHotline(target, { create: false });
  let analysts: AnalystView[];
  try {
    analysts = (await hotline.listAnalysts()).map(view);
  } finally {
    await store.close();
  }
  context.stdout.write(format === 'json' ? JSON.stringify(analysts, null, 2) + '\n' : analystTable(analysts));
  return ExitCode.Ok;
}

/** The listed fields only: the password hash and the sealed TOTP secret never leave the store. */
function view(analyst: Analyst): AnalystView {
  return {
    id: analyst.id,
    username: analyst.username,
    displayName: analyst.displayName,
    role: analyst.role,
    totpEnabled: analyst.totpSecretSealed !== null,
    disabled: analyst.disabled,
    createdAt: analyst.createdAt.toISOString(),
  };
}

function analystTable(analysts: readonly AnalystView[]): string {
  if (analysts.length === 0) return 'no staff accounts (create one with: hashline analyst create)\n';
  const rows = [
    ['ID', 'USERNAME', 'ROLE', 'TOTP', 'DISABLED', 'CREATED', 'NAME'],
    ...analysts.map((a) => [
      a.id,
      a.username,
      a.role,
      a.totpEnabled ? 'yes' : 'no',
      a.disabled ? 'yes' : 'no',
      a.createdAt.slice(0, 19).replace('T', ' '),
      a.displayName,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') +
    '\n'
  );
}

/** A secret box for a process that must never seal or open anything. */
const refusingSecretBox = {
  sealText: refuse,
  openText: refuse,
  sealBytes: refuse,
  openBytes: refuse,
};
function refuse(): never {
  throw new Error('the CLI holds no master key: sealing and opening happen in the server');
}

/** `--password-stdin`: the first line of stdin, without its line ending. */
async function readPasswordLine(context: CommandContext): Promise<string> {
  const stdin = context.stdin as NodeJS.ReadableStream & { isTTY?: boolean };
  if (stdin.isTTY === true) {
    throw new UsageError('--password-stdin reads a pipe; on a terminal leave it out to be asked', 'analyst');
  }
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('\n')) break;
  }
  const line = text.split('\n')[0]!.replace(/\r$/, '');
  if (line === '') throw new CommandError('--password-stdin: stdin held no password; nothing was created');
  return line;
}

/** Asks for the password twice on the terminal (stdin in raw mode: nothing is echoed). */
async function promptPassword(context: CommandContext): Promise<string> {
  const stdin = context.stdin as NodeJS.ReadableStream & {
    isTTY?: boolean;
    setRawMode?: (mode: boolean) => unknown;
  };
  if (stdin.isTTY !== true || typeof stdin.setRawMode !== 'function') {
    throw new UsageError(
      'stdin is not a terminal, so the password cannot be asked: pipe it with --password-stdin',
      'analyst',
    );
  }
  const first = await readHidden(
    stdin as NodeJS.ReadableStream & { setRawMode(mode: boolean): unknown },
    context,
    'Password: ',
  );
  const second = await readHidden(
    stdin as NodeJS.ReadableStream & { setRawMode(mode: boolean): unknown },
    context,
    'Password again: ',
  );
  if (first !== second) throw new CommandError('the passwords differ; nothing was created');
  return first;
}

/** Reads one line from a terminal in raw mode, echoing nothing; Ctrl-C cancels. */
function readHidden(
  stdin: NodeJS.ReadableStream & { setRawMode(mode: boolean): unknown },
  context: CommandContext,
  prompt: string,
): Promise<string> {
  context.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let chars: string[] = [];
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      context.stderr.write('\n');
    };
    const onData = (chunk: string | Buffer): void => {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish();
          resolve(chars.join(''));
          return;
        }
        if (char === '\u0003') {
          finish();
          reject(new CommandError('cancelled; nothing was created'));
          return;
        }
        if (char === '\u007f' || char === '\b') chars = chars.slice(0, -1);
        else if (char >= ' ') chars.push(char);
      }
    };
    stdin.on('data', onData);
  });
}
