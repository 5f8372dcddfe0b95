// Matched requests per second over HTTP, the server as users run it (dist/main.js in a child
// process, logging at info to a file), with group commit of match records on and off in the same
// run: `groupSize` 1 is the previous path (one transaction and one durable commit per record).
// Used by bench/http.bench.mjs (BENCH_MATCHED=1) and reusable by other benchmarks (bench:scale).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startServerProcess } from './server-process.mjs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { issueApiKey } from '@hashline/server';
import { openStore } from '@hashline/storage';

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** A random PDQ hash as hex (never degenerate enough to be refused at 100k). */
export function randomPdq() {
  let hex = '';
  for (let i = 0; i < 64; i++) hex += ((Math.random() * 16) | 0).toString(16);
  return hex;
}

/** Adds `count` random PDQ hashes to a bank in batches of 10,000; returns them. */
export async function bankRandomPdq(store, bankId, count) {
  const banked = [];
  for (let done = 0; done < count; done += 10_000) {
    const batch = Array.from({ length: Math.min(10_000, count - done) }, () => {
      const value = randomPdq();
      banked.push(value);
      return { signalType: 'pdq', value, quality: 90 };
    });
    await store.addEntries(bankId, batch, 'bench');
  }
  return banked;
}

/** `hex` with its first `bits` bits flipped: within the default PDQ threshold of the original. */
export function flipBits(hex, bits) {
  const digits = [...hex].map((d) => parseInt(d, 16));
  for (let b = 0; b < bits; b++) digits[b >> 2] ^= 8 >> (b & 3);
  return digits.map((d) => d.toString(16)).join('');
}

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median of the rounds' mean group sizes, over the rounds that committed ('' if none did). */
function meanGroup(samples) {
  const means = samples.map((s) => s.meanGroup).filter((m) => m !== null);
  return means.length > 0 ? Number(median(means).toFixed(1)) : '';
}

function metric(text, name) {
  return Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? NaN);
}

/**
 * Measures matched requests per second (POST /v1/match, one PDQ hash 8 bits from a banked one:
 * every request matches and writes a match record, plus a webhook notification when `webhooks`)
 * with each of `modes` (`{ name, groupSize, unmatched? }`, groupSize → HASHLINE_MATCH_RECORD_GROUP_SIZE;
 * `unmatched` sends random hashes instead, which match nothing: the ceiling without records),
 * `rounds` times each, alternating modes so drifting machine load hits them alike.
 *
 * @param {object} options
 * @param {'sqlite' | 'postgres'} [options.engine] default sqlite (a file in a temporary folder)
 * @param {string} [options.postgresUrl] server for `postgres` (a fresh schema is created and dropped)
 * @param {number} [options.entries] PDQ hashes in the bank (default 20,000)
 * @param {number} [options.seconds] per measurement (default 10)
 * @param {number} [options.connections] concurrent HTTP connections (default 32)
 * @param {number} [options.rounds] measurements per mode (default 3; the median is reported)
 * @param {boolean} [options.webhooks] the bank has a webhook (to a loopback sink answering 204): each record queues a notification (default true)
 * @param {{ name: string, groupSize: number, unmatched?: boolean, env?: Record<string, string> }[]} [options.modes] each with its own server environment `env` (beside serverEnv)
 * @param {Record<string, string>} [options.serverEnv] more environment for the server
 * @param {string[]} [options.nodeArgs] Node options for the server (e.g. `--cpu-prof`)
 * @param {boolean} [options.verify] after the rounds, drain the webhook outbox and check every answered record and delivery (default true)
 * @param {(line: string) => void} [options.log]
 * @returns {Promise<{ engine: string, entries: number, connections: number, loadavg: number[], rows: object[] }>}
 */
