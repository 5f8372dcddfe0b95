// Measuring pieces of the bulk-import benchmark (bench/import.bench.mjs), reusable by other
// benches (bench:scale). Each measurement runs in a child process of its own (import-child.mjs),
// so its peak RSS is its own and one run's heap never slows the next.
//
// API:
//   writeHashCsv(path, rows, { seed }) → Promise<{ bytes }>
//     A CSV hash list (`signal_type,value,quality`) of `rows` distinct random PDQ hashes, quality
//     50–100, never degenerate (first byte odd, second even: neither all zeros nor all ones).
//   measureImport({ mode, engine, file, rows, postgresUrl?, batchSize?, maxSeconds? })
//     → Promise<{ mode, engine, rows, seconds, rowsPerSecond, maxRssMb, counts, timedOut }>
//     mode 'import'      the import path (`importHashList` → BankStore.applyImport), as the CLI runs it;
//     mode 'addEntries'  the previous path: the same reader and validation, BankStore.addEntries in
//                        batches of 5,000 (time-boxed by maxSeconds: the rate of the rows done);
//     mode 'ceiling'     the engine's own bulk tool into a plain table (sqlite3 `.import`, psql `\copy`).
//     childRoot          runs the child of another tree (the previous code path built by
//                        baseline-build.mjs) instead of this checkout's.
//     engine 'sqlite' (a fresh file in a temporary folder) or 'postgres' (a fresh schema at
//     postgresUrl, dropped afterwards). `rows` is what the file holds, for the rate.
//   loadAverage() → '0.52 0.61 0.70' (os.loadavg, 1/5/15 min)
//   DEFAULT_POSTGRES_URL: HASHLINE_TEST_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/test
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Where PostgreSQL measurements run. */
export const DEFAULT_POSTGRES_URL =
  process.env.HASHLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The load average as printed by the benches: 1, 5 and 15 minutes. */
export function loadAverage() {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

/** Writes a CSV of `rows` random valid PDQ hashes (see the API above). */
export async function writeHashCsv(path, rows, { seed = 1 } = {}) {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  out.write('signal_type,value,quality\n');
  // Random bytes in large blocks; `seed` only varies the quality pattern (the hashes are random,
  // so two files never share one, which is what a bulk load of new hashes looks like).
  const PER_BLOCK = 4096;
  for (let done = 0; done < rows;) {
    const n = Math.min(PER_BLOCK, rows - done);
    const bytes = randomBytes(32 * n);
    let text = '';
    for (let i = 0; i < n; i++) {
      bytes[32 * i] |= 1;
      bytes[32 * i + 1] &= 0xfe;
      text += `pdq,${bytes.toString('hex', 32 * i, 32 * i + 32)},${50 + ((done + i + seed) % 51)}\n`;
    }
    done += n;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { bytes: statSync(path).size };
}

/** Runs one measurement in a child process (see the API above). */
export async function measureImport(options) {
  const { childRoot, ...childOptions } = options;
  const script = childRoot
    ? join(childRoot, 'bench', 'lib', 'import-child.mjs')
    : join(HERE, 'import-child.mjs');
  const child = spawn(process.execPath, [script, JSON.stringify(childOptions)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => (out += chunk));
  const [code] = await once(child, 'exit');
  const line = out.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !line.startsWith('{')) {
    throw new Error(
      `measurement ${options.mode}/${options.engine} failed (exit ${code}): ${out.slice(-2000)}`,
    );
  }
  return JSON.parse(line);
}
