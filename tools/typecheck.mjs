// Type-checks every workspace with its own tsconfig.json (sources and tests), so each package is
// checked under its own `types`/`lib`: an isomorphic package that imports `node:*` fails here.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
let failed = 0;
for (const ws of [...workspaces, '.']) {
  const project = join(root, ws, 'tsconfig.json');
  if (!existsSync(project)) continue;
  try {
    execFileSync(process.execPath, [tsc, '-p', project, '--noEmit'], { stdio: 'inherit' });
    console.log(`typecheck ok: ${ws}`);
  } catch {
    failed++;
    console.error(`typecheck failed: ${ws}`);
  }
}
process.exit(failed ? 1 : 0);
