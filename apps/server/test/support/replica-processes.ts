import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  requirePostgres,
} from '../../../../packages/storage/test/support/postgres.js';
import { childEnv, freePort, SERVER_MAIN as MAIN, SOURCE_HOOKS as HOOKS } from './server-process.js';

/** One server process of a replica set. */
export interface ReplicaProcess {
  readonly url: string;
  /** The last 20,000 characters it wrote (stdout and stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL of its process group if it has not exited within 30 s. */
  stop(): Promise<void>;
}

/** N server processes (src/main.ts under the source hooks) on one fresh PostgreSQL schema. */
export interface ReplicaSet {
  readonly servers: readonly ReplicaProcess[];
  /** The admin token every process registered at start (`HASHLINE_ADMIN_TOKEN`). */
  readonly adminToken: string;
  /** The schema's connection string (search_path set), for direct checks. */
  readonly databaseUrl: string;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `count` servers on one new schema, as a deployment would: one shared admin token and
 * secret key; the first process runs the capture worker and takedown scheduler, the others not.
 * Resolves once every one answers `/readyz` with 200 (index loaded).
 */
export async function startReplicas(count: number, env: Record<string, string> = {}): Promise<ReplicaSet> {
  await requirePostgres();
  const schema = freshSchemaName();
  const admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await admin.connect();
  try {
    await admin.query(`create schema "${schema}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_TEST_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const databaseUrl = url.toString();
  const adminToken = `hl_${randomBytes(8).toString('hex')}_${randomBytes(24).toString('base64url')}`;
  const secretKey = randomBytes(32).toString('base64');
  const dataDirs: string[] = [];
  const children: ChildProcess[] = [];
  const servers: ReplicaProcess[] = [];

  const start = async (index: number): Promise<ReplicaProcess> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hashline-replica-'));
    dataDirs.push(dataDir);
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', HOOKS, MAIN], {
      env: childEnv({
        HASHLINE_LOG_LEVEL: 'warn',
        HASHLINE_HASHING_THREADS: '1',
        HASHLINE_DATA_DIR: dataDir,
        HASHLINE_DATABASE_URL: databaseUrl,
        HASHLINE_ADMIN_TOKEN: adminToken,
        HASHLINE_SECRET_KEY: secretKey,
        HASHLINE_CAPTURE_WORKER: index === 0 ? 'true' : 'false',
        HASHLINE_TAKEDOWN_SCHEDULER: index === 0 ? 'true' : 'false',
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.push(child);
    let output = '';
    const keep = (chunk: string): void => void (output = (output + chunk).slice(-20_000));
    child.stdout!.setEncoding('utf8').on('data', keep);
    child.stderr!.setEncoding('utf8').on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`server ${index} exited with ${child.exitCode ?? child.signalCode}:\n${output}`);
      }
      const ready = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
        (response) => response.status === 200,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline)
        throw new Error(`server ${index} was not ready within 3 minutes:\n${output}`);
      await sleep(100);
    }
    return {
      url: base,
      output: () => output,
      async stop() {
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(30_000)]);
        killGroup(child);
      },
    };
  };

  const close = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
    for (const child of children) killGroup(child);
    await dropSchema(schema).catch(() => undefined);
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    // One after the other: the first migrates the schema; the machine has few cores.
    for (let i = 0; i < count; i++) servers.push(await start(i));
  } catch (error) {
    await close();
    throw error;
  }
  return { servers, adminToken, databaseUrl, close };
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** A JSON call with a Bearer token; resolves with the status and parsed body. */
export async function call(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as unknown) : null,
    headers: response.headers,
  };
}

/** The value of an unlabelled counter or gauge in a Prometheus text page. */
export function metricValue(page: string, name: string): number {
  const line = page.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`metric ${name} is not in the page`);
  return Number(line.slice(name.length + 1));
}
