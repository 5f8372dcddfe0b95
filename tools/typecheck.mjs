// Type-checks every workspace with its own tsconfig.json, and its test/tsconfig.json where it has one
// (isomorphic packages check sources with no Node or DOM types, and tests apart): an isomorphic
// package that imports `node:*` fails here.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
let failed = 0;
const projects = [...workspaces, '.'].flatMap((ws) => [
  join(ws, 'tsconfig.json'),
  join(ws, 'test/tsconfig.json'),
]);
for (const ws of projects) {
  const project = join(root, ws);
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
