// `hashline exchange` in-process against a real server (SQLite) on loopback: add a feed, list,
// run, pause, resume, remove; and readable refusals (local mode, bad flags, server codes).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer, type RunningServer } from '@hashline/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeCommand } from '../src/commands/exchange.command.js';
import { UsageError } from '../src/usage-error.js';
import { captureContext } from './test-streams.js';

const TOKEN = `hl_cliexch_${randomBytes(24).toString('base64url')}`;
const pdq = (): string => randomBytes(32).toString('hex');

let dir: string;
let server: RunningServer;
let feed: Server;
let feedUrl: string;
const hashes = [pdq(), pdq()];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hashline-exchange-cli-'));
  feed = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`signal_type,value,quality\n${hashes.map((h) => `pdq,${h},90`).join('\n')}\n`);
  });
  await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
  feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/list.csv`;
  server = await startServer({
    config: loadConfig({
      HASHLINE_DATA_DIR: join(dir, 'data'),
      HASHLINE_DATABASE_URL: `sqlite:${join(dir, 'data', 'hashline.db')}`,
      PORT: '0',
      HASHLINE_LOG_LEVEL: 'silent',
      HASHLINE_ADMIN_TOKEN: TOKEN,
      HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS: 'true',
      HASHLINE_CAPTURE_WORKER: 'false',
      // Runs only when asked in this test.
      HASHLINE_EXCHANGES: 'false',
    }),
    indexWorkers: false,
    bootstrapAdmin: false,
  });
  await server.indexLoaded;
});
afterAll(async () => {
  await server?.close();
  await new Promise<void>((resolve) => feed?.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

async function exchange(args: string[]) {
  const io = captureContext({ cwd: dir });
  const context = { ...io.context, env: { HASHLINE_SERVER: server.url, HASHLINE_API_KEY: TOKEN } };
  const code = await exchangeCommand.run(args, context);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('hashline exchange', () => {
  it('adds a feed, runs it, shows its status, pauses, resumes and removes it', async () => {
    await server.app.inject({
      method: 'POST',
      url: '/v1/banks',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { name: 'lists', kind: 'known_csam' },
    });
    const added = await exchange([
      'add',
      '--name',
      'list',
      '--bank',
      'lists',
      '--type',
      'feed',
      '--url',
      feedUrl,
      '--interval',
      '600',
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toContain('added list (feed → bank lists)');

    const run = await exchange(['run', 'list', '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const [status] = JSON.parse(run.stdout) as {
      status: { counts: { added: number }; lastErrorKind: string | null };
    }[];
    expect(status!.status).toMatchObject({ lastErrorKind: null, counts: { added: 2 } });

    const listed = await exchange(['list']);
    expect(listed.stdout).toMatch(/^NAME\s+TYPE\s+BANK\s+STATE/);
    expect(listed.stdout).toMatch(/list\s+feed\s+lists\s+scheduled/);
    expect(listed.stdout).toContain('2/0/0');
    expect(listed.stdout).toMatch(/VOTES \(pending\/sent\/refused\)/);

    // A feed takes no votes back: asking it to send them is refused, with the field named.
    const call = (method: 'PATCH' | 'GET', url: string, payload?: Record<string, unknown>) =>
      server.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${TOKEN}` },
        ...(payload ? { payload } : {}),
      });
    const feedbackOn = await call('PATCH', '/v1/exchanges/list', { feedback: true });
    expect(feedbackOn.statusCode).toBe(400);
    expect(feedbackOn.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ at: 'feedback', message: 'A feed exchange cannot send votes back to its source.' }],
    });

    expect((await exchange(['pause', 'list'])).stderr).toContain('list paused');
    expect((await exchange(['show', 'list'])).stdout).toMatch(/list\s+feed\s+lists\s+paused/);
    const refused = exchange(['run', 'list']);
    await expect(refused).rejects.toMatchObject({ code: 'HASH_EXCHANGE_PAUSED' });
    expect((await exchange(['resume', 'list'])).stderr).toContain('list resumed');
    expect((await exchange(['remove', 'list'])).code).toBe(0);
    expect((await exchange(['list'])).stdout).toBe('no hash exchanges\n');
  });

  it('reads credentials from a file and never echoes them', async () => {
    writeFileSync(join(dir, 'partner.key'), 'hl_partner_do-not-print-me\n');
    const added = await exchange([
      'add',
      '--name',
      'partner',
      '--bank',
      'lists',
      '--type',
      'hashline',
      '--url',
      'http://127.0.0.1:9',
      '--option',
      'bank=shared',
      '--option',
      'pageSize=50',
      '--api-key-file',
      'partner.key',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const shown = await exchange(['show', 'partner', '--format', 'json']);
    const [view] = JSON.parse(shown.stdout) as { options: unknown; hasCredentials: boolean }[];
    expect(view).toMatchObject({ options: { bank: 'shared', pageSize: 50 }, hasCredentials: true });
    expect(shown.stdout + added.stderr + added.stdout).not.toContain('do-not-print-me');
  });

  it('refuses readably: local mode, missing flags, unknown types', async () => {
    const local = captureContext({ cwd: dir });
    await expect(exchangeCommand.run(['list'], { ...local.context, env: {} })).rejects.toThrow(
      /give --server/,
    );
    await expect(exchange(['add', '--name', 'x'])).rejects.toBeInstanceOf(UsageError);
    await expect(
      exchange(['add', '--name', 'x', '--bank', 'b', '--type', 'bogus', '--url', 'http://x']),
    ).rejects.toThrow(/unknown type "bogus"/);
    await expect(exchange(['frobnicate'])).rejects.toThrow(/unknown subcommand/);
  });
});
