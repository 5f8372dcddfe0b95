// End-to-end: `hashline serve --demo` as a child process on a new data folder, the commands it
// prints (run as printed), remote mode of bank/match/api-key against it, writes by another process
// picked up by the running server, and a second start that neither reseeds nor prints a key.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, eventually, hashline, startServe, type ServeProcess } from './cli-process.js';

const TOKEN = /hl_[a-z0-9]{4,32}_[A-Za-z0-9_-]{16,128}/;

let dir: string;
let server: ServeProcess | undefined;
let token: string;

/** The line of the start-up message that starts with `prefix` (trimmed). */
function printed(output: string, prefix: string): string {
  const line = output
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith(prefix));
  if (!line) throw new Error(`no line starting with "${prefix}" in:\n${output}`);
  return line;
}

/** Runs a `npx hashline ...` line from the start-up message, as a newcomer would paste it. */
function runPrinted(line: string) {
  const words = line.split(/\s+/);
  expect(words.slice(0, 2)).toEqual(['npx', 'hashline']);
  return hashline(words.slice(2), { cwd: dir });
}

const remote = (args: string[], key = token) =>
  hashline([...args, '--server', server!.url, '--key', key], { cwd: dir });

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hashline-serve-e2e-'));
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('hashline serve --demo (built CLI)', () => {
  it('on a new data folder: seeds the demo, prints the admin key once and commands that show a hit', async () => {
    server = await startServe(['--demo', '--port', '0'], { cwd: dir });
    const output = server.output();
    // JSON logs (as startServe runs it): the token goes to the file only, never to stdout.
    expect(output).toContain('its token is in .data/initial-admin-token');
    expect(output).not.toMatch(TOKEN);
    token = readFileSync(join(dir, '.data/initial-admin-token'), 'utf8').trim();
    expect(token).toMatch(TOKEN);
    expect(output).toContain(`${server.url}/docs`);
    expect(output).toContain('Files in .data/demo/:');
    for (const name of ['landscape-1.jpg', 'landscape-2.jpg', 'landscape-1-blurred.jpg', 'unrelated.jpg']) {
      expect(existsSync(join(dir, '.data/demo', name)), name).toBe(true);
    }
    expect(statSync(join(dir, '.data/initial-admin-token')).mode & 0o777).toBe(0o600);
    // The database holds banks, reports and the audit log: no more readable than secret.key.
    expect(statSync(join(dir, '.data/hashline.db')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, '.data')).mode & 0o777).toBe(0o700);

    const match = printed(output, 'npx hashline match');
    expect(match).toBe(
      `npx hashline match .data/demo/landscape-1-blurred.jpg --server ${server.url} --key-file .data/initial-admin-token`,
    );
    const hit = await runPrinted(match);
    expect(hit.code).toBe(0);
    expect(hit.stdout).toMatch(/^match\s+demo\s+pdq\s+\d+\s+1\s+\.data\/demo\/landscape-1-blurred\.jpg$/m);
    expect(hit.stderr).toContain('1 of 1 input matched on the server (bank demo)');

    const curl = printed(output, 'curl -s');
    expect(curl).toContain(`${server.url}/v1/match/media`);
    if (spawnSync('curl', ['--version']).status === 0) {
      const answer = spawnSync('sh', ['-c', curl], { cwd: dir, encoding: 'utf8' });
      const body = JSON.parse(answer.stdout) as {
        matched: boolean;
        results: { matches: { bank: string }[] }[];
      };
      expect(body.matched).toBe(true);
      expect(body.results[0]!.matches.map((m) => m.bank)).toEqual(['demo']);
    }

    const miss = await remote(['match', '.data/demo/unrelated.jpg', '--dihedral']);
    expect(miss.code).toBe(0);
    expect(miss.stdout).toMatch(/^no match\s.*\.data\/demo\/unrelated\.jpg$/m);
  });

  it('applies writes of another process (a local import while it runs) within about a second', async () => {
    const hashed = await hashline(['hash', '.data/demo/unrelated.jpg'], { cwd: dir });
    writeFileSync(join(dir, 'unrelated.csv'), hashed.stdout);
    const imported = await hashline(['bank', 'import', 'other', 'unrelated.csv', '--create-kind', 'test'], {
      cwd: dir,
    });
    expect(imported.code).toBe(0);
    const seen = await eventually(async () => {
      const result = await remote(['match', '.data/demo/unrelated.jpg']);
      return /^match\s+other\s+pdq\s+0\s/m.test(result.stdout) ? result : undefined;
    });
    expect(seen.code).toBe(0);
  });

  it('creates, lists, imports into and exports banks through the API', async () => {
    const created = await remote(['bank', 'create', 'remote', '--kind', 'test', '--threshold', '10']);
    expect(created.code).toBe(0);
    const list = await remote(['bank', 'list', '--format', 'json']);
    const banks = JSON.parse(list.stdout) as { name: string; entryCount: number }[];
    expect(banks.map((b) => [b.name, b.entryCount])).toEqual([
      ['demo', 6],
      ['other', 1],
      ['remote', 0],
    ]);

    const good = (n: number) => `pdq,${(n.toString(16).padStart(2, '0') + 'a5').repeat(16)},80`;
    writeFileSync(join(dir, 'remote.csv'), `signal_type,value,quality\n${good(1)}\npdq,xyz,80\n${good(2)}\n`);
    const skipped = await remote(['bank', 'import', 'remote', 'remote.csv']);
    expect(skipped.code).toBe(1);
    expect(skipped.stderr).toContain('2 added');
    expect(skipped.stderr).toMatch(/line 3: error: .*64 hex digits/);
    const aborted = await remote(['bank', 'import', 'remote', 'remote.csv', '--on-error', 'abort']);
    expect(aborted.code).toBe(2);

    const overHttp = await remote(['bank', 'export', 'remote']);
    const local = await hashline(['bank', 'export', 'remote'], { cwd: dir });
    expect(overHttp.code).toBe(0);
    expect(overHttp.stdout).toBe(local.stdout);
    expect(overHttp.stdout.split('\n')).toHaveLength(4); // header, 2 entries, final newline
  });

  it('creates API keys, and shows API errors as code and detail without a stack trace', async () => {
    const created = await remote(['api-key', 'create', '--name', 'platform', '--scopes', 'match:verdict']);
    expect(created.code).toBe(0);
    const verdictKey = created.stdout.trim();
    expect(verdictKey).toMatch(TOKEN);
    // A verdict-only key learns matched yes/no and nothing else.
    const verdict = await remote(['match', '.data/demo/landscape-1-small.jpg', '-f', 'json'], verdictKey);
    expect(JSON.parse(verdict.stdout)).toMatchObject([{ matched: true, verdictOnly: true }]);
    expect(verdict.stdout).not.toContain('"bank"');
    const forbidden = await remote(['bank', 'list'], verdictKey);
    expect(forbidden.code).toBe(2);
    expect(forbidden.stderr).toMatch(/^hashline: FORBIDDEN: .* \(HTTP 403\)$/m);

    const wrong = await remote(
      ['match', '.data/demo/unrelated.jpg'],
      'hl_0000000000000000_notthesecretnotthesecret',
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('UNAUTHENTICATED');
    expect(wrong.stderr).not.toContain('    at ');
    const missing = await remote(['bank', 'export', 'nope']);
    expect(missing.stderr).toMatch(/BANK_NOT_FOUND: .*\(HTTP 404\)/);

    // Revoking says when it bites (issue 17): at once on this server, within the cache time elsewhere.
    const id = verdictKey.replace(/^hl_([a-z0-9]+)_.*$/, '$1');
    const revoked = await remote(['api-key', 'revoke', id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stderr).toContain(`revoked key ${id}: refused at once by the server that revoked it`);
    expect(revoked.stderr).toContain('HASHLINE_API_KEY_CACHE_MS, 5 s by default');
    const afterRevoke = await remote(['match', '.data/demo/landscape-1-small.jpg'], verdictKey);
    expect(afterRevoke.code).toBe(2);
    expect(afterRevoke.stderr).toContain('UNAUTHENTICATED');
  });

  it('stops on SIGINT; a second start keeps the data, does not reseed and prints no key', async () => {
    const stopped = await server!.stop();
    server = undefined;
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain('Stopped.');

    server = await startServe(['--demo', '--port', '0'], { cwd: dir });
    const output = server.output();
    expect(output).not.toMatch(TOKEN);
    expect(output).toContain('API keys exist already, so no key was created');
    expect(output).toContain('npx hashline api-key create --name <who> --scopes admin');
    const match = printed(output, 'npx hashline match');
    expect(match).toBe(
      `npx hashline match .data/demo/landscape-1-blurred.jpg --server ${server.url} --key-file .data/initial-admin-token`,
    );
    expect((await runPrinted(match)).stdout).toMatch(/^match\s+demo\s+pdq/m);

    const banks = JSON.parse((await hashline(['bank', 'list', '-f', 'json'], { cwd: dir })).stdout) as {
      name: string;
      entryCount: number;
    }[];
    expect(banks.find((b) => b.name === 'demo')?.entryCount).toBe(6);
    expect(banks).toHaveLength(3);
    const keys = await hashline(['api-key', 'list', '-f', 'json'], { cwd: dir });
    expect((JSON.parse(keys.stdout) as { name: string }[]).map((k) => k.name).sort()).toEqual([
      'initial admin',
      'platform',
    ]);
  });

  it('refuses a port in use before creating anything in a new data folder', async () => {
    const port = new URL(server!.url).port;
    const busy = await hashline(['serve', '--port', port, '--data-dir', 'other'], { cwd: dir });
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(existsSync(join(dir, 'other'))).toBe(false);
  });
});
