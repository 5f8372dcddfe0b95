// Builds only the workspaces whose inputs changed since their last build (`npm start` runs it, so
// restarting an unchanged checkout starts the server in seconds instead of rebuilding everything).
//
// A workspace's inputs are every file in its folder except node_modules/, dist/ and test/ (its
// sources, package.json, tsconfig*.json, vite.config.ts, HTML pages), the root tsconfig.base.json
// and package-lock.json, and the input digests of the workspaces it depends on (dependencies and
// devDependencies): a change in `domain` rebuilds `storage`, `server`, `cli`... Content digests,
// not modification times, so a copied or checked-out dist/ is never mistaken for current. After a
// successful build the digest is written to <workspace>/dist/.build-digest; a workspace whose
// digest matches is skipped. `--all` builds every workspace (and records the digests).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'test', 'coverage', '.data']);
const STAMP = '.build-digest';
const all = process.argv.includes('--all');

/** Every file below `dir` that can change a build, in a stable order. */
function inputFiles(dir) {
  const files = [];
  const walk = (at) => {
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(join(at, entry.name));
      } else if (entry.isFile() && !entry.name.endsWith('.tsbuildinfo')) {
        files.push(join(at, entry.name));
      }
    }
  };
  walk(dir);
  return files;
}

const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const shared = createHash('sha256');
for (const file of ['tsconfig.base.json', 'package-lock.json']) {
  shared
    .update(file)
    .update('\0')
    .update(readFileSync(join(ROOT, file)))
    .update('\0');
}
const sharedDigest = shared.digest('hex');

const digests = new Map(); // package name -> input digest
let built = 0;
const started = performance.now();
// The root `workspaces` list is in dependency order (ARCHITECTURE.md), so dependencies come first.
for (const folder of rootPackage.workspaces) {
  const dir = join(ROOT, folder);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!pkg.scripts?.build) continue;
  const hash = createHash('sha256').update(sharedDigest);
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).sort()) {
    if (digests.has(dep)) hash.update(`dep ${dep} ${digests.get(dep)}\n`);
  }
  for (const file of inputFiles(dir)) {
    hash.update(relative(dir, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  const digest = hash.digest('hex');
  digests.set(pkg.name, digest);
  const stampFile = join(dir, 'dist', STAMP);
  const current = existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === digest;
  if (current && !all) continue;
  const t = performance.now();
  const result = spawnSync('npm', ['run', 'build', '-w', pkg.name], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`build of ${pkg.name} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
  writeFileSync(stampFile, `${digest}\n`);
  built++;
  console.log(`built ${pkg.name} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
console.log(
  built === 0
    ? `build: every workspace is current (checked in ${((performance.now() - started) / 1000).toFixed(2)} s)`
    : `build: ${built} workspace(s) rebuilt in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
