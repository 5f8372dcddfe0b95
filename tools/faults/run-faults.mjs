#!/usr/bin/env node
// `npm run test:faults [-- --smoke] [vitest options]`: the fault suite (vitest.faults.config.ts).
// --smoke runs the CI subset (a few cases, small loads). The servers under test run from
// apps/*/dist and packages/*/dist, so a stale build would test old code: this refuses to start
// when a workspace's sources are newer than its build, and says what to run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** The workspaces a server process loads at run time. */
const RUNTIME_WORKSPACES = [
  'packages/pdq',
  'packages/matcher',
  'packages/domain',
  'packages/storage',
  'packages/node-worker',
  'packages/media-node',
  'packages/capture-node',
  'apps/server',
];

/** Newest modification time of the files under `dir` (0 when it does not exist). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const stale = RUNTIME_WORKSPACES.filter((ws) => {
  const built = newest(join(root, ws, 'dist'));
  return built === 0 || newest(join(root, ws, 'src')) > built;
});
if (stale.length > 0) {
  console.error(
    `The fault suite runs the built server, but ${stale.join(', ')} ${stale.length === 1 ? 'has' : 'have'} ` +
      'sources newer than the build (or no build): run `npm run build` first.',
  );
  process.exit(2);
}

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const rest = args.filter((arg) => arg !== '--smoke');
const result = spawnSync('npx', ['vitest', 'run', '--config', 'vitest.faults.config.ts', ...rest], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, HASHLINE_FAULTS_SMOKE: smoke ? '1' : '0' },
});
process.exit(result.status ?? 1);
