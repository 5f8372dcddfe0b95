// Summarises a V8 CPU profile (`node --cpu-prof`, e.g. the server's under
// BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" npm run bench:matched):
//   node bench/lib/cpu-profile-summary.mjs FILE.cpuprofile [filter-regexp] [rows]
// prints self time by function, self time by file or package, and inclusive time of the functions
// whose "name file:line" matches the filter (default: the repository's own packages and apps).
// Percentages are of the sampled time, idle included; async stacks are cut at each await.
// CPU_PROFILE_FROM and CPU_PROFILE_TO (seconds since the profile began) keep one window, e.g. a
// server's steady load without its start: CPU_PROFILE_FROM=5 node bench/lib/cpu-profile-summary.mjs FILE
import { readFileSync } from 'node:fs';

const [file, filter = 'packages/|apps/', rows = '30'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/lib/cpu-profile-summary.mjs FILE.cpuprofile [filter-regexp] [rows]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const label = ({ functionName, url, lineNumber }) =>
  `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, 'nm/').replace(/^file:\/\/.*?\/(packages|apps|bench)\//, '$1/')}:${lineNumber + 1}`;
const pkg = (text) => {
  // The location follows the last space ("(garbage collector) :0" has one in its name).
  const path = text.slice(text.lastIndexOf(' ') + 1).replace(/:\d+$/, '');
  if (!path.startsWith('nm/')) return path || '(native)';
  const parts = path.split('/');
  return parts.slice(0, parts[1].startsWith('@') ? 3 : 2).join('/');
};
const selfTime = new Map();
const inclusive = new Map();
const byFile = new Map();
const windowFrom = Number(process.env.CPU_PROFILE_FROM ?? 0) * 1e6;
const windowTo = Number(process.env.CPU_PROFILE_TO ?? Infinity) * 1e6;
let total = 0;
let elapsed = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  elapsed += dt;
  if (elapsed < windowFrom || elapsed > windowTo) return;
  total += dt;
  const own = label(byId.get(id).callFrame);
  selfTime.set(own, (selfTime.get(own) ?? 0) + dt);
  byFile.set(pkg(own), (byFile.get(pkg(own)) ?? 0) + dt);
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const name = label(byId.get(at).callFrame);
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
  }
});
const top = (map, keep = () => true) =>
  [...map]
    .filter(([name]) => keep(name))
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(rows))
    .map(([name, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${name}`)
    .join('\n');
const only = new RegExp(filter);
console.log(
  `${(total / 1e6).toFixed(2)} s sampled of ${(elapsed / 1e6).toFixed(2)} s\n\n-- self time by function\n${top(selfTime)}`,
);
console.log(`\n-- self time by file or package\n${top(byFile)}`);
console.log(`\n-- inclusive time, functions matching /${filter}/\n${top(inclusive, (n) => only.test(n))}`);
