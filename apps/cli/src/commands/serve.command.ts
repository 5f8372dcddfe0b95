import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { HashlineStore } from '@hashline/domain';
import type { Command, CommandContext, ExitCodeValue } from './command.js';
import { ExitCode } from './command.js';
import { CommandError } from '../command-error.js';
import { parseCommandArgs } from '../parse-command-args.js';
import type { OptionSpec } from '../parse-command-args.js';
import { UsageError } from '../usage-error.js';
import { DEFAULT_DATA_DIR, displayPath, sqliteFile } from '../target/target.js';
import type { BannerFacts } from '../serve/serve-banner.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const OPTIONS = {
  'data-dir': { type: 'string' },
  database: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  demo: { type: 'boolean', default: false },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies OptionSpec;

const HELP = `Usage: hashline serve [--data-dir <dir>] [--host <addr>] [--port <n>] [--database <url>] [--demo]

Start the Hashline server (HTTP API, matching, docs at /docs) with an embedded SQLite database in
a data folder. On the first start, with no API key in the store, it creates an admin key and
prints it once (a copy goes to <data-dir>/initial-admin-token, readable by you only).

Options:
      --data-dir <dir>    data folder (default: $HASHLINE_DATA_DIR or ${DEFAULT_DATA_DIR}); the database is
                          <dir>/hashline.db
      --database <url>    sqlite:<file> or postgres://user@host/db instead
                          (default: $HASHLINE_DATABASE_URL)
      --host <addr>       interface to listen on (default: $HOST or 127.0.0.1, this machine only)
  -p, --port <n>          TCP port (default: $PORT or 8080; 0 picks a free one)
      --demo              on a new data folder, create the bank "demo" (kind test) with the
                          hashes of generated landscape images, write the images to
                          <data-dir>/demo/, and print two commands that show a match
      --log-level <lvl>   ${LOG_LEVELS.join(', ')} (default: $HASHLINE_LOG_LEVEL or info)
      --log-format <f>    pretty (default on a terminal) or json (default otherwise)
  -h, --help              show this help

Every other setting comes from the environment, as for the server itself (HASHLINE_* variables:
rate limits, upload limits, hashing threads, webhooks; see apps/server/README.md).
Stop with Ctrl-C (SIGINT) or SIGTERM: requests in flight finish, then the database is closed.
Other processes may write to the same data folder meanwhile (\`hashline bank import\`): the
server applies their changes within about a second.

Examples:
  hashline serve --demo                      # what \`npm start\` runs
  hashline serve --data-dir /var/lib/hashline --port 9000
  HASHLINE_LOG_LEVEL=warn hashline serve --host 0.0.0.0
`;

/** How `hashline serve` waits for its stop signal; tests pass their own. */
export interface ServeCommandDependencies {
  /** Resolves when the server should stop (default: on SIGINT or SIGTERM). */
  readonly untilStopped: () => Promise<void>;
}

/** Builds the `hashline serve` command. */
export function createServeCommand(
  dependencies: ServeCommandDependencies = { untilStopped: untilSignal },
): Command {
  return {
    name: 'serve',
    summary: 'start the server (embedded SQLite in a data folder; --demo seeds a demo bank)',
    help: HELP,
    run: (args, context) => runServe(args, context, dependencies),
  };
}

/** `hashline serve`, stopped by SIGINT or SIGTERM. */
export const serveCommand: Command = createServeCommand();

/** Longest graceful shutdown before giving up (as the server's own main). */
const SHUTDOWN_TIMEOUT_MS = 15_000;

