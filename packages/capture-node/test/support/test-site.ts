// A throw-away site on 127.0.0.1 (never any other address) for the fetcher's tests, plus helpers
// to read a DomainError out of a rejected promise.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDomainError, type DomainError } from '@hashline/domain';
import type { HostResolver } from '../../src/index.js';

export type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

/** A request the site received: enough to assert on headers and on what was (not) reached. */
export interface SeenRequest {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface TestSite {
  readonly port: number;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

/** Starts an HTTP (or, with `tls`, HTTPS) server on 127.0.0.1 and a random port. */
export async function startTestSite(
  routes: Record<string, Handler>,
  tls?: { key: string; cert: string },
): Promise<TestSite> {
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const listener = (request: http.IncomingMessage, response: http.ServerResponse): void => {
    const path = request.url ?? '/';
    seen.push({ path, headers: request.headers });
    const route = routes[path] ?? routes[path.replace(/\/[^/]*$/, '/*')];
    if (route === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('SECRET-BODY-TEXT not found');
      return;
    }
    route(request, response);
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A resolver answering from a fixed table; unknown names fail like ENOTFOUND. Counts calls. */
export function tableResolver(table: Record<string, readonly string[]>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = async (host: string): Promise<readonly string[]> => {
    calls.push(host);
    const answer = table[host];
    if (answer === undefined)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return Object.assign(resolver, { calls });
}

/** The DomainError a promise rejects with (fails the test if it resolves or rejects otherwise). */
export async function domainErrorOf(promise: Promise<unknown>): Promise<DomainError> {
  const outcome = await promise.then(
    () => new Error('expected a rejection, but the fetch succeeded'),
    (error: unknown) => error,
  );
  if (!isDomainError(outcome)) throw outcome instanceof Error ? outcome : new Error(String(outcome));
  return outcome;
}

/** The code of the DomainError a promise rejects with. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  return (await domainErrorOf(promise)).code;
}

/** A self-signed certificate for `name` (openssl, in a temp dir removed afterwards). */
export function selfSignedCertificate(name: string): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hashline-capture-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        `/CN=${name}`,
        '-addext',
        `subjectAltName=DNS:${name}`,
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
