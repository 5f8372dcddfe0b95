// The fetcher against a real site on 127.0.0.1 (the only address these tests ever connect to):
// the test switch, redirects re-checked hop by hop, the pinned address under DNS rebinding, caps
// on bytes, time and types, status codes, DNS failures, compression and TLS with SNI.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSafeFetcher, type HostResolver } from '../src/index.js';
import {
  codeOf,
  domainErrorOf,
  selfSignedCertificate,
  startTestSite,
  tableResolver,
  type Handler,
  type TestSite,
} from './support/test-site.js';

const HTML = '<!doctype html><title>benign test page</title><img src="/a.png">';
const PNG_BYTES = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'); // a PNG signature: the fetcher sniffs nothing

const html: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(HTML);
};
const redirect =
  (status: number, location: string): Handler =>
  (_req, res) => {
    res.writeHead(status, { location, 'set-cookie': 'session=from-the-site; Path=/' }).end();
  };
const typed =
  (contentType: string | null, body: Buffer | string = PNG_BYTES): Handler =>
  (_req, res) => {
    res.writeHead(200, contentType === null ? {} : { 'content-type': contentType }).end(body);
  };

let site: TestSite;
let port: number;
const blockedTargets: Record<string, string> = {};

beforeAll(async () => {
  const routes: Record<string, Handler> = {
    '/ok': html,
    '/image.png': typed('image/png'),
    '/image-params.png': typed('IMAGE/PNG; name=x'),
    '/text': typed('text/plain', 'plain text'),
    '/no-type': typed(null),
    '/teapot': (_req, res) => res.writeHead(500, { 'content-type': 'text/html' }).end('SECRET-BODY-TEXT'),
    '/redirect-without-location': (_req, res) => res.writeHead(302).end(),
    '/big': (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.write(Buffer.alloc(600));
      res.end(Buffer.alloc(401)); // 1001 bytes, chunked: no Content-Length to trust
    },
    '/exact': typed('image/png', Buffer.alloc(1000)),
    '/big-declared': (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '5000000' });
      res.write(Buffer.alloc(10));
    },
    '/gzip': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(gzipSync(HTML));
    },
    '/gzip-bomb': (_req, res) => {
      res
        .writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' })
        .end(gzipSync(Buffer.alloc(1_000_000)));
    },
    '/hang': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<!doctype html><p>never ends'); // and never ends
    },
    '/silent': () => {
      // accepts the request and never answers
    },
    '/truncated': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': '100' });
      res.write('only a part', () => req.socket.destroy());
    },
  };
  for (const status of [301, 302, 303, 307, 308]) routes[`/status-${status}`] = redirect(status, '/ok');
  for (let n = 1; n <= 6; n++) routes[`/chain-${n}`] = redirect(302, n === 1 ? '/ok' : `/chain-${n - 1}`);
  site = await startTestSite(routes);
  port = site.port;
  Object.assign(blockedTargets, {
    'private 10.0.0.1': 'http://10.0.0.1/',
    metadata: 'http://169.254.169.254/latest/meta-data/',
    'metadata, decimal': 'http://2852039166/latest/meta-data/',
    'IPv4-mapped loopback, hex': `http://[::ffff:7f00:2]:${port}/ok`,
    'IPv4-mapped of the allowed 127.0.0.1': `http://[::ffff:127.0.0.1]:${port}/ok`,
    'other loopback 127.0.0.2': `http://127.0.0.2:${port}/ok`,
    'other loopback, decimal': `http://2130706434:${port}/ok`,
    'other loopback, hex': `http://0x7f000002:${port}/ok`,
    'a name resolving to 10.0.0.1': `http://evil.test:${port}/ok`,
    'a name resolving to metadata': `http://metadata.test/latest/meta-data/`,
    'scheme-relative to 10.0.0.1': '//10.0.0.1/',
    CGNAT: 'http://100.64.0.1/',
    ULA: 'http://[fd00::1]/',
  });
  for (const [name, target] of Object.entries(blockedTargets)) {
    routes[`/to/${encodeURIComponent(name)}`] = redirect(302, target);
  }
  routes['/to-file'] = redirect(302, 'file:///etc/passwd');
  routes['/to-credentials'] = redirect(302, `http://user:pw@public.test:${port}/ok`);
  routes['/to-invalid'] = redirect(302, 'http://[::1');
});

afterAll(async () => {
  await site.close();
});

