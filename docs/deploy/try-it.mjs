// Runs the deployment of docs/deploy.md on this machine and prints what it shows:
// three Hashline server processes on 127.0.0.1 (the systemd units' ExecStart and environment
// file, without systemd), one PostgreSQL database, HAProxy in front with haproxy.cfg from this
// folder (its ports moved to free ones). Then, through the proxy: health, a change made through
// one process and matched through the others, the shared rate limit, a server stopped and
// restarted under traffic, and a short load test. Everything is stopped and dropped at the end.
//
//   npm run build            # once (or: node tools/build-changed.mjs)
//   node docs/deploy/try-it.mjs
//
// Needs PostgreSQL (HASHLINE_DEPLOY_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres:
// the script creates and drops the database hashline_deploy_try) and haproxy on the PATH.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(HERE, '../..');
const ADMIN_URL = process.env.HASHLINE_DEPLOY_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = 'hashline_deploy_try';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = new Set();
const temp = mkdtempSync(join(tmpdir(), 'hashline-deploy-'));

async function freePort() {
  const probe = createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address();
  await new Promise((r) => probe.close(r));
  return port;
}

async function admin(sql) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function call(base, token, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed };
}

/** hashline.env.example as an object, with the placeholders this run fills in. */
function environmentFile(overrides) {
  const env = {};
  for (const line of readFileSync(join(HERE, 'hashline.env.example'), 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return { ...env, ...overrides };
}

/** What systemd would run for hashline@<port>, with the jobs drop-in on the first instance. */
function startServer(port, env, jobs) {
  const dataDir = join(temp, String(port));
  const child = spawn(process.execPath, [join(ROOT, 'apps/server/dist/main.js')], {
    env: {
      PATH: process.env.PATH,
      ...env,
      PORT: String(port),
      HASHLINE_DATA_DIR: dataDir,
      ...(jobs ? { HASHLINE_CAPTURE_WORKER: 'true', HASHLINE_TAKEDOWN_SCHEDULER: 'true' } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.setEncoding('utf8').on('data', (d) => process.stderr.write(`[server ${port}] ${d}`));
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function waitFor(what, condition, ms = 120_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await condition().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** HAProxy's view of the backend servers (CSV stats): name → status and sessions served. */
async function backendStatus(statsUrl) {
  const csv = await fetch(`${statsUrl};csv`).then((r) => r.text());
  const lines = csv.trim().split('\n');
  const header = lines[0].replace(/^# /, '').split(',');
  const out = {};
  for (const line of lines.slice(1)) {
    const row = Object.fromEntries(line.split(',').map((v, i) => [header[i], v]));
    if (row.pxname === 'hashline_servers' && row.svname.startsWith('s'))
      out[row.svname] = { status: row.status, served: Number(row.stot) };
  }
  return out;
}

const log = (line) => console.log(line);
let haproxy;
try {
  await admin(`drop database if exists ${DATABASE}`);
  await admin(`create database ${DATABASE}`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${DATABASE}`;
  const adminToken = `hl_${randomBytes(8).toString('hex')}_${randomBytes(24).toString('base64url')}`;
  const env = environmentFile({
    HASHLINE_DATABASE_URL: dbUrl.toString(),
    HASHLINE_SECRET_KEY: randomBytes(32).toString('base64'),
    HASHLINE_ADMIN_TOKEN: adminToken,
    HASHLINE_LOG_LEVEL: 'warn',
    HASHLINE_HASHING_THREADS: '1',
  });

  // ---- three servers (hashline@<port>), then HAProxy ----
  const ports = [await freePort(), await freePort(), await freePort()];
  const proxyPort = await freePort();
  const statsPort = await freePort();
  const started = performance.now();
  const servers = ports.map((port, i) => startServer(port, env, i === 0));
  const config = readFileSync(join(HERE, 'haproxy.cfg'), 'utf8')
    .replace('127.0.0.1:8080', `127.0.0.1:${proxyPort}`)
    .replace('127.0.0.1:8404', `127.0.0.1:${statsPort}`)
    .replace('127.0.0.1:8081', `127.0.0.1:${ports[0]}`)
    .replace('127.0.0.1:8082', `127.0.0.1:${ports[1]}`)
    .replace('127.0.0.1:8083', `127.0.0.1:${ports[2]}`);
  const configFile = join(temp, 'haproxy.cfg');
  writeFileSync(configFile, config);
  haproxy = spawn('haproxy', ['-db', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  haproxy.stderr.setEncoding('utf8').on('data', (d) => {
    if (/ALERT|is DOWN|is UP/.test(d)) process.stdout.write(`  [haproxy] ${d.trim()}\n`);
  });
  const proxy = `http://127.0.0.1:${proxyPort}`;
  const stats = `http://127.0.0.1:${statsPort}/stats`;
  log(
    `servers on 127.0.0.1:${ports.join(', :')}; haproxy on ${proxy} (stats ${stats}); database ${DATABASE}`,
  );
  await waitFor('all three servers UP in haproxy', async () => {
    const s = await backendStatus(stats);
    return Object.values(s).length === 3 && Object.values(s).every((b) => b.status === 'UP');
  });
  log(
    `1. all three servers ready and UP behind haproxy after ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  log(`   GET /healthz → ${JSON.stringify((await call(proxy, null, 'GET', '/healthz')).body)}`);
  const ready = (await call(proxy, null, 'GET', '/readyz')).body;
  log(`   GET /readyz  → ready ${ready.ready}, store ${ready.store}, lag ${ready.lag}`);

  // ---- a change through the proxy, matched through the proxy (other processes) ----
  const bank = await call(proxy, adminToken, 'POST', '/v1/banks', { name: 'deploy-demo', kind: 'test' });
  const matchKey = await call(proxy, adminToken, 'POST', '/v1/api-keys', {
    name: 'platform',
    scopes: ['match'],
    rateLimitPerSecond: 1_000_000,
  });
  const token = matchKey.body.token;
  const waits = [];
  const rounds = 30;
  for (let i = 0; i < rounds; i++) {
    const value = randomBytes(16).toString('hex');
    await call(proxy, adminToken, 'POST', '/v1/banks/deploy-demo/entries', {
      entries: [{ signalType: 'md5', value }],
    });
    const acknowledged = performance.now();
    // Three requests at once go to the three servers (leastconn); repeated until all three match.
    for (;;) {
      const answers = await Promise.all(
        [0, 1, 2].map(() =>
          call(proxy, token, 'POST', '/v1/match', { hashes: [{ signalType: 'md5', value }] }),
        ),
      );
      if (answers.every((a) => a.status === 200 && a.body.results[0].matched)) break;
    }
    waits.push(performance.now() - acknowledged);
  }
  waits.sort((a, b) => a - b);
  log(
    `2. bank ${bank.status === 201 ? 'created' : bank.status}; ${rounds} entries added through the proxy; from each ` +
      `acknowledgement until 3 concurrent match requests through the proxy all matched: median ` +
      `${waits[rounds >> 1].toFixed(1)} ms, max ${waits.at(-1).toFixed(1)} ms`,
  );
  log(`   requests served per server so far: ${JSON.stringify(await backendStatus(stats))}`);

  // ---- one rate limit across the three processes ----
  const limited = await call(proxy, adminToken, 'POST', '/v1/api-keys', {
    name: 'limited',
    scopes: ['match'],
    rateLimitPerSecond: 5,
  });
  const t0 = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: 300 }, () => call(proxy, limited.body.token, 'GET', '/v1/me').then((r) => r.status)),
  );
  const seconds = (performance.now() - t0) / 1000;
  log(
    `3. a key limited to 5/s (bucket 25): 300 requests through the proxy in ${seconds.toFixed(2)} s → ` +
      `${statuses.filter((s) => s === 200).length} accepted, ${statuses.filter((s) => s === 429).length} refused (429); ` +
      `one bucket could grant ${(25 + 5 * seconds).toFixed(1)}`,
  );

  // ---- a server stopped and restarted under traffic ----
  let sent = 0;
  let failed = 0;
  let traffic = true;
  const load = (async () => {
    while (traffic) {
      sent++;
      const r = await call(proxy, token, 'POST', '/v1/match', {
        hashes: [{ signalType: 'md5', value: randomBytes(16).toString('hex') }],
      }).catch(() => ({ status: 0 }));
      if (r.status !== 200) failed++;
    }
  })();
  const stopAt = performance.now();
  servers[1].kill('SIGTERM');
  const code = await new Promise((r) => servers[1].once('exit', (c) => r(c)));
  await waitFor('haproxy to mark s2 DOWN', async () =>
    (await backendStatus(stats)).s2.status.startsWith('DOWN'),
  );
  const downAfter = (performance.now() - stopAt) / 1000;
  const restartAt = performance.now();
  servers[1] = startServer(ports[1], env, false);
  await waitFor('s2 UP again', async () => (await backendStatus(stats)).s2.status === 'UP');
  const upAfter = (performance.now() - restartAt) / 1000;
  traffic = false;
  await load;
  log(
    `4. s2 stopped with SIGTERM (exit ${code}), marked DOWN after ${downAfter.toFixed(1)} s, restarted and UP again ` +
      `after ${upAfter.toFixed(1)} s; meanwhile ${sent} match requests through the proxy, ${failed} failed`,
  );

  // ---- capacity through the proxy ----
  const rows = [];
  for (const [name, hashes] of [
    ['1 hash per request', 1],
    ['100 hashes per request', 100],
  ]) {
    const body = JSON.stringify({
      hashes: Array.from({ length: hashes }, () => ({
        signalType: 'md5',
        value: randomBytes(16).toString('hex'),
      })),
    });
    const result = await autocannon({
      url: `${proxy}/v1/match`,
      method: 'POST',
      connections: 16,
      duration: 10,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    rows.push({
      scenario: `POST /v1/match, ${name}`,
      'req/s': Math.round(result.requests.average),
      'hashes/s': Math.round(result.requests.average * hashes),
      'p50 ms': result.latency.p50,
      'p99 ms': result.latency.p99,
      errors: result.errors + result.non2xx,
      'load avg': loadavg()[0].toFixed(2),
    });
  }
  log(
    '5. capacity through haproxy, 3 processes, 16 connections, 10 s each (client and servers share this machine):',
  );
  console.table(rows);
  log(`   requests served per server: ${JSON.stringify(await backendStatus(stats))}`);
} finally {
  haproxy?.kill('SIGTERM');
  for (const child of children) child.kill('SIGTERM');
  await Promise.all([...children].map((c) => new Promise((r) => c.once('exit', r))));
  await admin(`drop database if exists ${DATABASE}`).catch(() => undefined);
  rmSync(temp, { recursive: true, force: true });
}
