import type { Command, CommandContext, ExitCodeValue } from './command.js';
import { ExitCode } from './command.js';
import { parseCommandArgs } from '../parse-command-args.js';
import type { OptionSpec } from '../parse-command-args.js';
import { UsageError } from '../usage-error.js';
import { openLocalStore, resolveTarget, TARGET_HELP, TARGET_OPTIONS } from '../target/target.js';

// As the domain's API_SCOPES (a test checks they agree); listed here so --help loads nothing.
const SCOPES = ['admin', 'banks:write', 'banks:read', 'match', 'match:verdict', 'exchange:submit'] as const;

const OPTIONS = {
  ...TARGET_OPTIONS,
  name: { type: 'string' },
  scopes: { type: 'string' },
  rate: { type: 'string' },
  format: { type: 'string', short: 'f', default: 'table' },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies OptionSpec;

const HELP = `Usage: hashline api-key create --name <name> --scopes <s1,s2> [--rate <n>]
       hashline api-key list [--format table|json]
       hashline api-key revoke <id>
       (each also takes the options below that say where the keys are)

Manage the API keys of a data folder (local mode, no key needed: whoever can read the data
folder owns it) or of a server (remote mode, with an admin key). A new key's token is printed
once on stdout; only its SHA-256 is stored, so a lost token cannot be recovered.

Options:
      --name <name>       what the key is for (create)
      --scopes <list>     comma-separated: ${SCOPES.join(', ')} (create; admin holds them all,
                          match:verdict learns only matched yes/no, exchange:submit is for a
                          partner hotline forwarding cases)
      --rate <n>          requests per second allowed (create; default: the server's)
  -f, --format <fmt>      table (default) or json (list)
${TARGET_HELP}
  -h, --help              show this help

Examples:
  hashline api-key create --name platform-x --scopes match
  export HASHLINE_API_KEY=$(hashline api-key create --name me --scopes admin)
  hashline api-key list --server http://127.0.0.1:8080 --key-file .data/initial-admin-token
`;

/** A key as listed (never its secret or secret hash). */
interface KeyView {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly rateLimitPerSecond: number | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** `hashline api-key create|list|revoke`. */
export const apiKeyCommand: Command = {
  name: 'api-key',
  summary: 'create, list and revoke API keys (of the data folder, or of a server)',
  help: HELP,
  run: runApiKey,
};

async function runApiKey(args: readonly string[], context: CommandContext): Promise<ExitCodeValue> {
  const [sub, ...rest] = args;
  if (sub === undefined) throw new UsageError('give a subcommand: create, list or revoke', 'api-key');
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    context.stdout.write(HELP);
    return ExitCode.Ok;
  }
  if (!['create', 'list', 'revoke'].includes(sub)) {
    throw new UsageError(
      sub.startsWith('-')
        ? `the subcommand comes first: hashline api-key create|list|revoke [options] (got ${sub})`
        : `unknown subcommand "${sub}" (expected create, list or revoke)`,
      'api-key',
    );
  }
  const { values, positionals } = parseCommandArgs(rest, OPTIONS, 'api-key');
  if (values.help) {
    context.stdout.write(HELP);
    return ExitCode.Ok;
  }
  const target = await resolveTarget(values, context, 'api-key');

  if (sub === 'create') {
    if (positionals.length > 0)
      throw new UsageError('api-key create takes no arguments (use --name)', 'api-key');
    const name = values.name as string | undefined;
    if (name === undefined || name.trim() === '') throw new UsageError('--name is required', 'api-key');
    const scopes = ((values.scopes as string | undefined) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (scopes.length === 0)
      throw new UsageError(`--scopes is required: some of ${SCOPES.join(', ')}`, 'api-key');
    for (const scope of scopes) {
      if (!(SCOPES as readonly string[]).includes(scope)) {
        throw new UsageError(`unknown scope "${scope}" (expected: ${SCOPES.join(', ')})`, 'api-key');
      }
    }
    const rate = values.rate === undefined ? null : Number(values.rate);
    if (rate !== null && (!Number.isInteger(rate) || rate < 1)) {
      throw new UsageError(
        `--rate must be a whole number of requests per second, got "${values.rate}"`,
        'api-key',
      );
    }
    const request = { name: name.trim(), scopes, rateLimitPerSecond: rate };
    let created: { apiKey: { id: string; scopes: readonly string[] }; token: string };
    if (target.kind === 'remote') {
      created = await target.client.post('/v1/api-keys', request);
    } else {
      const { createApiKey, parseNewApiKey } = await import('@hashline/server');
      const store = await openLocalStore(target, { create: true });
      try {
        created = await createApiKey(store, parseNewApiKey(request));
      } finally {
        await store.close();
      }
    }
    context.stdout.write(`${created.token}\n`);
    context.stderr.write(
      `hashline api-key: created key ${created.apiKey.id} "${request.name}" (${created.apiKey.scopes.join(', ')}); ` +
        'its token above is shown once: store it now\n',
    );
    return ExitCode.Ok;
  }

  if (sub === 'revoke') {
    if (positionals.length !== 1) throw new UsageError('api-key revoke needs exactly one key id', 'api-key');
    const id = positionals[0]!.replace(/^hl_([a-z0-9]+)_.*$/, '$1'); // a whole token names its key too
    if (target.kind === 'remote') {
      await target.client.delete(`/v1/api-keys/${encodeURIComponent(id)}`);
    } else {
      const store = await openLocalStore(target, { create: false });
      try {
        if (!(await store.getApiKey(id))) {
          const { DomainError } = await import('@hashline/domain');
          throw new DomainError('API_KEY_NOT_FOUND', `No API key has id ${id}.`);
        }
        await store.revokeApiKey(id);
      } finally {
        await store.close();
      }
    }
    // Servers cache verified keys (HASHLINE_API_KEY_CACHE_MS, 5 s by default): say when the
    // revocation bites, so nobody assumes a leaked key is dead the moment this returns.
    context.stderr.write(
      target.kind === 'remote'
        ? `hashline api-key: revoked key ${id}: refused at once by the server that revoked it, and by every other ` +
            'server process within its key cache time (HASHLINE_API_KEY_CACHE_MS, 5 s by default)\n'
        : `hashline api-key: revoked key ${id}: running servers refuse it within their key cache time ` +
            '(HASHLINE_API_KEY_CACHE_MS, 5 s by default)\n',
    );
    return ExitCode.Ok;
  }

  if (positionals.length > 0) throw new UsageError('api-key list takes no arguments', 'api-key');
  const format = values.format as string;
  if (format !== 'table' && format !== 'json')
    throw new UsageError('--format must be table or json', 'api-key');
  let keys: KeyView[];
  if (target.kind === 'remote') {
    keys = (await target.client.get<{ apiKeys: KeyView[] }>('/v1/api-keys')).apiKeys.map(view);
  } else {
    const store = await openLocalStore(target, { create: false });
    try {
      keys = (await store.listApiKeys()).map((k) =>
        view({ ...k, createdAt: k.createdAt.toISOString(), revokedAt: k.revokedAt?.toISOString() ?? null }),
      );
    } finally {
      await store.close();
    }
  }
  context.stdout.write(format === 'json' ? JSON.stringify(keys, null, 2) + '\n' : keyTable(keys));
  return ExitCode.Ok;
}

function view(key: KeyView): KeyView {
  return {
    id: key.id,
    name: key.name,
    scopes: key.scopes,
    rateLimitPerSecond: key.rateLimitPerSecond,
    createdAt: key.createdAt,
    revokedAt: key.revokedAt,
  };
}

function keyTable(keys: readonly KeyView[]): string {
  if (keys.length === 0) return 'no API keys\n';
  const rows = [
    ['ID', 'SCOPES', 'RATE', 'CREATED', 'REVOKED', 'NAME'],
    ...keys.map((k) => [
      k.id,
      k.scopes.join(','),
      k.rateLimitPerSecond === null ? 'default' : `${k.rateLimitPerSecond}/s`,
      k.createdAt.slice(0, 19).replace('T', ' '),
      k.revokedAt ? k.revokedAt.slice(0, 19).replace('T', ' ') : '-',
      k.name,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') +
    '\n'
  );
}
