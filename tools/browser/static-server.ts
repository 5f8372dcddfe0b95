import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';

/** A response served from memory (a bundle, a generated page). */
export interface StaticRoute {
  readonly body: string | Uint8Array;
  readonly contentType: string;
}

/** Options of {@link serveStatic}. */
export interface ServeStaticOptions {
  /** Directory whose files are served read-only under `/`; omit to serve only `routes`. */
  readonly root?: string;
  /** In-memory responses by exact URL path (e.g. `/__harness/bundle.js`); they win over `root`. */
  readonly routes?: Readonly<Record<string, StaticRoute>>;
}

/** A running {@link serveStatic} server. */
export interface StaticServer {
  /** Origin without trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly origin: string;
  /** Stops listening and drops open connections. Safe to call twice. */
  close(): Promise<void>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.tiff': 'image/tiff',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.wasm': 'application/wasm',
};

/**
 * Serves a directory and in-memory routes over HTTP on 127.0.0.1, on an ephemeral port.
 *
 * GET and HEAD only; paths that escape `root` (`..`, encoded or not) get 404. Meant for tests:
 * no caching headers, no directory listings.
 */
export async function serveStatic(options: ServeStaticOptions): Promise<StaticServer> {
  const root = options.root === undefined ? undefined : resolve(options.root);
  const routes = options.routes ?? {};

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(String(error));
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const route = routes[path];
    if (route) {
      response.writeHead(200, { 'content-type': route.contentType, 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : route.body);
      return;
    }
    const file = root === undefined ? undefined : resolveInside(root, path);
    const info = file === undefined ? undefined : await stat(file).catch(() => undefined);
    if (file === undefined || !info?.isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-store',
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(file)
      .on('error', (error) => response.destroy(error))
      .pipe(response);
  }

  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', fail);
      ready();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    origin: `http://127.0.0.1:${port}`,
    close() {
      closing ??= new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** The file under `root` that a URL path names, or undefined when the path would leave `root`. */
function resolveInside(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const file = resolve(root, `.${decoded}`);
  return file.startsWith(root + sep) ? file : undefined;
}
