// kill -9 of the server while an operator's `hashline bank import --server` streams a hash list
// into it: the import stops with an error, the server is started again, the operator runs the
// same command again, and the bank ends with every hash of the file once (adding is idempotent by
// value, so the second run re-sends what the first committed and gets it back as `existing`).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FaultCase, SMOKE } from './support/fault-case.js';
import type { EngineName } from './support/fault-database.js';
import { randomHex } from './support/load.js';
import { killAllServers } from './support/server-process.js';
import { waitFor } from './support/wait.js';

afterEach(() => killAllServers());
afterAll(() => killAllServers());

const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));
const LINES = 60_000;

/** Runs the CLI; resolves with its exit code and output (no shell, the key in the environment). */
function hashline(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): { done: Promise<{ code: number | null; stderr: string; stdout: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return {
    done: new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr, stdout }))),
  };
}

const count = async (c: FaultCase, bank: string): Promise<number> =>
  Number(
    (
      await c.db.query<{ n: number | string }>(
        'select count(*) as n from bank_entries e join banks b on b.id = e.bank_id where b.name = ?',
        [bank],
      )
    )[0]!.n,
  );

describe.each(['sqlite', 'postgres'] as EngineName[])('hashline bank import (%s)', (engine) => {
  it.skipIf(SMOKE)(
    'killed server mid-import: the same command run again completes the bank, nothing twice',
    async () => {
      const c = await FaultCase.open({ fault: 'kill -9 during `hashline bank import`', engine, servers: 1 });
      await c.run(async () => {
        await c.createBank('faults-cli');
        const values = Array.from({ length: LINES }, () => randomHex());
        const file = join(c.db.dataDir, 'list.csv');
        writeFileSync(file, `signal_type,value\n${values.map((v) => `sha256,${v}`).join('\n')}\n`);
        const args = (): string[] => [
          'bank',
          'import',
          'faults-cli',
          file,
          '--server',
          c.servers[0]!.url,
          '--no-progress',
        ];
        const env = { HASHLINE_API_KEY: c.token };

        const first = hashline(args(), env);
        // Killed once the first batches are committed and more are on their way.
        await waitFor(
          'the import to commit its first batch',
          async () => (await count(c, 'faults-cli')) > 0,
          {
            timeoutMs: 180_000,
            intervalMs: 50,
          },
        );
        const { killedAt, restarted } = await c.killAndRestart(0);
        const interrupted = await first.done;
        const committedBeforeKill = await count(c, 'faults-cli');
        await restarted;
        c.result.secondsToReady = await c.waitReady(0, killedAt);

        const second = await hashline(args(), env).done;
        const lastLine = (text: string): string => text.trim().split('\n').pop() ?? '';
        c.result.notes.push(
          `first run: exit ${interrupted.code} after ${committedBeforeKill} of ${LINES} committed ` +
            `("${lastLine(interrupted.stderr).slice(0, 120)}"); second run: exit ${second.code}`,
        );
        expect(c.crashes()).toEqual([]);
        // The interrupted run said so, in a line, not a stack trace.
        expect(interrupted.code).not.toBe(0);
        expect(interrupted.stderr).not.toMatch(/\n\s+at /);
        expect(second.code, second.stderr).toBe(0);

        const rows = await c.db.query<{ value: string; n: number | string }>(
          `select e.value as value, count(*) as n from bank_entries e join banks b on b.id = e.bank_id
          where b.name = ? group by e.value`,
          ['faults-cli'],
        );
        const stored = new Map(rows.map((r) => [r.value, Number(r.n)]));
        // The second run's exit 0 acknowledges the whole file.
        c.result.acknowledged = LINES;
        c.result.lost = values.filter((v) => !stored.has(v)).length;
        c.result.duplicates = rows.reduce((sum, r) => sum + Number(r.n) - 1, 0);
        expect(c.result.lost).toBe(0);
        expect(c.result.duplicates).toBe(0);
        expect(stored.size).toBe(LINES);
      });
    },
  );
});
