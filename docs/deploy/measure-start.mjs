// Measures `npm start` from the command to its banner ("Hashline is running at ..."), then stops
// the server. Usage: node docs/deploy/measure-start.mjs [cold|warm]
//   cold: forgets every workspace's build digest first, so every workspace is rebuilt (what the
//         old `npm start` did on every start);
//   warm: starts the checkout as it is (a restart of an unchanged checkout).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const mode = process.argv[2] ?? 'warm';
const workspaces = [
  'packages/pdq',
  'packages/matcher',
  'packages/domain',
  'packages/storage',
  'packages/node-worker',
];
workspaces.push('packages/media-node', 'packages/capture-node', 'apps/server', 'apps/web', 'apps/cli');
if (mode === 'cold') {
  for (const w of workspaces) rmSync(join(ROOT, w, 'dist/.build-digest'), { force: true });
}
const dataDir = mkdtempSync(join(tmpdir(), 'hashline-start-'));
const started = performance.now();
const child = spawn('npm', ['start'], {
  cwd: ROOT,
  env: { ...process.env, HASHLINE_DATA_DIR: dataDir, PORT: '0' },
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
let output = '';
const seconds = await new Promise((resolveSeconds, reject) => {
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    output += chunk;
    if (output.includes('Hashline is running at')) resolveSeconds((performance.now() - started) / 1000);
  });
  child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before its banner:\n${output}`)));
});
for (const line of output.split('\n')) if (/^(built|build:)/.test(line)) console.log(line);
process.kill(-child.pid, 'SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dataDir, { recursive: true, force: true });
console.log(
  `npm start (${mode}): ${seconds.toFixed(1)} s to the banner; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
