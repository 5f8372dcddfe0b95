// Start-up measurement of a server process with a large bank (issue 12 part 2), reusable by other
// benchmarks (e.g. the integrator's bench:scale). Runs the compiled server (apps/server/dist): build
// first (`npm run build -w @hashline/domain -w @hashline/storage -w @hashline/server`).
//
// API:
//   createBenchDatabase(engine, options?) → { engine, databaseUrl, dataDir, drop() }
//       a fresh SQLite file (in a temporary folder) or PostgreSQL schema, migrated.
//       options.postgresUrl (default HASHLINE_BENCH_POSTGRES_URL or the test server).
//   seedBank(db, entries, options?) → { bankId, ms }
//       one bank with `entries` random PDQ entries, inserted by SQL inside the database (not the
//       import path), in batches of options.batch (default 1,000,000); options.onProgress(done).
//   measureStart(db, options?) → StartFigures
//       starts one server process on the database, polls GET /healthz every options.pollMs (20)
//       recording the worst latency, polls /readyz until 200, reads the peak RSS (VmHWM), then
//       (options.waitForSnapshot, default true) waits until the process has written its index
//       snapshot, and stops it. options.snapshot: 'keep' (default: start from the snapshot a
//       previous start wrote) or 'remove' (delete it first: a cold start from the store).
//       options.env: extra environment for the server; options.nodeArgs: Node options for it (e.g.
//       ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] for a CPU profile of the start).
//   StartFigures = { readyMs, firstHealthMs (listening), worstHealthMs, worstHealthWhileLoadingMs, healthChecks,
//       healthFailures, peakRssMb, source, loadMs, pdqEntries, snapshotWrittenMs, snapshotBytes }
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const DEFAULT_POSTGRES_URL =
  process.env.HASHLINE_BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A fresh, migrated database for a start-up benchmark. */
