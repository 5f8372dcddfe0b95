// End-to-end: `hashline bank import --server` against a `hashline serve` child process. The file is
// streamed to `POST /v1/banks/{bank}/imports` and the CLI follows the server's job: entries arrive,
// withdrawals are applied on the server, the same file again joins the job that imported it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanEnv, hashline, startServe, type ServeProcess } from './cli-process.js';

const TOKEN = `hl_climport_${randomBytes(24).toString('base64url')}`;

let dir: string;
let server: ServeProcess | undefined;

const remote = (args: string[]) => hashline([...args, '--server', server!.url, '--key', TOKEN], { cwd: dir });

/** A random PDQ hash (never all zeros or ones). */
const pdq = (): string => randomBytes(32).toString('hex');

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hashline-remote-import-'));
  server = await startServe(['--port', '0'], {
    cwd: dir,
    env: cleanEnv({ HASHLINE_ADMIN_TOKEN: TOKEN, HASHLINE_IMPORT_BATCH_SIZE: '500' }),
  });
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('hashline bank import --server (built CLI, streamed to an import job)', () => {
  it('imports a file, joins the same job for the same file, and applies withdrawals on the server', async () => {
    const hashes = Array.from({ length: 5_000 }, pdq);
    writeFileSync(
      join(dir, 'list.csv'),
      `signal_type,value,quality\n${hashes.map((h) => `pdq,${h},80`).join('\n')}\n`,
    );
    const first = await remote(['bank', 'import', 'remote', 'list.csv', '--create-kind', 'test']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('5,000 records read');
    expect(first.stderr).toContain('5,000 added, 0 already in the bank');

    const listed = await remote(['bank', 'list', '--format', 'json']);
    const banks = JSON.parse(listed.stdout) as { name: string; entryCount: number }[];
    expect(banks.find((b) => b.name === 'remote')?.entryCount).toBe(5_000);

    // The same file again: the server answers with the job that imported it; nothing twice.
    const again = await remote(['bank', 'import', 'remote', 'list.csv']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/the server imported this file into "remote" already \(job imp_/);
    expect(again.stderr).toContain('5,000 added');

    // Withdrawals (StopNCII) are applied over the API now.
    const page = {
      count: 2,
      hasMoreRecords: false,
      hashRecords: [
        { lastModtimestamp: 1, signalType: 'ImagePDQ', hashValue: hashes[0], hashStatus: 'Withdrawn' },
        { lastModtimestamp: 1, signalType: 'ImagePDQ', hashValue: hashes[1], hashStatus: 'Withdrawn' },
      ],
    };
    writeFileSync(join(dir, 'withdrawn.json'), JSON.stringify(page));
    const withdrawn = await remote(['bank', 'import', 'remote', 'withdrawn.json']);
    expect(withdrawn.code, withdrawn.stderr).toBe(0);
    expect(withdrawn.stderr).toContain('2 entries withdrawn');
    expect(withdrawn.stderr).not.toContain('NOT applied');
    const after = JSON.parse((await remote(['bank', 'list', '--format', 'json'])).stdout) as {
      name: string;
      entryCount: number;
    }[];
    expect(after.find((b) => b.name === 'remote')?.entryCount).toBe(4_998);
  });

  it('shows a refused upload as its code and detail, and an aborted import as exit 2', async () => {
    writeFileSync(join(dir, 'bad.csv'), `signal_type,value,quality\npdq,${pdq()},80\npdq,xyz,80\n`);
    const aborted = await remote(['bank', 'import', 'remote', 'bad.csv', '--on-error', 'abort']);
    expect(aborted.code).toBe(2);
    expect(aborted.stderr).toContain('aborted, nothing was added');
    const missing = await remote(['bank', 'import', 'nope', 'bad.csv']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('No bank named "nope"');
  });
});