const names = {
  'public.test': ['127.0.0.1'],
  'evil.test': ['10.0.0.1'],
  'metadata.test': ['169.254.169.254'],
};
const fetcherWith = (extra: Parameters<typeof createSafeFetcher>[0] = {}) =>
  createSafeFetcher({
    resolver: tableResolver(names),
    allowLoopbackForTests: true,
    timeoutMs: 30_000, // a deadline for a busy machine; the time-limit tests set their own
    ...extra,
  });
const url = (path: string): string => `http://public.test:${port}${path}`;

describe('the test switch', () => {
  test('without allowLoopbackForTests the loopback site cannot be reached at all', async () => {
    site.seen.length = 0;
    const fetcher = createSafeFetcher({ resolver: tableResolver(names), timeoutMs: 5_000 });
    expect(await codeOf(fetcher.fetch(`http://127.0.0.1:${port}/ok`, 'page'))).toBe(
      'CAPTURE_BLOCKED_ADDRESS',
    );
    expect(await codeOf(fetcher.fetch(url('/ok'), 'page'))).toBe('CAPTURE_BLOCKED_ADDRESS');
    expect(await codeOf(fetcher.fetch(`http://[::1]:${port}/ok`, 'page'))).toBe('CAPTURE_BLOCKED_ADDRESS');
    expect(site.seen).toEqual([]);
  });

  test('with it, the site is fetched through the pinned, vetted address', async () => {
    site.seen.length = 0;
    const resolver = tableResolver(names);
    const result = await fetcherWith({ resolver, userAgent: 'HashlineTest/1' }).fetch(
      url('/ok#fragment'),
      'page',
    );
    expect(result).toMatchObject({
      finalUrl: url('/ok'),
      status: 200,
      contentType: 'text/html',
      redirects: [url('/ok')],
      remoteAddress: '127.0.0.1',
    });
    expect(Buffer.from(result.bytes).toString('utf8')).toBe(HTML);
    expect(resolver.calls).toEqual(['public.test']);
    const headers = site.seen[0]?.headers;
    expect(headers?.host).toBe(`public.test:${port}`);
    expect(headers?.['user-agent']).toBe('HashlineTest/1');
    expect(headers?.cookie).toBeUndefined();
    expect(headers?.authorization).toBeUndefined();
  });
});

describe('redirects', () => {
  test.each([301, 302, 303, 307, 308])('%i is followed and re-checked', async (status) => {
    const resolver = tableResolver(names);
    const result = await fetcherWith({ resolver }).fetch(url(`/status-${status}`), 'page');
    expect(result.redirects).toEqual([url(`/status-${status}`), url('/ok')]);
    expect(result.finalUrl).toBe(url('/ok'));
    expect(resolver.calls).toEqual(['public.test', 'public.test']); // resolved once per hop
  });

  test('no cookie set by one hop is sent to the next', async () => {
    site.seen.length = 0;
    await fetcherWith().fetch(url('/chain-2'), 'page');
    expect(site.seen.map((s) => s.path)).toEqual(['/chain-2', '/chain-1', '/ok']);
    expect(site.seen.every((s) => s.headers.cookie === undefined)).toBe(true);
  });

  test('5 redirects are followed, the 6th is refused with CAPTURE_TOO_MANY_REDIRECTS', async () => {
    const result = await fetcherWith().fetch(url('/chain-5'), 'page');
    expect(result.redirects).toHaveLength(6);
    expect(await codeOf(fetcherWith().fetch(url('/chain-6'), 'page'))).toBe('CAPTURE_TOO_MANY_REDIRECTS');
    expect(await codeOf(fetcherWith({ maxRedirects: 0 }).fetch(url('/chain-1'), 'page'))).toBe(
      'CAPTURE_TOO_MANY_REDIRECTS',
    );
  });

  test('a redirect from the allowed host to a blocked address is refused, and the target is never reached', async () => {
    for (const name of Object.keys(blockedTargets)) {
      site.seen.length = 0;
      const code = await codeOf(fetcherWith().fetch(url(`/to/${encodeURIComponent(name)}`), 'page'));
      expect([name, code]).toEqual([name, 'CAPTURE_BLOCKED_ADDRESS']);
      expect(site.seen.map((s) => s.path)).toEqual([`/to/${encodeURIComponent(name)}`]);
    }
  });

  test('a redirect to another scheme, to credentials or to garbage is refused', async () => {
    expect(await codeOf(fetcherWith().fetch(url('/to-file'), 'page'))).toBe('CAPTURE_BLOCKED_SCHEME');
    expect(await codeOf(fetcherWith().fetch(url('/to-credentials'), 'page'))).toBe('CAPTURE_FAILED');
    expect(await codeOf(fetcherWith().fetch(url('/to-invalid'), 'page'))).toBe('CAPTURE_FAILED');
  });
});

