// Issue 12: an import job survives the server stopping under it. A real server process (SQLite,
// small batches) gets a hash list; once some batches are committed it is stopped with SIGTERM (the
// job stops between batches and goes back to the queue), restarted, killed with SIGKILL mid-job (the
// job is left "running" under a dead process), and restarted again: the job resumes after its last
// committed record each time and ends with exactly the file's entries. No sleeps: every step
// waits for the condition it needs. Before the kill the spool file is a FIFO the test feeds, so the
// job cannot finish early however fast it imports (it did once the bulk path got fast); the first
// stop comes after the first committed batch, about a thousand fsynced batches from the end.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImportJob, ImportJobStore } from '@hashline/domain';
import { openStore } from '@hashline/storage';
import { afterEach, describe, expect, it } from 'vitest';
import {
  TEST_ADMIN_TOKEN,
  killAllChildren,
  startServerChild,
  waitFor,
  type ServerChild,
} from './support/server-process.js';
import { randomPdq } from './support/test-app.js';

const ROWS = 20_000;
const BATCH = 20;

function serverEnv(dataDir: string): Record<string, string> {
  return {
    HASHLINE_DATA_DIR: dataDir,
    HASHLINE_DATABASE_URL: `sqlite:${join(dataDir, 'hashline.db')}`,
    HASHLINE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    HASHLINE_LOG_LEVEL: 'warn',
    HASHLINE_HASHING_THREADS: '1',
    HASHLINE_IMPORT_BATCH_SIZE: String(BATCH),
    HASHLINE_SECRET_KEY: randomBytes(32).toString('base64'),
  };
}

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

async function jobOf(
  server: ServerChild,
  id: string,
): Promise<{
  status: string;
  progress: { recordsCommitted: number };
  counts: { read: number; added: number; existing: number; errors: number };
  startedAt: string | null;
}> {
  const response = await fetch(`${server.url}/v1/imports/${id}`, { headers: auth });
  expect(response.status).toBe(200);
  return (await response.json()) as never;
}

/** The job as stored, read while no server runs. */
async function storedJob(dataDir: string, id: string): Promise<ImportJob> {
  const store = await openStore(`sqlite:${join(dataDir, 'hashline.db')}`);
  try {
    const jobs = (store as unknown as { importJobs: ImportJobStore }).importJobs;
    return (await jobs.getImportJob(id))!;
  } finally {
    await store.close();
  }
}

describe('an import job across a shutdown and a crash (SQLite server process)', () => {
  let dataDir: string | undefined;
  afterEach(() => {
    killAllChildren();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes after SIGTERM and after SIGKILL, ending with exactly the file’s entries', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hashline-import-resume-'));
    const env = serverEnv(dataDir);
    let server = await startServerChild(env);
    const bank = await fetch(`${server.url}/v1/banks`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'resume', kind: 'test' }),
    });
    expect(bank.status).toBe(201);
    const hashes = Array.from({ length: ROWS }, () => randomPdq());
    const file = `signal_type,value,quality\n${hashes.map((h) => `pdq,${h},80`).join('\n')}\n`;
    const accepted = await fetch(`${server.url}/v1/banks/resume/imports`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/csv' },
      body: file,
    });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    const spool = join(dataDir, 'import-spool', `${id}.upload`);

    // 1. SIGTERM once some batches are committed: the job stops between batches, back in the queue.
    await waitFor(async () => (await jobOf(server, id)).progress.recordsCommitted > 0, 'a first batch');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const afterStop = await storedJob(dataDir, id);
    expect(afterStop.status).toBe('queued');
    expect(afterStop.recordsCommitted).toBeGreaterThan(0);
    expect(afterStop.recordsCommitted).toBeLessThan(ROWS);
    expect(existsSync(spool)).toBe(true);

    // 2. Restart with the spool file swapped for a FIFO that the test feeds: the job can read, and
    // commit, only the records written to it, so it cannot finish before the kill however fast the
    // machine is. SIGKILL once it committed more than before.
    const whole = `${spool}.whole`;
    renameSync(spool, whole);
    execFileSync('mkfifo', ['-m', '600', spool]);
    const fed = afterStop.recordsCommitted + 10 * BATCH;
    expect(fed).toBeLessThan(ROWS);
    const lines = file.split('\n');
    const feeder = createWriteStream(spool);
    feeder.on('error', () => undefined); // EPIPE once the killed reader is gone
    server = await startServerChild(env);
    // The header and the first `fed` records; the stream stays open, so the reader waits for more.
    feeder.write(`${lines.slice(0, 1 + fed).join('\n')}\n`);
    await waitFor(
      async () => (await jobOf(server, id)).progress.recordsCommitted > afterStop.recordsCommitted,
      'the job to resume',
    );
    server.killGroup();
    await server.exited;
    feeder.destroy();
    const afterKill = await storedJob(dataDir, id);
    expect(afterKill.status).toBe('running');
    expect(afterKill.claimedBy).not.toBeNull();
    expect(afterKill.recordsCommitted).toBeGreaterThan(afterStop.recordsCommitted);
    expect(afterKill.recordsCommitted).toBeLessThanOrEqual(fed);
    expect(afterKill.startedAt).toEqual(afterStop.startedAt);
    rmSync(spool);
    renameSync(whole, spool);

    // 3. Restart: the dead process's claim is taken over and the job ends.
    server = await startServerChild(env);
    await waitFor(
      async () => (await jobOf(server, id)).status === 'succeeded',
      'the job to succeed',
      240_000,
    );
    const done = await jobOf(server, id);
    expect(done.progress.recordsCommitted).toBe(ROWS);
    expect(done.counts.read).toBe(ROWS);
    // Rows committed after the last recorded batch were read again and found in the bank.
    expect(done.counts.added + done.counts.existing).toBeGreaterThanOrEqual(ROWS);
    expect(done.counts.errors).toBe(0);
    await waitFor(() => !existsSync(spool), 'the spool file to be deleted');
    const entries: string[] = [];
    for (let after = 0; ;) {
      const page = (await (
        await fetch(`${server.url}/v1/banks/resume/entries?limit=10000&after=${after}`, { headers: auth })
      ).json()) as { entries: { value: string; id: number }[]; nextAfter: number | null };
      entries.push(...page.entries.map((e) => e.value));
      if (page.nextAfter === null) break;
      after = page.nextAfter;
    }
    expect(entries.length).toBe(ROWS);
    expect(new Set(entries)).toEqual(new Set(hashes));
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 600_000);
});
