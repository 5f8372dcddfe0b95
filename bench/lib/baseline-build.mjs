// The previous code path of the import, built from git for a benchmark's same-run baseline.
//
//   buildBaseline({ ref }) → Promise<{ root, commit }>
//
// Extracts `@hashline/domain` and `@hashline/storage` (the packages that hold the import path)
// and the bench's own child scripts (bench/lib) at `ref` into a folder of the temporary
// directory, and transpiles their sources with esbuild (no type check: the commit was checked
// when it was made). Everything else resolves to this checkout's node_modules (symlinked),
// `@hashline/pdq` and `@hashline/matcher` included. `root/bench/lib/import-child.mjs` then runs
// the import exactly as it was at `ref`. The folder is reused while it exists (keyed by commit).
//
// `ref` defaults to BENCH_BASELINE_REF, else the merge base of HEAD with the branch `main` (the
// code this branch started from). On main itself that is HEAD: set BENCH_BASELINE_REF to the
// commit before the change being measured.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILT_PACKAGES = ['domain', 'storage'];
const SHARED_PACKAGES = ['pdq', 'matcher'];

const git = (...args) => execFileSync('git', ['-C', REPO, ...args], { encoding: 'utf8' }).trim();

/** The commit the baseline is built from (see the header). */
export function baselineCommit(ref = process.env.BENCH_BASELINE_REF) {
  return git('rev-parse', '--verify', `${ref ?? git('merge-base', 'HEAD', 'main')}^{commit}`);
}

/** Builds (or reuses) the baseline tree of `ref` (see the header). */
export async function buildBaseline({ ref } = {}) {
  const commit = baselineCommit(ref);
  const root = join(tmpdir(), `hashline-bench-baseline-${commit.slice(0, 12)}`);
  if (existsSync(join(root, '.built'))) return { root, commit };
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const paths = [...BUILT_PACKAGES.map((p) => `packages/${p}`), 'bench/lib'];
  const archive = execFileSync('git', ['-C', REPO, 'archive', '--format=tar', commit, ...paths], {
    maxBuffer: 1 << 30,
  });
  execFileSync('tar', ['-x', '-C', root], { input: archive });
  // node_modules: every dependency of this checkout, but @hashline/* pointing at the baseline's
  // own domain and storage.
  const modules = join(root, 'node_modules');
  mkdirSync(join(modules, '@hashline'), { recursive: true });
  for (const name of readdirSync(join(REPO, 'node_modules'))) {
    if (name === '@hashline' || name === '.bin') continue;
    symlinkSync(join(REPO, 'node_modules', name), join(modules, name));
  }
  for (const p of BUILT_PACKAGES) symlinkSync(join(root, 'packages', p), join(modules, '@hashline', p));
  for (const p of SHARED_PACKAGES) symlinkSync(join(REPO, 'packages', p), join(modules, '@hashline', p));
  for (const p of BUILT_PACKAGES) {
    const src = join(root, 'packages', p, 'src');
    const entryPoints = listTs(src);
    await build({
      entryPoints,
      outdir: join(root, 'packages', p, 'dist'),
      outbase: src,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      bundle: false,
      logLevel: 'error',
    });
  }
  writeFileSync(join(root, '.built'), `${commit}\n`);
  return { root, commit };
}

function listTs(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}