describe('the pinned address (DNS rebinding)', () => {
  /** Answers 127.0.0.1 the first time, then 10.0.0.1: a rebinding attacker's name server. */
  const rebinding = (): HostResolver & { calls: number } => {
    const resolver = async (): Promise<readonly string[]> => {
      resolver.calls++;
      return resolver.calls === 1 ? ['127.0.0.1'] : ['10.0.0.1'];
    };
    resolver.calls = 0;
    return resolver;
  };

  test('the resolver is asked exactly once per hop, and the connection uses that answer', async () => {
    const resolver = rebinding();
    const result = await fetcherWith({ resolver }).fetch(url('/ok'), 'page');
    expect(resolver.calls).toBe(1);
    expect(result.remoteAddress).toBe('127.0.0.1');
  });

  test('the next hop is resolved and vetted again: the rebound answer is refused', async () => {
    const resolver = rebinding();
    expect(await codeOf(fetcherWith({ resolver }).fetch(url('/chain-1'), 'page'))).toBe(
      'CAPTURE_BLOCKED_ADDRESS',
    );
    expect(resolver.calls).toBe(2);
  });
});

describe('caps', () => {
  test('a body over maxBytes is refused with CAPTURE_TOO_LARGE; exactly maxBytes is kept', async () => {
    expect(await codeOf(fetcherWith({ maxBytes: 1000 }).fetch(url('/big'), 'media'))).toBe(
      'CAPTURE_TOO_LARGE',
    );
    expect(await codeOf(fetcherWith({ maxBytes: 1000 }).fetch(url('/big-declared'), 'media'))).toBe(
      'CAPTURE_TOO_LARGE',
    );
    const exact = await fetcherWith({ maxBytes: 1000 }).fetch(url('/exact'), 'media');
    expect(exact.bytes.byteLength).toBe(1000);
  });

  test('a compressed answer is decoded, and the cap applies to the decoded bytes (gzip bomb)', async () => {
    const page = await fetcherWith().fetch(url('/gzip'), 'page');
    expect(Buffer.from(page.bytes).toString('utf8')).toBe(HTML);
    expect(await codeOf(fetcherWith({ maxBytes: 10_000 }).fetch(url('/gzip-bomb'), 'page'))).toBe(
      'CAPTURE_TOO_LARGE',
    );
  });

  test('a body that never ends, a host that never answers and DNS that never answers give CAPTURE_TIMEOUT', async () => {
    expect(await codeOf(fetcherWith({ timeoutMs: 300 }).fetch(url('/hang'), 'page'))).toBe('CAPTURE_TIMEOUT');
    expect(await codeOf(fetcherWith({ timeoutMs: 300 }).fetch(url('/silent'), 'page'))).toBe(
      'CAPTURE_TIMEOUT',
    );
    const stuck: HostResolver = () => new Promise<never>(() => {});
    expect(await codeOf(fetcherWith({ timeoutMs: 300, resolver: stuck }).fetch(url('/ok'), 'page'))).toBe(
      'CAPTURE_TIMEOUT',
    );
  });

  test('a connection closed mid-body is a failure, not a short capture', async () => {
    expect(await codeOf(fetcherWith().fetch(url('/truncated'), 'page'))).toBe('CAPTURE_FAILED');
  });
});

