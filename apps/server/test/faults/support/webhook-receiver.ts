// A loopback webhook receiver: answers 200 after a short delay (so deliveries are in flight when
// a server is killed) and counts what arrived per Idempotency-Key.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running receiver. */
export interface WebhookReceiver {
  readonly url: string;
  /** Requests received per Idempotency-Key. */
  readonly received: Map<string, number>;
  /** Requests received in all (repeats included). */
  total(): number;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 that answers each POST after `delayMs`. */
export async function startWebhookReceiver(delayMs = 200): Promise<WebhookReceiver> {
  const received = new Map<string, number>();
  let total = 0;
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const key = String(request.headers['idempotency-key'] ?? '');
      setTimeout(() => {
        total++;
        received.set(key, (received.get(key) ?? 0) + 1);
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    total: () => total,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