async function runServe(
  args: readonly string[],
  context: CommandContext,
  dependencies: ServeCommandDependencies,
): Promise<ExitCodeValue> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, 'serve');
  if (values.help) {
    context.stdout.write(HELP);
    return ExitCode.Ok;
  }
  if (positionals.length > 0)
    throw new UsageError(`serve takes no arguments, got "${positionals[0]}"`, 'serve');
  const env = context.env ?? {};
  const dataDirFlag = values['data-dir'] as string | undefined;
  const dataDir = resolve(context.cwd, dataDirFlag ?? nonEmpty(env.HASHLINE_DATA_DIR) ?? DEFAULT_DATA_DIR);
  const explicitDatabase =
    (values.database as string | undefined) ??
    (dataDirFlag === undefined ? nonEmpty(env.HASHLINE_DATABASE_URL) : undefined);
  const databaseUrl =
    explicitDatabase === undefined
      ? `sqlite:${join(dataDir, 'hashline.db')}`
      : absoluteSqlite(explicitDatabase, context.cwd);
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(databaseUrl)) {
    throw new UsageError(
      `--database must be sqlite:<file> or postgres://...; got "${explicitDatabase}"`,
      'serve',
    );
  }
  const port = parsePort((values.port as string | undefined) ?? nonEmpty(env.PORT));
  const host = (values.host as string | undefined) ?? nonEmpty(env.HOST) ?? '127.0.0.1';
  const logLevel = values['log-level'] as string | undefined;
  if (logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}; got "${logLevel}"`, 'serve');
  }
  const logFormat =
    (values['log-format'] as string | undefined) ?? (context.stdout.isTTY ? 'pretty' : 'json');
  if (logFormat !== 'pretty' && logFormat !== 'json') {
    throw new UsageError(`--log-format must be pretty or json; got "${logFormat}"`, 'serve');
  }

  const server = await import('@hashline/server');
  const config = server.loadConfig(env, {
    dataDir,
    databaseUrl,
    host,
    port,
    ...(logLevel !== undefined ? { logLevel: logLevel as (typeof LOG_LEVELS)[number] } : {}),
  });

  // Before anything is written: a taken port must not leave a new admin key nobody saw printed.
  if (port !== 0) await assertPortFree(host, port);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = sqliteFile(databaseUrl);
  if (file !== undefined) await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const { openStore } = await import('@hashline/storage');
  // The server's health check, once it runs: store calls fail at once while it finds the database away.
  let health: { readonly available: boolean } | undefined;
  const store = await openStore(databaseUrl, {
    gate: () => health?.available ?? true,
    connection: server.storeConnectionOptions(config),
  });
  let running: Awaited<ReturnType<typeof server.startServer>> | undefined;
  try {
    // A new data folder has neither banks nor keys: only then is the demo seeded, so a later
    // start never re-creates a bank someone deleted, and never mixes demo data into real banks.
    const fresh = (await store.listBanks()).length === 0 && (await store.listApiKeys()).length === 0;
    let demo: BannerFacts['demo'] = { state: 'off' };
    if (values.demo === true) demo = await prepareDemo(store, dataDir, fresh, context.cwd);

    const logger =
      logFormat === 'pretty'
        ? (await import('../serve/pretty-log.js')).createPrettyLogger(context.stdout, config.logLevel)
        : undefined;
    try {
      running = await server.startServer({ config, store, ...(logger ? { logger } : {}) });
      health = running.storeHealth;
    } catch (error) {
      throw listenError(error, host, port);
    }
    await running.indexLoaded;

    const { serveBanner } = await import('../serve/serve-banner.js');
    const { hasHotlineStore } = await import('@hashline/storage');
    const staffAccounts = hasHotlineStore(store) ? (await store.hotline.listAnalysts()).length : null;
    const url = localUrl(running.url, host);
    const tokenFile = join(dataDir, 'initial-admin-token');
    const defaultDataDir = resolve(context.cwd, DEFAULT_DATA_DIR);
    context.stdout.write(
      serveBanner({
        url,
        ...(url !== running.url ? { listening: running.url.replace(/^http:\/\//, '') } : {}),
        dataDir: displayPath(dataDir, context.cwd),
        database: file !== undefined ? `SQLite ${displayPath(file, context.cwd)}` : 'PostgreSQL',
        dataDirFlag:
          explicitDatabase !== undefined
            ? ' --database <url>'
            : dataDir === defaultDataDir
              ? ''
              : ` --data-dir ${displayPath(dataDir, context.cwd)}`,
        newAdminToken: running.initialAdminToken,
        adminTokenFile: existsSync(tokenFile) ? displayPath(tokenFile, context.cwd) : null,
        adminTokenFromEnv: config.adminToken !== null,
        jsonLogs: logFormat === 'json',
        staffAccounts,
        demo,
      }),
    );

    await dependencies.untilStopped();
    context.stdout.write('\n  Stopping: finishing the requests in flight...\n');
    const stopping = running.close();
    const timeout = new Promise<'timeout'>((done) =>
      setTimeout(() => done('timeout'), SHUTDOWN_TIMEOUT_MS).unref(),
    );
    if ((await Promise.race([stopping.then(() => 'closed' as const), timeout])) === 'timeout') {
      throw new CommandError('graceful shutdown timed out after 15 s');
    }
    running = undefined;
    context.stdout.write('  Stopped.\n');
    return ExitCode.Ok;
  } finally {
    await running?.close().catch(() => undefined);
    await store.close();
  }
}

/** Seeds the demo into a new data folder, or says what is there already. */
async function prepareDemo(
  store: HashlineStore,
  dataDir: string,
  fresh: boolean,
  cwd: string,
): Promise<BannerFacts['demo']> {
  const { seedDemo, demoQueryFile, DEMO_BANK } = await import('../serve/demo-seed.js');
  if (fresh) {
    const seed = await seedDemo(store, dataDir);
    return {
      state: 'seeded',
      folder: displayPath(seed.folder, cwd) + '/',
      queryFile: displayPath(demoQueryFile(dataDir), cwd),
      files: seed.files,
    };
  }
  const bank = await store.getBankByName(DEMO_BANK);
  if (bank && existsSync(demoQueryFile(dataDir))) {
    return { state: 'present', queryFile: displayPath(demoQueryFile(dataDir), cwd) };
  }
  return {
    state: 'not-seeded',
    reason:
      'this data folder is not new (it has banks or API keys), so no demo bank was added. ' +
      'For the demo, start on a new folder: hashline serve --demo --data-dir .data-demo',
  };
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
function untilSignal(): Promise<void> {
  return new Promise((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const force = (): never => process.exit(130);
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** A clear message for a port that is taken or not allowed, instead of a stack trace. */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') {
    return new CommandError(
      `port ${port} on ${host} is already in use (another hashline serve?). Stop that process, or choose another port: --port ${port + 1}`,
    );
  }
  if (code === 'EACCES') {
    return new CommandError(
      `not allowed to listen on ${host}:${port}; ports below 1024 need privileges: try --port 8080`,
    );
  }
  if (code === 'EADDRNOTAVAIL')
    return new CommandError(`cannot listen on ${host}: no such address on this machine`);
  return error;
}

/** Fails with a clear message when `host:port` cannot be listened on (checked by listening briefly). */
async function assertPortFree(host: string, port: number): Promise<void> {
  const probe = createServer();
  try {
    await new Promise<void>((done, fail) => {
      probe.once('error', fail);
      probe.listen({ host, port, exclusive: true }, done);
    });
  } catch (error) {
    throw listenError(error, host, port);
  } finally {
    await new Promise<void>((done) => (probe.listening ? probe.close(() => done()) : done()));
  }
}

/** The URL local clients use: loopback when listening on every interface. */
function localUrl(url: string, host: string): string {
  if (host === '0.0.0.0') return url.replace('//0.0.0.0:', '//127.0.0.1:');
  if (host === '::') return url.replace('//[::]:', '//127.0.0.1:');
  return url;
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return 8080;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, got "${value}"`, 'serve');
  }
  return port;
}

function absoluteSqlite(url: string, cwd: string): string {
  const file = sqliteFile(url);
  return file === undefined || file.startsWith('/') ? url : `sqlite:${resolve(cwd, file)}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