describe('content types', () => {
  test('text/plain is refused for media and for a page', async () => {
    expect(await codeOf(fetcherWith().fetch(url('/text'), 'media'))).toBe('CAPTURE_UNSUPPORTED_TYPE');
    expect(await codeOf(fetcherWith().fetch(url('/text'), 'page'))).toBe('CAPTURE_UNSUPPORTED_TYPE');
  });

  test('HTML is a page, not media; a missing type is refused', async () => {
    expect(await codeOf(fetcherWith().fetch(url('/ok'), 'media'))).toBe('CAPTURE_UNSUPPORTED_TYPE');
    expect(await codeOf(fetcherWith().fetch(url('/no-type'), 'media'))).toBe('CAPTURE_UNSUPPORTED_TYPE');
  });

  test('the header is read lower-case without parameters; an image is accepted as media and as a page', async () => {
    const media = await fetcherWith().fetch(url('/image-params.png'), 'media');
    expect(media.contentType).toBe('image/png');
    expect(Buffer.from(media.bytes)).toEqual(PNG_BYTES);
    expect((await fetcherWith().fetch(url('/image.png'), 'page')).contentType).toBe('image/png');
  });

  test('the allow-lists are options', async () => {
    expect((await fetcherWith({ mediaTypes: ['text/plain'] }).fetch(url('/text'), 'media')).contentType).toBe(
      'text/plain',
    );
    expect(await codeOf(fetcherWith({ pageTypes: ['text/html'] }).fetch(url('/image.png'), 'page'))).toBe(
      'CAPTURE_UNSUPPORTED_TYPE',
    );
  });
});

describe('statuses and DNS', () => {
  test('404 and 500 give CAPTURE_HTTP_STATUS, without the body in the message', async () => {
    const notFound = await domainErrorOf(fetcherWith().fetch(url('/missing'), 'page'));
    expect(notFound.code).toBe('CAPTURE_HTTP_STATUS');
    expect(notFound.message).toContain('404');
    expect(notFound.message).not.toContain('SECRET-BODY-TEXT');
    const serverError = await domainErrorOf(fetcherWith().fetch(url('/teapot'), 'page'));
    expect(serverError.code).toBe('CAPTURE_HTTP_STATUS');
    expect(serverError.message).not.toContain('SECRET-BODY-TEXT');
    expect(await codeOf(fetcherWith().fetch(url('/redirect-without-location'), 'page'))).toBe(
      'CAPTURE_HTTP_STATUS',
    );
  });

  test('a name that does not resolve, or resolves to nothing, gives CAPTURE_DNS_FAILED', async () => {
    expect(await codeOf(fetcherWith().fetch('http://nowhere.test/', 'page'))).toBe('CAPTURE_DNS_FAILED');
    const empty: HostResolver = async () => [];
    expect(await codeOf(fetcherWith({ resolver: empty }).fetch('http://nowhere.test/', 'page'))).toBe(
      'CAPTURE_DNS_FAILED',
    );
  });

  test('a refused connection is CAPTURE_FAILED', async () => {
    const closed = await startTestSite({});
    await closed.close();
    expect(await codeOf(fetcherWith().fetch(`http://public.test:${closed.port}/`, 'page'))).toBe(
      'CAPTURE_FAILED',
    );
  });
});

describe('options', () => {
  test('limits must be sane integers', () => {
    expect(() => createSafeFetcher({ maxBytes: 0 })).toThrow(RangeError);
    expect(() => createSafeFetcher({ timeoutMs: Number.NaN })).toThrow(RangeError);
    expect(() => createSafeFetcher({ maxRedirects: -1 })).toThrow(RangeError);
    expect(() => createSafeFetcher({ maxRedirects: 0 })).not.toThrow();
  });
});

describe('https', () => {
  let tlsSite: TestSite;
  let cert: string;
  let otherCert: string;
  let otherSite: TestSite;

  beforeAll(async () => {
    const identity = selfSignedCertificate('public.test');
    const other = selfSignedCertificate('other.test');
    cert = identity.cert;
    otherCert = other.cert;
    tlsSite = await startTestSite({ '/ok': html }, identity);
    otherSite = await startTestSite({ '/ok': html }, other);
  });

  afterAll(async () => {
    await tlsSite.close();
    await otherSite.close();
  });

  test('TLS to the pinned address still sends SNI and checks the certificate against the host name', async () => {
    const fetcher = fetcherWith({ extraCaCertificates: [cert, otherCert] });
    const result = await fetcher.fetch(`https://public.test:${tlsSite.port}/ok`, 'page');
    expect(result.remoteAddress).toBe('127.0.0.1');
    expect(Buffer.from(result.bytes).toString('utf8')).toBe(HTML);
    // A trusted certificate for another name is refused: the check uses the name, not the IP.
    expect(await codeOf(fetcher.fetch(`https://public.test:${otherSite.port}/ok`, 'page'))).toBe(
      'CAPTURE_FAILED',
    );
  });

  test('an untrusted certificate is refused', async () => {
    expect(await codeOf(fetcherWith().fetch(`https://public.test:${tlsSite.port}/ok`, 'page'))).toBe(
      'CAPTURE_FAILED',
    );
  });
});
