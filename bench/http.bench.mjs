// HTTP benchmark of the Hashline server: match-by-hash against a 100,000-hash bank, over loopback.
// Run with `npm run bench:http` (builds first: the server runs from its compiled dist/, as in
// production, in a child process of its own; autocannon drives it from this process).
//
// Set-up: a fresh SQLite database gets one bank of 100k random PDQ hashes (inserted through the
// store in batches of 10,000) and an API key with a rate limit above anything measured here; the
// server starts on 127.0.0.1 with logging at info (one line per request, to a file).
//
// Scenarios (all measured in this run, so the ratios hold on any machine):
//   - baseline: GET /healthz, no auth, no body: the floor of Fastify + loopback on this machine;
//   - POST /v1/match, one random PDQ hash (no match: the common case), auth + rate limit + index;
//   - POST /v1/match, one hash 8 bits from a banked one (match: record written to SQLite);
//   - POST /v1/match, 100 random hashes per request (hash lookups per second);
//   - G9 check: POST /v1/match at a fixed 200 req/s, p99 latency.
// The load generator and the server share the machine's cores: both CPU shares are printed.
//
// Matched mode (`npm run bench:matched`, or BENCH_MATCHED=1): matched requests per second only,
// group commit of match records against the previous one-commit-per-record path
// (HASHLINE_MATCH_RECORD_GROUP_SIZE=1) in the same run, on SQLite and PostgreSQL
// (BENCH_ENGINES=sqlite,postgres); see bench/lib/matched-requests.mjs. BENCH_WEBHOOKS=0 leaves the
// bank without a webhook; BENCH_SERVER_NODE_ARGS passes Node options to the server (--cpu-prof).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { issueApiKey } from '@hashline/server';
import { openStore } from '@hashline/storage';
import {
  bankRandomPdq,
  cpuSeconds,
  flipBits,
  measureMatchedRequests,
  randomPdq,
} from './lib/matched-requests.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
if (process.env.BENCH_MATCHED === '1' || process.argv.includes('--matched')) {
  const engines = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim());
  for (const engine of engines) {
    const result = await measureMatchedRequests({
      engine,
      entries: Number(process.env.BENCH_ENTRIES ?? 20_000),
      seconds: Number(process.env.BENCH_SECONDS ?? 10),
      connections: CONNECTIONS,
      rounds: Number(process.env.BENCH_ROUNDS ?? 3),
      webhooks: process.env.BENCH_WEBHOOKS !== '0',
      // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": the server writes a
      // profile per run on exit; `node bench/lib/cpu-profile-summary.mjs <file>` summarises it.
      nodeArgs: (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean),
      log: (line) => console.log(line),
    });
    console.log(
      `\nMatched requests on ${engine} — ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores, ` +
        `Node ${process.version}, load average ${result.loadavg.map((l) => l.toFixed(2)).join(' ')}; ` +
        `bank of ${result.entries.toLocaleString('en')} PDQ hashes${result.webhooks ? ' with a webhook' : ''}, ` +
        `${result.connections} connections, one hash per request, every request matches`,
    );
    console.table(result.rows);
    const [single, grouped, unmatched] = result.rows;
    const rate = (row) => row['matched req/s (median)'];
    console.log(
      `group commit: ${(rate(grouped) / rate(single)).toFixed(1)}× the one-commit-per-record path; ` +
        `matched requests at ${((rate(grouped) / rate(unmatched)) * 100).toFixed(0)}% of unmatched ones; ` +
        `webhooks delivered to the sink meanwhile: ${result.delivered}`,
    );
  }
  process.exit(0);
}

