// One measurement of bench/lib/import-measure.mjs, in a process of its own: prints one JSON line.
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BankService, Problems, importHashList, parseHashList, parseNewEntry } from '@hashline/domain';
import { openPostgresStore, openSqliteStore } from '@hashline/storage';
import pg from 'pg';

const options = JSON.parse(process.argv.at(-1));
const { mode, engine, file, rows } = options;
const postgresUrl = options.postgresUrl ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `bench_import_${process.pid}_${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), 'hashline-bench-import-'));

const text = () => createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 18 });

async function openEngineStore() {
  return engine === 'sqlite'
    ? openSqliteStore({ file: join(dir, 'store.db') })
    : openPostgresStore({ connectionString: postgresUrl, schema });
}

class TimeBoxed extends Error {}

async function runImport() {
  const store = await openEngineStore();
  let start = performance.now();
  let committed = 0;
  try {
    const service = new BankService(store);
    await service.createBank({ name: 'bench', kind: 'test' });
    start = performance.now();
    const maxMs = (options.maxSeconds ?? Infinity) * 1000;
    const summary = await importHashList(service, 'bench', text, {
      format: 'csv',
      onError: 'skip',
      addedBy: 'bench',
      origin: 'import:bench.csv',
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      // 'batches': the import path as it was before staging (every batch applied as read).
      ...(mode === 'batches' ? { stageAfterRecords: Infinity } : {}),
      onProgress: (progress) => {
        committed = progress.committedRecords;
        // Time-boxed (the previous path): stops reading; the batch in flight still commits.
        if (performance.now() - start > maxMs) throw new TimeBoxed();
      },
    });
    const seconds = (performance.now() - start) / 1000;
    if (summary.added !== rows) throw new Error(`added ${summary.added}, expected ${rows}`);
    return { seconds, counts: { added: summary.added, errors: summary.errors }, timedOut: false };
  } catch (error) {
    if (!(error instanceof TimeBoxed)) throw error;
    const seconds = (performance.now() - start) / 1000;
    return { seconds, rowsDone: committed, counts: { added: committed }, timedOut: true };
  } finally {
    await store.close();
  }
}

/** The previous path: same parser and validation, `addEntries` in batches of 5,000. */
async function runAddEntries() {
  const store = await openEngineStore();
  try {
    const bank = await store.createBank({ name: 'bench', kind: 'test' });
    const maxMs = (options.maxSeconds ?? Infinity) * 1000;
    const start = performance.now();
    let batch = [];
    let added = 0;
    let done = 0;
    let timedOut = false;
    for await (const record of parseHashList(text(), 'csv', 'import:bench.csv')) {
      if (record.kind !== 'hash') continue;
      const problems = new Problems();
      const entry = parseNewEntry(record.hash, `line ${record.line}`, problems);
      if (!entry || problems.list.length > 0) continue;
      batch.push(entry);
      if (batch.length === 5000) {
        added += (await store.addEntries(bank.id, batch, 'bench')).created.length;
        done += batch.length;
        batch = [];
        if (performance.now() - start > maxMs) {
          timedOut = true;
          break;
        }
      }
    }
    if (batch.length > 0) {
      added += (await store.addEntries(bank.id, batch, 'bench')).created.length;
      done += batch.length;
    }
    const seconds = (performance.now() - start) / 1000;
    return { seconds, rowsDone: done, counts: { added }, timedOut };
  } finally {
    await store.close();
  }
}

/** The engine's own bulk tool into a plain table: the ceiling for this file on this machine. */
async function runCeiling() {
  const start = performance.now();
  if (engine === 'sqlite') {
    const db = join(dir, 'ceiling.db');
    const result = spawnSync(
      'sqlite3',
      [
        db,
        'create table t (signal_type text, value text, quality integer);',
        '.mode csv',
        `.import --skip 1 ${file} t`,
      ],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`sqlite3: ${result.stderr || result.error}`);
  } else {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(
      `create schema ${schema}; create table ${schema}.t (signal_type text, value text, quality integer)`,
    );
    await client.end();
    const result = spawnSync(
      'psql',
      [postgresUrl, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy ${schema}.t from '${file}' csv header`],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`psql: ${result.stderr || result.error}`);
  }
  return { seconds: (performance.now() - start) / 1000, counts: {}, timedOut: false };
}

try {
  const result =
    mode === 'import' || mode === 'batches'
      ? await runImport()
      : mode === 'addEntries'
        ? await runAddEntries()
        : await runCeiling();
  const done = result.rowsDone ?? rows;
  // The ceiling runs in a child tool: its RSS is not this process's (reported as null).
  const maxRssMb = mode === 'ceiling' ? null : Math.round(process.resourceUsage().maxRSS / 1024);
  // CPU seconds of this process (user + system): less sensitive to a busy machine than the wall
  // clock (SQLite and the import run here; PostgreSQL's own work runs in its server processes).
  const usage = process.cpuUsage();
  const cpuSeconds = mode === 'ceiling' ? null : (usage.user + usage.system) / 1e6;
  process.stdout.write(
    JSON.stringify({
      mode,
      engine,
      rows: done,
      seconds: result.seconds,
      rowsPerSecond: Math.round(done / result.seconds),
      maxRssMb,
      cpuSeconds,
      counts: result.counts,
      timedOut: result.timedOut,
    }) + '\n',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (engine === 'postgres') {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
}
