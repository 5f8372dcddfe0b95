// Bulk import over the API (issue 12): a hash list of random PDQ rows sent to a server process
// (compiled dist/, as in production) on SQLite and on PostgreSQL, two ways, measured in this run:
//   - baseline: what `hashline bank import --server` did before, JSON pages of 10,000 entries to
//     POST /v1/banks/{bank}/entries, one after the other;
//   - import job: the file streamed as the body of POST /v1/banks/{bank}/imports, then
//     GET /v1/imports/{id} polled every 100 ms until the job succeeded (upload + import).
// Each run imports fresh rows into a fresh bank. Prints rows/s per run, the medians, the ratio
// job/baseline, and the load average before and after (the machine is shared: rates are a floor).
//
// API: measureApiImport({ engine, rows, runs, postgresUrl?, log? })
//   → { engine, rows, runs, job: rows/s (median), paged: rows/s (median), ratio }
// Used by bench/import-api.bench.mjs and bench/scale.bench.mjs. Needs the compiled server.
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startServerProcess } from './server-process.mjs';

const DEFAULT_POSTGRES_URL =
  process.env.HASHLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TOKEN = `hl_bench_${randomBytes(24).toString('base64url')}`;
const PAGE = 10_000;

export const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
export const fmt = (n) => Math.round(n).toLocaleString('en');

function randomRows(count) {
  const rows = [];
  for (let i = 0; i < count; i++) rows.push(randomBytes(32).toString('hex'));
  return rows;
}

async function api(url, method, path, body, headers = {}) {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** Baseline: JSON pages of 10,000 entries, as the CLI sent them before. */
async function pagedImport(url, bank, rows) {
  const started = performance.now();
  for (let i = 0; i < rows.length; i += PAGE) {
    const entries = rows.slice(i, i + PAGE).map((value) => ({ signalType: 'pdq', value, quality: 80 }));
    await api(url, 'POST', `/v1/banks/${bank}/entries`, { entries });
  }
  return (performance.now() - started) / 1000;
}

/** The import job: the file streamed as the body, then the job polled until it ends. */
async function jobImport(url, bank, file, expected) {
  const started = performance.now();
  const response = await fetch(`${url}/v1/banks/${bank}/imports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/csv' },
    body: ReadableStream.from(createReadStream(file)),
    duplex: 'half',
  });
  if (response.status !== 202) throw new Error(`upload: ${response.status} ${await response.text()}`);
  let job = await response.json();
  const uploaded = (performance.now() - started) / 1000;
  while (job.status === 'queued' || job.status === 'running') {
    await new Promise((r) => setTimeout(r, 100));
    job = await api(url, 'GET', `/v1/imports/${job.id}`);
  }
  if (job.status !== 'succeeded' || job.counts.added !== expected) {
    throw new Error(
      `job ended ${job.status} with ${JSON.stringify(job.counts)} ${JSON.stringify(job.error)}`,
    );
  }
  return { seconds: (performance.now() - started) / 1000, uploaded };
}

/** Imports `runs` fresh files of `rows` rows into a server on `engine`, both ways; medians. */
export async function measureApiImport({
  engine,
  rows: ROWS,
  runs: RUNS = 1,
  postgresUrl = DEFAULT_POSTGRES_URL,
  log = console.log,
}) {
  const POSTGRES_URL = postgresUrl;
  const temp = mkdtempSync(join(tmpdir(), 'hashline-import-bench-'));
  let databaseUrl = `sqlite:${join(temp, 'hashline.db')}`;
  let dropSchema = async () => {};
  if (engine === 'postgres') {
    const schema = `hl_bench_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`create schema "${schema}"`);
    await admin.end();
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    databaseUrl = url.toString();
    dropSchema = async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    };
  }
  const server = await startServerProcess({
    databaseUrl,
    dataDir: temp,
    env: { HASHLINE_ADMIN_TOKEN: TOKEN, HASHLINE_RATE_LIMIT_PER_SECOND: '100000' },
  });
  try {
    const baseline = [];
    const jobs = [];
    for (let run = 1; run <= RUNS; run++) {
      const rows = randomRows(ROWS);
      const file = join(temp, `run-${run}.csv`);
      writeFileSync(file, `signal_type,value,quality\n${rows.map((v) => `pdq,${v},80`).join('\n')}\n`);
      await api(server.url, 'POST', '/v1/banks', { name: `paged-${run}`, kind: 'test' });
      await api(server.url, 'POST', '/v1/banks', { name: `job-${run}`, kind: 'test' });
      // Alternate which way goes first, so neither always meets a warmer database.
      const order = run % 2 === 1 ? ['paged', 'job'] : ['job', 'paged'];
      for (const way of order) {
        if (way === 'paged') {
          const seconds = await pagedImport(server.url, `paged-${run}`, rows);
          baseline.push(ROWS / seconds);
          log(
            `  ${engine} run ${run} baseline (JSON pages): ${seconds.toFixed(1)} s, ${fmt(ROWS / seconds)} rows/s (load ${load()})`,
          );
        } else {
          const { seconds, uploaded } = await jobImport(server.url, `job-${run}`, file, ROWS);
          jobs.push(ROWS / seconds);
          log(
            `  ${engine} run ${run} import job: ${seconds.toFixed(1)} s (upload ${uploaded.toFixed(2)} s), ${fmt(ROWS / seconds)} rows/s (load ${load()})`,
          );
        }
      }
    }
    const paged = median(baseline);
    const job = median(jobs);
    return { engine, rows: ROWS, runs: RUNS, job, paged, ratio: job / paged };
  } finally {
    await server.stop();
    await dropSchema();
    rmSync(temp, { recursive: true, force: true });
  }
}
