// Issue 11 item 6: SIGTERM (and SIGINT) stop a server gracefully. A real server process gets a
// request whose body is still on its way when the signal arrives (the server has answered
// `100 Continue`, so the request is in flight there); the listening socket closes (a new
// connection is refused), the request completes with 200 once its body arrives, and the process
// exits 0. Likewise a webhook delivery in flight (the receiver holds it) finishes and is recorded
// as delivered before the store closes. No fixed sleeps: each step waits for the condition it needs.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@hashline/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_ADMIN_TOKEN, killAllChildren, startServerChild, waitFor } from './support/server-process.js';

/** A raw HTTP/1.1 exchange on one socket, so the test controls when the body is sent. */
function rawClient(port: number): {
  socket: net.Socket;
  received: () => string;
  closed: () => boolean;
} {
  const socket = net.connect({ host: '127.0.0.1', port });
  let data = '';
  let closed = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (data += chunk));
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  return { socket, received: () => data, closed: () => closed };
}

/** Whether a new TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** A server on SQLite in `dataDir`, configured by the environment only. */
function sqliteServerEnv(dataDir: string): Record<string, string> {
  return {
    HASHLINE_DATA_DIR: dataDir,
    HASHLINE_DATABASE_URL: `sqlite:${join(dataDir, 'hashline.db')}`,
    HASHLINE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    HASHLINE_LOG_LEVEL: 'warn',
    HASHLINE_HASHING_THREADS: '1',
    HASHLINE_SECRET_KEY: randomBytes(32).toString('base64'),
  };
}

describe('graceful shutdown of a server process', () => {
  let dataDir: string;
  afterEach(() => {
    killAllChildren();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('SIGTERM: a webhook delivery in flight finishes and is recorded as delivered before exit 0', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hashline-shutdown-webhook-'));
    // A receiver that holds each delivery until the test lets it answer.
    const held: ServerResponse[] = [];
    const receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => held.push(response));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const receiverPort = (receiver.address() as AddressInfo).port;
    try {
      const server = await startServerChild({
        ...sqliteServerEnv(dataDir),
        HASHLINE_WEBHOOK_ALLOW_PRIVATE: 'true',
        HASHLINE_WEBHOOK_POLL_MS: '50',
      });
      const api = (method: string, path: string, payload: unknown): Promise<Response> =>
        fetch(`${server.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(payload),
        });
      await waitFor(async () => (await fetch(`${server.url}/readyz`)).status === 200, 'the index to load');
      const hash = randomBytes(32).toString('hex');
      expect(
        (
          await api('POST', '/v1/banks', {
            name: 'notified',
            kind: 'known_csam',
            webhookUrl: `http://127.0.0.1:${receiverPort}/hook`,
          })
        ).status,
      ).toBe(201);
      expect(
        (await api('POST', '/v1/banks/notified/entries', { entries: [{ signalType: 'pdq', value: hash }] }))
          .status,
      ).toBeLessThan(300);
      const match = await api('POST', '/v1/match', { hashes: [{ signalType: 'pdq', value: hash }] });
      expect(match.status).toBe(200);
      await waitFor(() => held.length === 1, 'the delivery to reach the receiver');

      server.child.kill('SIGTERM');
      await waitFor(() => refused(server.port), 'the listening socket to close');
      expect(server.alive()).toBe(true);
      held[0]!.writeHead(200).end();

      expect(await server.exited).toBe(0);
      const store = await openStore(`sqlite:${join(dataDir, 'hashline.db')}`);
      try {
        const deliveries = await store.listDeliveries({ limit: 10 });
        expect(deliveries).toHaveLength(1);
        expect(deliveries[0]).toMatchObject({ status: 'delivered' });
      } finally {
        await store.close();
      }
    } finally {
      for (const response of held) if (!response.writableEnded) response.end();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: the request in flight completes (201), new connections are refused, exit code 0`, async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'hashline-shutdown-'));
      const server = await startServerChild(sqliteServerEnv(dataDir));
      await waitFor(async () => (await fetch(`${server.url}/readyz`)).status === 200, 'the index to load');

      const body = JSON.stringify({ name: 'created-during-shutdown', kind: 'known_csam' });
      const client = rawClient(server.port);
      client.socket.write(
        [
          'POST /v1/banks HTTP/1.1',
          `Host: 127.0.0.1:${server.port}`,
          `Authorization: Bearer ${TEST_ADMIN_TOKEN}`,
          'Content-Type: application/json',
          `Content-Length: ${Buffer.byteLength(body)}`,
          'Expect: 100-continue',
          '',
          '',
        ].join('\r\n'),
      );
      // The server has parsed the request head: the request is in flight there.
      await waitFor(() => client.received().startsWith('HTTP/1.1 100 Continue'), '100 Continue');

      server.child.kill(signal);
      await waitFor(() => refused(server.port), 'the listening socket to close');
      expect(server.alive()).toBe(true);

      client.socket.write(body);
      await waitFor(
        () => /\r\n\r\n[\s\S]*\}$/.test(client.received().split('HTTP/1.1 100 Continue\r\n\r\n')[1] ?? ''),
        'the response',
      );
      const response = client.received().split('HTTP/1.1 100 Continue\r\n\r\n')[1]!;
      expect(response).toMatch(/^HTTP\/1\.1 201 /);
      expect(response).toContain('"name":"created-during-shutdown"');

      expect(await server.exited).toBe(0);
      expect(server.output()).not.toMatch(/timed out|shutdown failed/);
      expect(await refused(server.port)).toBe(true);
      // What it acknowledged is in the database it closed.
      const store = await openStore(`sqlite:${join(dataDir, 'hashline.db')}`);
      try {
        expect(await store.getBankByName('created-during-shutdown')).toMatchObject({ kind: 'known_csam' });
      } finally {
        await store.close();
      }
    });
  }
});