export async function createBenchDatabase(engine, options = {}) {
  const { openStore } = await import(join(ROOT, 'packages/storage/dist/index.js'));
  const dataDir = mkdtempSync(join(tmpdir(), 'hashline-start-bench-'));
  if (engine === 'sqlite') {
    const file = join(dataDir, 'hashline.db');
    const databaseUrl = `sqlite:${file}`;
    await (await openStore(databaseUrl)).close();
    return {
      engine,
      databaseUrl,
      dataDir,
      file,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const postgresUrl = options.postgresUrl ?? DEFAULT_POSTGRES_URL;
  const schema = `hl_start_${randomBytes(6).toString('hex')}`;
  await runPg(postgresUrl, null, `create schema "${schema}"`);
  const url = new URL(postgresUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const databaseUrl = url.toString();
  await (await openStore(databaseUrl)).close();
  return {
    engine,
    databaseUrl,
    dataDir,
    schema,
    postgresUrl,
    drop: async () => {
      await runPg(postgresUrl, null, `drop schema if exists "${schema}" cascade`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function runPg(connectionString, schema, ...statements) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    if (schema) await client.query(`set search_path to "${schema}"`);
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

/** One bank with `entries` random PDQ entries, inserted inside the database in big batches. */
export async function seedBank(db, entries, options = {}) {
  const started = Date.now();
  const batch = options.batch ?? 1_000_000;
  const now = new Date().toISOString();
  const name = `start-${randomBytes(3).toString('hex')}`;
  const columns =
    'bank_id, signal_type, value, classification, provenance, provenance_source, reviewer_count, added_by, disabled, created_at, updated_at';
  if (db.engine === 'sqlite') {
    const sqlite = new BetterSqlite3(db.file);
    try {
      sqlite.pragma('journal_mode = WAL');
      // The bank through SQL too, with its change-log row, as the store writes them.
      const bankId = Number(
        sqlite
          .prepare(
            `insert into banks (name, description, kind, default_actions, pdq_threshold, enabled, webhook_url, webhook_secret, created_at, updated_at)
             values (?, '', 'known_csam', '[]', 31, 1, null, null, ?, ?)`,
          )
          .run(name, now, now).lastInsertRowid,
      );
      sqlite
        .prepare(`insert into bank_changes (op, bank_id, at) values ('bank_upsert', ?, ?)`)
        .run(bankId, now);
      const insert = sqlite.prepare(
        `with recursive n(i) as (select 1 union all select i + 1 from n where i < ?)
         insert into bank_entries (${columns})
         select ?, 'pdq', lower(hex(randomblob(32))), '{}', '{"source":"bench"}', 'bench', 0, 'bench', 0, ?, ? from n`,
      );
      for (let done = 0; done < entries; done += batch) {
        const count = Math.min(batch, entries - done);
        sqlite.transaction(() => insert.run(count, bankId, now, now))();
        options.onProgress?.(done + count);
      }
      return { bankId, ms: Date.now() - started };
    } finally {
      sqlite.close();
    }
  }
  const client = new pg.Client({ connectionString: db.postgresUrl });
  await client.connect();
  try {
    await client.query(`set search_path to "${db.schema}"`);
    const { rows } = await client.query(
      `insert into banks (name, description, kind, default_actions, pdq_threshold, enabled, webhook_url, webhook_secret, created_at, updated_at)
       values ($1, '', 'known_csam', '[]', 31, true, null, null, $2, $2) returning id`,
      [name, now],
    );
    const bankId = Number(rows[0].id);
    await client.query(`insert into bank_changes (op, bank_id, at) values ('bank_upsert', $1, $2)`, [
      bankId,
      now,
    ]);
    for (let done = 0; done < entries; done += batch) {
      const count = Math.min(batch, entries - done);
      await client.query(
        `insert into bank_entries (${columns})
         select $1, 'pdq', md5(random()::text || g) || md5(g || random()::text), '{}', '{"source":"bench"}', 'bench', 0, 'bench', false, $2, $2
         from generate_series(1, $3::int) g`,
        [bankId, now, count],
      );
      options.onProgress?.(done + count);
    }
    await client.query('analyze bank_entries');
    return { bankId, ms: Date.now() - started };
  } finally {
    await client.end();
  }
}

async function freePort() {
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address();
  await new Promise((r) => probe.close(r));
  return port;
}

function vmHwmMb(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmHWM:'));
    return line ? Number(line.replace(/\D+/g, '')) / 1024 : null;
  } catch {
    return null;
  }
}

/** Starts a server process on `db`, measures its start (see the API above), stops it. */
export async function measureStart(db, options = {}) {
  const pollMs = options.pollMs ?? 20;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const snapshotPath = join(db.dataDir, 'match-index.snapshot');
  if (options.snapshot === 'remove') rmSync(snapshotPath, { force: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), join(ROOT, 'apps/server/dist/main.js')],
    {
      env: {
        ...process.env,
        HASHLINE_DATA_DIR: db.dataDir,
        HASHLINE_DATABASE_URL: db.databaseUrl,
        HASHLINE_LOG_LEVEL: 'warn',
        HASHLINE_HASHING_THREADS: '1',
        HASHLINE_CAPTURE_WORKER: 'false',
        HASHLINE_TAKEDOWN_SCHEDULER: 'false',
        HASHLINE_ADMIN_TOKEN: `hl_${randomBytes(8).toString('hex')}_${randomBytes(24).toString('base64url')}`,
        HOST: '127.0.0.1',
        PORT: String(port),
        ...options.env,
      },
      stdio: ['ignore', 'ignore', options.stderr ?? 'ignore'],
    },
  );
  const exited = new Promise((r) => child.once('exit', r));
  let ready = false;
  let done = false;
  let listening = false;
  let worstHealthMs = 0;
  let worstHealthWhileLoadingMs = 0;
  let healthChecks = 0;
  let firstHealthMs = null;
  let healthFailures = 0;
  let peakRssMb = 0;
  // /healthz every pollMs, each timed: from the first answer on, a failure or a slow answer counts.
  const healthLoop = (async () => {
    while (!done) {
      const t0 = performance.now();
      try {
        const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(30_000) });
        await response.arrayBuffer();
        const ms = performance.now() - t0;
        listening = true;
        firstHealthMs ??= Date.now() - started;
        healthChecks++;
        if (response.status !== 200) healthFailures++;
        worstHealthMs = Math.max(worstHealthMs, ms);
        if (!ready) worstHealthWhileLoadingMs = Math.max(worstHealthWhileLoadingMs, ms);
      } catch {
        if (listening) healthFailures++;
      }
      peakRssMb = Math.max(peakRssMb, vmHwmMb(child.pid) ?? 0);
      await sleep(pollMs);
    }
  })();
  let readyMs = null;
  let status = null;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
      if (Date.now() - started > timeoutMs) throw new Error('the server was not ready in time');
      const r = await fetch(`${base}/readyz`).then(
        async (res) => ({ code: res.status, body: await res.json() }),
        () => null,
      );
      if (r?.code === 200) {
        readyMs = Date.now() - started;
        ready = true;
        status = r.body;
        break;
      }
      await sleep(50);
    }
    let snapshotWrittenMs = null;
    if (options.waitForSnapshot !== false && options.env?.HASHLINE_INDEX_SNAPSHOT !== 'off') {
      for (;;) {
        const r = await fetch(`${base}/readyz`).then((res) => res.json());
        const wanted = status.index.source === 'store' ? r.index.snapshotSeq !== null : true;
        if (wanted) {
          snapshotWrittenMs = status.index.source === 'store' ? Date.now() - started : null;
          break;
        }
        if (Date.now() - started > timeoutMs) throw new Error('no snapshot written in time');
        await sleep(100);
      }
    }
    peakRssMb = Math.max(peakRssMb, vmHwmMb(child.pid) ?? 0);
    return {
      readyMs,
      firstHealthMs,
      worstHealthMs: Math.round(worstHealthMs * 10) / 10,
      worstHealthWhileLoadingMs: Math.round(worstHealthWhileLoadingMs * 10) / 10,
      healthChecks,
      healthFailures,
      peakRssMb: Math.round(peakRssMb),
      source: status.index.source,
      loadMs: status.index.loadMs,
      pdqEntries: status.index.pdqEntries,
      snapshotWrittenMs,
      snapshotBytes: existsSync(snapshotPath) ? statSync(snapshotPath).size : null,
    };
  } finally {
    done = true;
    await healthLoop;
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }
}