export async function measureMatchedRequests(options = {}) {
  const {
    engine = 'sqlite',
    postgresUrl = process.env.HASHLINE_BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test',
    entries = 20_000,
    seconds = 10,
    connections = 32,
    rounds = 3,
    webhooks = true,
    modes = [
      { name: 'one commit per record (previous path)', groupSize: 1 },
      { name: 'group commit', groupSize: 256 },
      { name: 'reference: unmatched requests (no record)', groupSize: 256, unmatched: true },
    ],
    serverEnv = {},
    nodeArgs = [],
    verify = true,
    log = () => undefined,
  } = options;
  const temp = mkdtempSync(join(tmpdir(), 'hashline-matched-bench-'));
  let databaseUrl = `sqlite:${join(temp, 'hashline.db')}`;
  let dropSchema = async () => undefined;
  if (engine === 'postgres') {
    const schema = `hl_bench_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create schema "${schema}"`);
    await admin.end();
    const url = new URL(postgresUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    databaseUrl = url.toString();
    dropSchema = async () => {
      const cleanup = new pg.Client({ connectionString: postgresUrl });
      await cleanup.connect();
      await cleanup.query(`drop schema "${schema}" cascade`);
      await cleanup.end();
    };
  }
  let delivered = 0;
  // Every notification the sink received, by idempotency key (a redelivery repeats the key).
  const receivedKeys = new Set();
  const sink = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      delivered++;
      receivedKeys.add(request.headers['idempotency-key']);
      response.writeHead(204).end();
    });
  });
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));
  try {
    const store = await openStore(databaseUrl);
    const bank = await store.createBank({
      name: 'bench',
      kind: 'test',
      ...(webhooks
        ? {
            webhookUrl: `http://127.0.0.1:${sink.address().port}/hook`,
            webhookSecret: randomBytes(24).toString('hex'),
          }
        : {}),
    });
    const banked = await bankRandomPdq(store, bank.id, entries);
    const { key, token } = issueApiKey('bench', ['match'], 1_000_000);
    await store.createApiKey(key);
    await store.close();

    const unmatched = Array.from({ length: 5_000 }, () =>
      JSON.stringify({ hashes: [{ signalType: 'pdq', value: randomPdq() }] }),
    );
    const bodies = Array.from({ length: 5_000 }, () =>
      JSON.stringify({
        hashes: [{ signalType: 'pdq', value: flipBits(banked[(Math.random() * banked.length) | 0], 8) }],
      }),
    );
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // The match records the answers referred to (checked against the database at the end).
    const answeredRecords = new Set();
    const run = async (url, duration, list = bodies) => {
      let i = 0;
      return autocannon({
        url,
        connections,
        duration,
        requests: [
          {
            method: 'POST',
            path: '/v1/match',
            headers,
            setupRequest: (request) => ({ ...request, body: list[i++ % list.length] }),
            onResponse: (status, body) => {
              if (status !== 200) return;
              const id = /"recordId":(\d+)/.exec(body)?.[1];
              if (id) answeredRecords.add(Number(id));
            },
          },
        ],
      });
    };

    const samples = new Map(modes.map((mode) => [mode.name, []]));
    for (let round = 1; round <= rounds; round++) {
      for (const mode of round % 2 ? modes : [...modes].reverse()) {
        const server = await startServerProcess({
          databaseUrl,
          dataDir: temp,
          nodeArgs,
          env: { ...serverEnv, ...mode.env, HASHLINE_MATCH_RECORD_GROUP_SIZE: String(mode.groupSize) },
        });
        try {
          const list = mode.unmatched ? unmatched : bodies;
          await run(server.url, 1, list); // warm-up: JIT, connections, caches
          const before = await (await fetch(`${server.url}/metrics`)).text();
          const cpu = cpuSeconds(server.pid);
          const result = await run(server.url, seconds, list);
          const serverCpu = (cpuSeconds(server.pid) - cpu) / result.duration;
          const after = await (await fetch(`${server.url}/metrics`)).text();
          const commits =
            metric(after, 'hashline_match_record_commits_total') -
            metric(before, 'hashline_match_record_commits_total');
          const records =
            metric(after, 'hashline_match_records_committed_total') -
            metric(before, 'hashline_match_records_committed_total');
          // A counter's labelled line appears with its first increment: absent counts as 0.
          const deliveredSoFar = (text) =>
            metric(text, 'hashline_webhook_deliveries_total\\{outcome="delivered"\\}') || 0;
          const deliveredInWindow = deliveredSoFar(after) - deliveredSoFar(before);
          const sample = {
            reqPerSec: result.requests.average,
            p50: result.latency.p50,
            p99: result.latency.p99,
            non2xx: result.non2xx,
            errors: result.errors + result.timeouts,
            // No commit in the window (unmatched requests write no record): no mean, not 0/0.
            meanGroup: commits > 0 ? records / commits : null,
            serverCpu,
            records,
            // Webhook deliveries made while the load ran.
            deliveredInWindow,
          };
          samples.get(mode.name).push(sample);
          log(
            `${engine} round ${round} ${mode.name}: ${Math.round(sample.reqPerSec)} req/s, p99 ${sample.p99} ms, ` +
              `mean group ${sample.meanGroup === null ? '—' : sample.meanGroup.toFixed(1)}, server CPU ${Math.round(serverCpu * 100)}%, ` +
              `non-2xx ${sample.non2xx}${webhooks ? `, webhooks delivered ${sample.deliveredInWindow} for ${sample.records} records` : ''}, ` +
              `load ${loadavg()[0].toFixed(2)}`,
          );
        } finally {
          await server.stop();
        }
      }
    }
    const rows = modes.map((mode) => {
      const list = samples.get(mode.name);
      return {
        mode: mode.name,
        groupSize: mode.groupSize,
        'matched req/s (median)': Math.round(median(list.map((s) => s.reqPerSec))),
        rounds: list.map((s) => Math.round(s.reqPerSec)).join(' / '),
        'p50 ms': median(list.map((s) => s.p50)),
        'p99 ms': median(list.map((s) => s.p99)),
        'mean group': mode.unmatched ? '' : meanGroup(list),
        'non-2xx': list.reduce((n, s) => n + s.non2xx, 0),
        errors: list.reduce((n, s) => n + s.errors, 0),
        'server CPU': `${Math.round(median(list.map((s) => s.serverCpu)) * 100)}%`,
        ...(webhooks
          ? {
              'delivered / records in window': list
                .map((s) =>
                  s.records > 0 ? `${s.deliveredInWindow}/${s.records}` : `${s.deliveredInWindow}/—`,
                )
                .join(' '),
            }
          : {}),
      };
    });
    const loadAtEnd = loadavg();
    const check =
      verify &&
      (await verifyRecordsAndDeliveries({
        engine,
        databaseUrl,
        dataDir: temp,
        answeredRecords,
        receivedKeys,
        webhooks,
        log,
      }));
    return { engine, entries, connections, webhooks, delivered, check, loadavg: loadAtEnd, rows };
  } finally {
    sink.closeAllConnections();
    await new Promise((r) => sink.close(r));
    await dropSchema().catch(() => undefined);
    rmSync(temp, { recursive: true, force: true });
  }
}

