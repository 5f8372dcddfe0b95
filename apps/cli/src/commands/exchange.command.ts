import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command, CommandContext, ExitCodeValue } from './command.js';
import { ExitCode } from './command.js';
import { parseCommandArgs } from '../parse-command-args.js';
import type { OptionSpec } from '../parse-command-args.js';
import { UsageError } from '../usage-error.js';
import { resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../target/target.js';

// As the domain's HASH_EXCHANGE_TYPES; listed here so --help loads nothing.
const TYPES = ['ncmec', 'stopncii', 'threatexchange', 'hashline', 'feed'] as const;
const SUBCOMMANDS = ['add', 'list', 'show', 'run', 'pause', 'resume', 'remove'] as const;

const OPTIONS = {
  ...TARGET_OPTIONS,
  name: { type: 'string' },
  bank: { type: 'string' },
  type: { type: 'string' },
  url: { type: 'string' },
  interval: { type: 'string' },
  option: { type: 'string', multiple: true },
  'credentials-file': { type: 'string' },
  'api-key-file': { type: 'string' },
  upload: { type: 'boolean', default: false },
  feedback: { type: 'boolean', default: false },
  format: { type: 'string', short: 'f', default: 'table' },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies OptionSpec;

const HELP = `Usage: hashline exchange add --name <name> --bank <bank> --type <type> --url <url>
                             [--interval <seconds>] [--option key=value]...
                             [--api-key-file <file> | --credentials-file <file.json>]
                             [--upload] [--feedback]
       hashline exchange list [--format table|json]
       hashline exchange show|run|pause|resume|remove <name>
       (each also takes the options below that say which server)

Scheduled hash exchanges: a bank kept in sync with an outside source on a schedule, from a
checkpoint that survives restarts. Types: ${TYPES.join(', ')} (the server lists the ones
it runs). Exchanges live on a server (its scheduler runs them and its key seals their
credentials): give --server and an admin key.

  add      configure an exchange; it runs first at the server's next round
  list     every exchange with its status (last success, last error, next run)
  show     one exchange's configuration and status
  run      run it now and print its status afterwards (exit 2 when the run failed)
  pause    stop running it until resumed
  resume   run it again (new credentials also resume one the source refused)
  remove   delete it (the hashes it brought stay in the bank)

Options:
      --name <name>            the exchange's name (a-z 0-9 - _; entries and the audit log name it)
      --bank <bank>            the bank its hashes go to (not a bank of published material)
      --type <type>            ${TYPES.join(', ')}
      --url <url>              the source's base URL (the file's URL for a feed)
      --interval <seconds>     how often it runs (default 3600)
      --option key=value       a per-type setting, repeatable; numbers and true/false are typed.
                               hashline: bank=<partner bank>, pageSize=<n>, uploadBank=<ours>,
                               partnerBank=<theirs> (uploads); feed: format=<import format>
      --api-key-file <file>    the source's API key, read from a file (credentials {"apiKey": …})
      --credentials-file <f>   the credentials as a JSON object of strings
      --upload                 offer our confirmed hashes to the source, where it takes them
      --feedback               send our votes back to the source, where it takes them (NCMEC,
                               StopNCII): each run sends the votes set on its entries since
                               (an entry's feedback, or a platform's vote on a match record);
                               list and show count them (pending/sent/refused)
  -f, --format <fmt>           table (default) or json (list, show, run)
${TARGET_HELP}
  -h, --help                   show this help

Credentials are read from files (a command line is visible to other users in ps), sealed by
the server, and never shown again.

Examples:
  hashline exchange add --name partner-nl --bank partner --type hashline \\
    --url https://hashline.example.nl --option bank=published --api-key-file partner.key
  hashline exchange add --name list --bank lists --type feed --url https://example.org/hashes.csv
  hashline exchange run partner-nl
`;

/** An exchange as the API answers it. */
interface ExchangeView {
  readonly name: string;
  readonly bank: string | null;
  readonly type: string;
  readonly endpointUrl: string;
  readonly intervalSeconds: number;
  readonly paused: boolean;
  readonly pausedReason: string | null;
  readonly status: {
    readonly running: boolean;
    readonly lastSuccessAt: string | null;
    readonly lastErrorKind: string | null;
    readonly lastErrorMessage: string | null;
    readonly nextRunAt: string;
    readonly counts: Record<string, number>;
    /** Where the exchange sends feedback votes back (`--feedback`). */
    readonly feedbackVotes?: {
      readonly pending: number;
      readonly sent: number;
      readonly refused: number;
      readonly lastError: string | null;
    };
  };
}

/** `hashline exchange add|list|show|run|pause|resume|remove`. */
export const exchangeCommand: Command = {
  name: 'exchange',
  summary: 'configure, list and run scheduled hash exchanges (NCMEC, StopNCII, partners, feeds) on a server',
  help: HELP,
  run: runExchange,
};

async function runExchange(args: readonly string[], context: CommandContext): Promise<ExitCodeValue> {
  const [sub, ...rest] = args;
  if (sub === undefined) throw new UsageError(`give a subcommand: ${SUBCOMMANDS.join(', ')}`, 'exchange');
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    context.stdout.write(HELP);
    return ExitCode.Ok;
  }
  if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(
      sub.startsWith('-')
        ? `the subcommand comes first: hashline exchange ${SUBCOMMANDS.join('|')} [options] (got ${sub})`
        : `unknown subcommand "${sub}" (expected ${SUBCOMMANDS.join(', ')})`,
      'exchange',
    );
  }
  const { values, positionals } = parseCommandArgs(rest, OPTIONS, 'exchange');
  if (values.help) {
    context.stdout.write(HELP);
    return ExitCode.Ok;
  }
  const format = values.format as string;
  if (format !== 'table' && format !== 'json')
    throw new UsageError('--format must be table or json', 'exchange');
  const target = await resolveTarget(values, context, 'exchange');
  if (target.kind !== 'remote') {
    throw new UsageError(
      'exchanges live on a server (its scheduler runs them, its key seals their credentials): give --server and an admin key',
      'exchange',
    );
  }
  const client = target.client;
  const print = (exchanges: readonly ExchangeView[]): void => {
    context.stdout.write(
      format === 'json' ? `${JSON.stringify(exchanges, null, 2)}\n` : exchangeTable(exchanges),
    );
  };

  if (sub === 'add') {
    if (positionals.length > 0)
      throw new UsageError('exchange add takes no arguments (use --name)', 'exchange');
    const required = (flag: 'name' | 'bank' | 'type' | 'url'): string => {
      const value = values[flag];
      if (typeof value !== 'string' || value.trim() === '')
        throw new UsageError(`--${flag} is required`, 'exchange');
      return value.trim();
    };
    const type = required('type');
    if (!(TYPES as readonly string[]).includes(type)) {
      throw new UsageError(`unknown type "${type}" (expected: ${TYPES.join(', ')})`, 'exchange');
    }
    const interval = values.interval === undefined ? undefined : Number(values.interval);
    if (interval !== undefined && (!Number.isInteger(interval) || interval < 1)) {
      throw new UsageError(
        `--interval must be a whole number of seconds, got "${values.interval}"`,
        'exchange',
      );
    }
    const body = {
      name: required('name'),
      bank: required('bank'),
      type,
      endpointUrl: required('url'),
      ...(interval !== undefined ? { intervalSeconds: interval } : {}),
      options: parseOptions((values.option as string[] | undefined) ?? []),
      ...(await readCredentials(values, context)),
      upload: values.upload === true,
      feedback: values.feedback === true,
    };
    const created = await client.post<ExchangeView>('/v1/exchanges', body);
    context.stderr.write(
      `hashline exchange: added ${created.name} (${created.type} → bank ${created.bank}); it runs at the server's next round\n`,
    );
    return ExitCode.Ok;
  }

  if (sub === 'list') {
    if (positionals.length > 0) throw new UsageError('exchange list takes no arguments', 'exchange');
    print((await client.get<{ exchanges: ExchangeView[] }>('/v1/exchanges')).exchanges);
    return ExitCode.Ok;
  }

  if (positionals.length !== 1)
    throw new UsageError(`exchange ${sub} needs exactly one exchange name`, 'exchange');
  const path = `/v1/exchanges/${encodeURIComponent(positionals[0]!)}`;
  switch (sub) {
    case 'show':
      print([await client.get<ExchangeView>(path)]);
      return ExitCode.Ok;
    case 'run': {
      const after = await client.post<ExchangeView>(`${path}/run`, {});
      print([after]);
      if (after.status.lastErrorKind !== null) {
        context.stderr.write(
          `hashline exchange: the run failed (${after.status.lastErrorKind}): ${after.status.lastErrorMessage ?? ''}\n`,
        );
        return ExitCode.Failure;
      }
      return ExitCode.Ok;
    }
    case 'pause':
    case 'resume': {
      const changed = await client.post<ExchangeView>(`${path}/${sub}`, {});
      context.stderr.write(`hashline exchange: ${changed.name} ${changed.paused ? 'paused' : 'resumed'}\n`);
      return ExitCode.Ok;
    }
    default:
      await client.delete(path);
      context.stderr.write(
        `hashline exchange: removed ${positionals[0]} (the hashes it brought stay in the bank)\n`,
      );
      return ExitCode.Ok;
  }
}

