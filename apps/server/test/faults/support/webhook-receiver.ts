// A loopback webhook receiver: answers 200 after a random delay (so deliveries are in flight, and
// finish at different moments, when a server is killed) and counts what arrived per
// Idempotency-Key.
import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running receiver. */
export interface WebhookReceiver {
  readonly url: string;
  /** Requests received per Idempotency-Key. */
  readonly received: Map<string, number>;
  /** Requests received in all (repeats included). */
  total(): number;
  /** Requests received and not answered yet. */
  inFlight(): number;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 that answers each POST after `delayMs` to twice that. */
export async function startWebhookReceiver(delayMs = 200): Promise<WebhookReceiver> {
  const received = new Map<string, number>();
  let total = 0;
  let inFlight = 0;
  const server: Server = createServer((request, response) => {
    request.resume();
    inFlight++;
    request.on('end', () => {
      const key = String(request.headers['idempotency-key'] ?? '');
      setTimeout(
        () => {
          inFlight--;
          total++;
          received.set(key, (received.get(key) ?? 0) + 1);
          response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        },
        delayMs + randomInt(delayMs + 1),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    total: () => total,
    inFlight: () => inFlight,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