/**
 * After the measurements: lets a server run without load until the webhook outbox is empty (at
 * most `drainSeconds`), then checks in the database that every match record an answer referred to
 * was committed, and, with webhooks, that each record has its delivery, marked delivered, and that
 * the sink received every delivery's idempotency key. Throws when something is missing.
 */
async function verifyRecordsAndDeliveries({
  engine,
  databaseUrl,
  dataDir,
  answeredRecords,
  receivedKeys,
  webhooks,
  log,
  drainSeconds = 600,
}) {
  const drainStart = performance.now();
  // The server's CPU time per delivery while it drains the outbox with no requests coming in: what
  // the dispatcher costs the process, hardly affected by other processes' load (unlike wall time).
  let drain = { deliveries: 0, cpuSeconds: 0 };
  if (webhooks) {
    const server = await startServerProcess({ databaseUrl, dataDir });
    const cpuAtStart = cpuSeconds(server.pid);
    try {
      for (let first = true; ; first = false) {
        const text = await (await fetch(`${server.url}/metrics`)).text();
        const waiting =
          metric(text, 'hashline_webhook_outbox_deliveries\\{status="pending"\\}') +
          metric(text, 'hashline_webhook_outbox_deliveries\\{status="retrying"\\}');
        const deliveredSoFar =
          metric(text, 'hashline_webhook_deliveries_total\\{outcome="delivered"\\}') || 0;
        if (first) drain.deliveries = -deliveredSoFar;
        if (waiting === 0) {
          drain = {
            deliveries: drain.deliveries + deliveredSoFar,
            cpuSeconds: cpuSeconds(server.pid) - cpuAtStart,
          };
          break;
        }
        if (performance.now() - drainStart > drainSeconds * 1000) {
          throw new Error(`the webhook outbox still holds ${waiting} deliveries after ${drainSeconds} s`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await server.stop();
    }
  }
  const drainMs = performance.now() - drainStart;
  const rows = await readOutcome(engine, databaseUrl);
  const recordIds = new Set(rows.records);
  const missingRecords = [...answeredRecords].filter((id) => !recordIds.has(id));
  // One bank with a webhook: each record's notification has the key match-<record>-<bank>.
  const notifiedRecords = new Set(
    rows.deliveries.map((d) => Number(/^match-(\d+)-/.exec(d.idempotency_key)?.[1])),
  );
  const recordsWithoutDelivery = webhooks ? rows.records.filter((id) => !notifiedRecords.has(id)) : [];
  const notDelivered = rows.deliveries.filter((d) => d.status !== 'delivered');
  const notReceived = rows.deliveries.filter((d) => !receivedKeys.has(d.idempotency_key));
  const check = {
    'answers with a record': answeredRecords.size,
    'records in database': rows.records.length,
    'answered records missing': missingRecords.length,
    deliveries: rows.deliveries.length,
    'records without a delivery': recordsWithoutDelivery.length,
    'deliveries not delivered': notDelivered.length,
    'deliveries the sink never received': notReceived.length,
    'outbox drained in': webhooks ? `${(drainMs / 1000).toFixed(1)} s` : '—',
    'drain: deliveries': drain.deliveries,
    'drain: server CPU ms per delivery':
      drain.deliveries > 0 ? Number(((drain.cpuSeconds * 1000) / drain.deliveries).toFixed(3)) : '—',
  };
  log(`${engine} check: ${JSON.stringify(check)}`);
  if (missingRecords.length + recordsWithoutDelivery.length + notDelivered.length + notReceived.length > 0) {
    throw new Error(`records or deliveries missing: ${JSON.stringify(check)}`);
  }
  return check;
}

/** Every match record id and every delivery's key and status, read straight from the database. */
async function readOutcome(engine, databaseUrl) {
  if (engine === 'postgres') {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const records = (await client.query('select id from match_records')).rows.map((r) => Number(r.id));
      const deliveries = (await client.query('select idempotency_key, status from webhook_deliveries')).rows;
      return { records, deliveries };
    } finally {
      await client.end();
    }
  }
  const db = new Database(databaseUrl.replace(/^sqlite:/, ''), { readonly: true });
  try {
    const records = db
      .prepare('select id from match_records')
      .all()
      .map((r) => Number(r.id));
    const deliveries = db.prepare('select idempotency_key, status from webhook_deliveries').all();
    return { records, deliveries };
  } finally {
    db.close();
  }
}