/** `key=value` pairs as the options object: numbers and true/false typed, the rest strings. */
function parseOptions(pairs: readonly string[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--option takes key=value, got "${pair}"`, 'exchange');
    const key = pair.slice(0, at).trim();
    const raw = pair.slice(at + 1).trim();
    out[key] =
      raw === 'true' ? true : raw === 'false' ? false : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  }
  return out;
}

/** The credentials from `--api-key-file` or `--credentials-file` (never from the command line). */
async function readCredentials(
  values: Record<string, unknown>,
  context: CommandContext,
): Promise<{ credentials?: Record<string, string> }> {
  const keyFile = values['api-key-file'];
  const credentialsFile = values['credentials-file'];
  if (typeof keyFile === 'string' && typeof credentialsFile === 'string') {
    throw new UsageError('give either --api-key-file or --credentials-file, not both', 'exchange');
  }
  const read = async (file: string): Promise<string> => {
    try {
      return await readFile(resolve(context.cwd, file), 'utf8');
    } catch {
      throw new UsageError(`cannot read ${file}`, 'exchange');
    }
  };
  if (typeof keyFile === 'string') {
    const apiKey = (await read(keyFile)).trim();
    if (apiKey === '') throw new UsageError(`${keyFile} is empty`, 'exchange');
    return { credentials: { apiKey } };
  }
  if (typeof credentialsFile === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await read(credentialsFile));
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`${credentialsFile} is not JSON`, 'exchange');
    }
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      Array.isArray(parsed) ||
      Object.values(parsed).some((v) => typeof v !== 'string')
    ) {
      throw new UsageError(`${credentialsFile} must hold a JSON object of strings`, 'exchange');
    }
    return { credentials: parsed as Record<string, string> };
  }
  return {};
}

function exchangeTable(exchanges: readonly ExchangeView[]): string {
  if (exchanges.length === 0) return 'no hash exchanges\n';
  const time = (iso: string | null): string => (iso ? iso.slice(0, 19).replace('T', ' ') : '-');
  const rows = [
    [
      'NAME',
      'TYPE',
      'BANK',
      'STATE',
      'LAST SUCCESS',
      'NEXT RUN',
      'LAST RUN (added/updated/withdrawn)',
      'VOTES (pending/sent/refused)',
      'LAST ERROR',
    ],
    ...exchanges.map((e) => [
      e.name,
      e.type,
      e.bank ?? '(deleted)',
      e.paused ? 'paused' : e.status.running ? 'running' : 'scheduled',
      time(e.status.lastSuccessAt),
      e.paused ? '-' : time(e.status.nextRunAt),
      `${e.status.counts.added ?? 0}/${e.status.counts.updated ?? 0}/${e.status.counts.withdrawn ?? 0}`,
      e.status.feedbackVotes
        ? `${e.status.feedbackVotes.pending}/${e.status.feedbackVotes.sent}/${e.status.feedbackVotes.refused}`
        : '-',
      [
        e.status.lastErrorKind ? `${e.status.lastErrorKind}: ${e.status.lastErrorMessage ?? ''}` : null,
        e.status.feedbackVotes?.lastError ? `votes: ${e.status.feedbackVotes.lastError}` : null,
      ]
        .filter((part) => part !== null)
        .join('; ') || '-',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n')}\n`;
}