const temp = mkdtempSync(join(tmpdir(), 'hashline-http-bench-'));
const databaseUrl = `sqlite:${join(temp, 'hashline.db')}`;
let server;
try {
  // ---- data ----
  const setupStart = performance.now();
  const store = await openStore(databaseUrl);
  const bank = await store.createBank({ name: 'bench', kind: 'test' });
  const banked = await bankRandomPdq(store, bank.id, ENTRIES);
  const { key, token } = issueApiKey('bench', ['match'], 1_000_000);
  await store.createApiKey(key);
  await store.close();
  const insertSeconds = (performance.now() - setupStart) / 1000;

  // ---- server ----
  const logFile = join(temp, 'server.log');
  const startedAt = performance.now();
  server = spawn(
    'sh',
    ['-c', `exec "${process.execPath}" "${join(ROOT, 'apps/server/dist/main.js')}" >"${logFile}" 2>&1`],
    {
      env: {
        ...process.env,
        HASHLINE_DATA_DIR: temp,
        HASHLINE_DATABASE_URL: databaseUrl,
        HOST: '127.0.0.1',
        PORT: '0',
        HASHLINE_LOG_LEVEL: 'info',
        HASHLINE_HASHING_THREADS: '1',
      },
      stdio: 'ignore',
    },
  );
  let url;
  for (let i = 0; i < 600 && !url; i++) {
    await new Promise((r) => setTimeout(r, 100));
    url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(readFileSync(logFile, 'utf8'))?.[1];
  }
  if (!url) throw new Error(`the server did not start:\n${readFileSync(logFile, 'utf8')}`);
  let readiness;
  for (let i = 0; i < 600; i++) {
    const response = await fetch(`${url}/readyz`);
    readiness = await response.json();
    if (response.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const readySeconds = (performance.now() - startedAt) / 1000;

  // ---- load ----
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const bodies = (count, make) => Array.from({ length: count }, make);
  const cycle = (list) => {
    let i = 0;
    return (request) => ({ ...request, body: list[i++ % list.length] });
  };
  const single = bodies(20_000, () =>
    JSON.stringify({ hashes: [{ signalType: 'pdq', value: randomPdq() }] }),
  );
  const matching = bodies(5_000, () =>
    JSON.stringify({
      hashes: [{ signalType: 'pdq', value: flipBits(banked[(Math.random() * banked.length) | 0], 8) }],
    }),
  );
  const batch100 = bodies(500, () =>
    JSON.stringify({
      hashes: Array.from({ length: 100 }, () => ({ signalType: 'pdq', value: randomPdq() })),
    }),
  );

  const scenarios = [
    {
      name: 'baseline: GET /healthz (no auth, no body)',
      seconds: 10,
      request: { method: 'GET', path: '/healthz' },
    },
    { name: 'POST /v1/match, 1 random hash (no match)', seconds: SECONDS, list: single },
    {
      name: 'POST /v1/match, 1 hash 8 bits from a banked one (match, record written)',
      seconds: 10,
      list: matching,
    },
    {
      name: 'POST /v1/match, 100 random hashes per request',
      seconds: 10,
      list: batch100,
      hashesPerRequest: 100,
    },
    {
      name: 'G9: POST /v1/match, 1 random hash at a fixed 200 req/s',
      seconds: 10,
      list: single,
      overallRate: 200,
    },
  ];
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
  // prom-client resets its event-loop delay histogram at each scrape: scraping before and after a
  // scenario gives the server's own event-loop delay during it (separate from the load generator's).
  const loopDelay = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const value = (name) => Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? NaN) * 1000;
    return { p99: value('nodejs_eventloop_lag_p99_seconds'), max: value('nodejs_eventloop_lag_max_seconds') };
  };
  const rows = [];
  for (const scenario of scenarios) {
    if (only && !only.test(scenario.name)) continue;
    await loopDelay();
    const serverCpu = cpuSeconds(server.pid);
    const selfCpu = process.cpuUsage();
    const result = await autocannon({
      url,
      connections: scenario.overallRate ? 8 : CONNECTIONS,
      duration: scenario.seconds,
      ...(scenario.overallRate ? { overallRate: scenario.overallRate } : {}),
      requests: [
        scenario.request ?? {
          method: 'POST',
          path: '/v1/match',
          headers,
          setupRequest: cycle(scenario.list),
        },
      ],
    });
    const elapsed = result.duration;
    const used = process.cpuUsage(selfCpu);
    const loop = await loopDelay();
    rows.push({
      scenario: scenario.name,
      'req/s': Math.round(result.requests.average),
      'hashes/s': scenario.hashesPerRequest
        ? Math.round(result.requests.average * scenario.hashesPerRequest)
        : '',
      'p50 ms': result.latency.p50,
      'p99 ms': result.latency.p99,
      'max ms': result.latency.max,
      'non-2xx': result.non2xx,
      errors: result.errors + result.timeouts,
      'server loop p99/max ms': `${loop.p99.toFixed(0)}/${loop.max.toFixed(0)}`,
      'server CPU': `${Math.round(((cpuSeconds(server.pid) - serverCpu) / elapsed) * 100)}%`,
      'loadgen CPU': `${Math.round(((used.user + used.system) / 1e6 / elapsed) * 100)}%`,
    });
  }

  const status = await (await fetch(`${url}/readyz`)).json();
  const records = (await (await fetch(`${url}/metrics`)).text()).match(
    /hashline_match_queries_total\{[^}]*result="matched"\} (\d+)/,
  );
  console.log(
    `\nHashline HTTP benchmark — ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores, Node ${process.version}, ` +
      `load average ${loadavg()[0].toFixed(2)}`,
  );
  console.log(
    `bank: ${ENTRIES.toLocaleString('en')} random PDQ hashes inserted in ${insertSeconds.toFixed(1)} s; server ready ` +
      `(index loaded, MIH built in a worker) ${readySeconds.toFixed(1)} s after start; index: ${status.index.pdqEntries} PDQ entries; ` +
      `${CONNECTIONS} connections; logging at info to a file.`,
  );
  console.table(rows);
  if (!only) {
    const baseline = rows[0]['req/s'];
    const match = rows[1]['req/s'];
    console.log(
      `match-by-hash (no match) runs at ${((match / baseline) * 100).toFixed(0)}% of the /healthz floor; ` +
        `matched queries recorded: ${records?.[1] ?? '?'}; initial readiness: ${JSON.stringify({ lag: readiness?.lag })}`,
    );
  }
} finally {
  if (server) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  rmSync(temp, { recursive: true, force: true });
}
