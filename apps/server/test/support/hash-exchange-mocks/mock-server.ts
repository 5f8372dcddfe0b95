// The loopback HTTP server under the hash-exchange mocks (NCMEC, StopNCII, ThreatExchange): it
// listens on 127.0.0.1 only, reads each request's body, counts calls per endpoint and plays
// queued faults before the mock's own handler answers: an HTTP 5xx, a 429 with a Retry-After, a
// connection reset before any answer, or a body that is not the API's shape.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A fault played instead of the next answer of an endpoint. */
export type MockFault =
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter?: string }
  | { readonly kind: 'reset' }
  | { readonly kind: 'body'; readonly contentType: string; readonly body: string };

/** A request as a mock's handler sees it. */
export interface MockRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** What a mock's handler answers. */
export interface MockAnswer {
  readonly status: number;
  readonly contentType?: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The running server. */
export interface MockServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Calls per endpoint name (faults included). */
  readonly calls: Record<string, number>;
  /** Queues `fault` for the next `times` calls of `endpoint`. */
  fail(endpoint: string, fault: MockFault, times?: number): void;
  close(): Promise<void>;
}

/**
 * Starts a server; `endpointOf` names a request's endpoint (for counts and faults), `handle`
 * answers it. A handler that throws answers 500 (a mock defect shows as a failing test).
 */
export async function startMockServer(
  endpointOf: (request: MockRequest) => string,
  handle: (request: MockRequest) => MockAnswer | Promise<MockAnswer>,
): Promise<MockServer> {
  const calls: Record<string, number> = {};
  const faults: Record<string, MockFault[]> = {};

  const respond = (res: ServerResponse, answer: MockAnswer): void => {
    res.writeHead(answer.status, {
      ...(answer.contentType ? { 'content-type': answer.contentType } : {}),
      ...answer.headers,
    });
    res.end(answer.body ?? '');
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: MockRequest = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', 'http://127.0.0.1'),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const endpoint = endpointOf(request);
      calls[endpoint] = (calls[endpoint] ?? 0) + 1;
      const fault = faults[endpoint]?.shift();
      if (fault?.kind === 'reset') {
        res.socket?.destroy();
        return;
      }
      if (fault?.kind === 'status') {
        respond(res, {
          status: fault.status,
          contentType: 'text/plain',
          body: 'mock fault',
          headers: fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {},
        });
        return;
      }
      if (fault?.kind === 'body') {
        respond(res, { status: 200, contentType: fault.contentType, body: fault.body });
        return;
      }
      Promise.resolve()
        .then(() => handle(request))
        .then(
          (answer) => respond(res, answer),
          (error: unknown) => respond(res, { status: 500, contentType: 'text/plain', body: String(error) }),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    calls,
    fail(endpoint, fault, times = 1) {
      (faults[endpoint] ??= []).push(...Array<MockFault>(times).fill(fault));
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
