// The SSRF "must show" of issue #4 (SECURITY.md G13): every blocked address class, in every
// encoding the URL parser accepts, is refused by the pure checker, by checkCaptureUrl and through
// fetch(); public addresses pass the checker. Nothing here connects anywhere: a refused URL is
// refused before any socket opens, and the public addresses are only checked, never fetched.
import { describe, expect, test } from 'vitest';
import { checkCaptureUrl, createSafeFetcher, isBlockedAddress } from '../src/index.js';
import { codeOf, tableResolver } from './support/test-site.js';

/** Canonical addresses (as DNS answers or URL.hostname give them), one class per group. */
const BLOCKED_ADDRESSES: Record<string, readonly string[]> = {
  'this network 0/8': ['0.0.0.0', '0.1.2.3', '0.255.255.255'],
  'loopback 127/8': ['127.0.0.1', '127.0.0.2', '127.1.2.3', '127.255.255.254'],
  'private 10/8': ['10.0.0.1', '10.255.255.255'],
  'private 172.16/12': ['172.16.0.1', '172.20.1.1', '172.31.255.255'],
  'private 192.168/16': ['192.168.0.1', '192.168.255.255'],
  'shared CGNAT 100.64/10': ['100.64.0.1', '100.100.100.200', '100.127.255.255'],
  'link-local and metadata 169.254/16': ['169.254.0.1', '169.254.169.254', '169.254.170.2'],
  'IETF protocol 192.0.0/24': ['192.0.0.1', '192.0.0.170'],
  documentation: ['192.0.2.1', '198.51.100.7', '203.0.113.9'],
  'benchmarking 198.18/15': ['198.18.0.1', '198.19.255.255'],
  'multicast 224/4': ['224.0.0.1', '239.255.255.250'],
  'reserved 240/4 and broadcast': ['240.0.0.1', '250.1.2.3', '255.255.255.255'],
  'IPv6 unspecified': ['::', '0:0:0:0:0:0:0:0'],
  'IPv6 loopback (compressed, expanded, bracketed)': [
    '::1',
    '0:0:0:0:0:0:0:1',
    '0000:0000:0000:0000:0000:0000:0000:0001',
    '[::1]',
  ],
  'IPv6 ULA fc00::/7': ['fc00::1', 'fd12:3456:789a::1', 'FDFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF'],
  'IPv6 link-local fe80::/10 (also with a zone id)': [
    'fe80::1',
    'febf:ffff::1',
    'fe80::1%eth0',
    'fe80::1%25eth0',
  ],
  'IPv6 site-local fec0::/10 (deprecated)': ['fec0::1'],
  'IPv6 multicast ff00::/8': ['ff02::1', 'ff05::1:3', 'ff0e::1'],
  'IPv4-mapped ::ffff:0:0/96, dotted and hex': [
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '0:0:0:0:0:ffff:7f00:1',
    '0000:0000:0000:0000:0000:ffff:7f00:0001',
    '::FFFF:7F00:1',
    '::ffff:10.0.0.1',
    '::ffff:a00:1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::ffff:192.168.1.1',
    '::ffff:8.8.8.8', // mapped public too: a DNS answer never needs this form
  ],
  'IPv4-compatible ::/96 (deprecated)': ['::127.0.0.1', '::7f00:1', '::10.0.0.1'],
  'IPv4-translated ::ffff:0:0:0/96': ['::ffff:0:127.0.0.1', '::ffff:0:7f00:1'],
  'NAT64 64:ff9b::/96 embedding a blocked IPv4': [
    '64:ff9b::127.0.0.1',
    '64:ff9b::7f00:1',
    '64:ff9b::169.254.169.254',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b::10.0.0.1',
    '64:ff9b::c0a8:101',
  ],
  'NAT64 local-use 64:ff9b:1::/48': ['64:ff9b:1::a00:1', '64:ff9b:1::808:808'],
  '6to4 2002::/16 embedding a blocked IPv4': [
    '2002:7f00:1::',
    '2002:7f00:0001::1',
    '2002:a9fe:a9fe::1',
    '2002:a00:1::',
    '2002:c0a8:101::1',
    '2002:6440:1::', // 100.64.0.1
  ],
  'Teredo 2001::/32, ORCHID, benchmarking': [
    '2001::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '2001:10::1',
    '2001:20::1',
    '2001:2::1',
  ],
  'IPv6 documentation': ['2001:db8::1', '2001:0db8:85a3::8a2e:370:7334', '3fff::1'],
  'IPv6 discard-only 100::/64': ['100::1'],
  'not a canonical address (fails closed)': [
    '',
    'localhost',
    'example.com',
    '0177.0.0.1',
    '2130706433',
    '0x7f.1',
    '0x7f000001',
    '127.1',
    '127.000.000.001',
    '1.2.3.4.5',
    '256.0.0.1',
    ':::1',
    '1::2::3',
    '[::1',
  ],
};

const PUBLIC_ADDRESSES: readonly string[] = [
  '8.8.8.8',
  '1.1.1.1',
  '9.9.9.9',
  '80.92.65.1',
  '11.0.0.1',
  '126.255.255.255',
  '128.0.0.1',
  '100.63.255.255',
  '100.128.0.0',
  '169.253.255.255',
  '169.255.0.1',
  '172.15.255.255',
  '172.32.0.0',
  '192.167.255.255',
  '192.169.0.0',
  '198.17.255.255',
  '198.20.0.0',
  '223.255.255.255',
  '2606:4700::1111',
  '2606:4700:4700::1111',
  '2001:4860:4860::8888',
  '2001:4860:4860:0:0:0:0:8888',
  '2a00:1450:4001::1',
  '[2a00:1450:4001::1]',
  '2001:67c:2e8:22::c100:68b',
  '64:ff9b::8.8.8.8', // NAT64 of a public address
  '64:ff9b::808:808',
  '2002:808:808::1', // 6to4 of a public address
];

/** Literal hosts in every encoding the WHATWG URL parser normalises, each pointing at a blocked address. */
const BLOCKED_URLS: Record<string, readonly string[]> = {
  'loopback, dotted and short forms': [
    'http://127.0.0.1/',
    'http://127.0.0.1:8080/admin',
    'https://127.0.0.1/',
    'http://127.1/',
    'http://127.0.1/',
    'http://127.0.0.1./',
    'http://127.000.000.001/',
    'http://127.255.255.254/',
  ],
  'loopback, decimal / octal / hex / mixed': [
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://00000177.0.0.1/',
    'http://017700000001/',
    'http://0x7f.1/',
    'http://0x7f.0.0.1/',
    'http://0x7f000001/',
    'http://0X7F.0x0.0x0.0x1/',
    'http://0x7f.0.1/',
  ],
  'loopback, percent-encoded and full-width': [
    'http://%31%32%37.0.0.1/',
    'http://\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11/',
    'http://\uff10x7f.0.0.1/',
  ],
  'this host 0.0.0.0': ['http://0/', 'http://0.0.0.0/', 'http://0x0/', 'http://00/'],
  'metadata 169.254.169.254 in every encoding': [
    'http://169.254.169.254/latest/meta-data/',
    'http://2852039166/',
    'http://0xa9fea9fe/',
    'http://0251.0376.0251.0376/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://169.254.43518/',
    'http://169.16689662/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[64:ff9b::169.254.169.254]/',
    'http://[2002:a9fe:a9fe::]/',
  ],
  'private ranges': [
    'http://10.0.0.1/',
    'http://012.0.0.1/',
    'http://167772161/',
    'http://0xa000001/',
    'http://172.16.0.1/',
    'http://172.31.255.255/',
    'http://2886729729/',
    'http://192.168.1.1/',
    'http://0xc0a80101/',
    'http://3232235777/',
    'http://100.64.0.1/',
    'http://100.127.255.255/',
  ],
  'IPv6 literals': [
    'http://[::]/',
    'http://[::1]/',
    'http://[::1]:8080/',
    'http://[0:0:0:0:0:0:0:1]/',
    'http://[0000:0000:0000:0000:0000:0000:0000:0001]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[0:0:0:0:0:ffff:127.0.0.1]/',
    'http://[0000:0000:0000:0000:0000:ffff:7f00:0001]/',
    'http://[::FFFF:7F00:1]/',
    'http://[::127.0.0.1]/',
    'http://[64:ff9b::7f00:1]/',
    'http://[2002:7f00:1::]/',
    'http://[fc00::1]/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://[ff02::1]/',
    'http://[2001:db8::1]/',
  ],
  'multicast, reserved, broadcast, documentation, benchmarking': [
    'http://224.0.0.1/',
    'http://239.255.255.250/',
    'http://240.0.0.1/',
    'http://255.255.255.255/',
    'http://4294967295/',
    'http://192.0.0.170/',
    'http://192.0.2.1/',
    'http://198.18.0.1/',
    'http://198.51.100.1/',
    'http://203.0.113.1/',
  ],
};

/** Names whose DNS answers point inside: refused after the look-up, before any connection. */
const BLOCKED_NAMES: Record<string, readonly string[]> = {
  'evil.test': ['127.0.0.1'],
  'metadata.test': ['169.254.169.254'],
  'private.test': ['10.0.0.1'],
  'cgnat.test': ['100.64.0.1'],
  'v6-loopback.test': ['::1'],
  'ula.test': ['fd00::1'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'mapped-hex.test': ['::ffff:7f00:1'],
  'nat64.test': ['64:ff9b::a9fe:a9fe'],
  'sixtofour.test': ['2002:7f00:1::'],
  'mixed.test': ['8.8.8.8', '10.0.0.1'], // one inside answer is enough to refuse
  'mixed-v6.test': ['2606:4700::1111', 'fe80::1'],
  'junk.test': ['not-an-address'],
  'octal-answer.test': ['0177.0.0.1'],
  'zone.test': ['fe80::1%eth0'],
};

describe('isBlockedAddress: the pure checker', () => {
  for (const [group, addresses] of Object.entries(BLOCKED_ADDRESSES)) {
    test.each(addresses)(`${group}: %s is blocked`, (address) => {
      expect(isBlockedAddress(address)).toBe(true);
    });
  }

  test.each(PUBLIC_ADDRESSES)('public %s is allowed (checked only, never connected to)', (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });

  test('range edges: the address just outside each private range is public', () => {
    const edges: [string, boolean][] = [
      ['9.255.255.255', false],
      ['10.0.0.0', true],
      ['10.255.255.255', true],
      ['11.0.0.0', false],
      ['172.15.255.255', false],
      ['172.16.0.0', true],
      ['172.31.255.255', true],
      ['172.32.0.0', false],
      ['100.63.255.255', false],
      ['100.64.0.0', true],
      ['100.127.255.255', true],
      ['100.128.0.0', false],
      ['223.255.255.255', false],
      ['224.0.0.0', true],
      ['1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
      ['2000::', false],
      ['3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff', true],
      ['3fff:1000::', false],
      ['3ffe:ffff::1', false],
      ['4000::', true],
    ];
    for (const [address, blocked] of edges)
      expect([address, isBlockedAddress(address)]).toEqual([address, blocked]);
  });
});

describe('checkCaptureUrl: literal hosts in every encoding', () => {
  for (const [group, urls] of Object.entries(BLOCKED_URLS)) {
    test.each(urls)(`${group}: %s is refused with CAPTURE_BLOCKED_ADDRESS`, async (url) => {
      expect(await codeOf(Promise.resolve().then(() => checkCaptureUrl(url)))).toBe(
        'CAPTURE_BLOCKED_ADDRESS',
      );
    });
  }

  test('the URL parser itself turns the encodings into a checkable address', () => {
    expect(new URL('http://2130706433/').hostname).toBe('127.0.0.1');
    expect(new URL('http://0177.0.0.1/').hostname).toBe('127.0.0.1');
    expect(new URL('http://0x7f.1/').hostname).toBe('127.0.0.1');
    expect(new URL('http://127.1/').hostname).toBe('127.0.0.1');
    expect(new URL('http://[::ffff:127.0.0.1]/').hostname).toBe('[::ffff:7f00:1]');
    expect(new URL('http://0xa9fea9fe/').hostname).toBe('169.254.169.254');
  });

  test('zone ids are not accepted by the URL parser, so such a URL never reaches DNS or a socket', async () => {
    expect(() => new URL('http://[fe80::1%25eth0]/')).toThrow();
    expect(await codeOf(Promise.resolve().then(() => checkCaptureUrl('http://[fe80::1%25eth0]/')))).toBe(
      'CAPTURE_FAILED',
    );
  });

  test.each([
    'file:///etc/passwd',
    'ftp://example.com/a.jpg',
    'gopher://127.0.0.1:70/',
    'javascript:alert(1)',
    'data:image/png;base64,AAAA',
    'ws://example.com/',
    'blob:https://example.com/x',
  ])('scheme of %s is refused with CAPTURE_BLOCKED_SCHEME', async (url) => {
    expect(await codeOf(Promise.resolve().then(() => checkCaptureUrl(url)))).toBe('CAPTURE_BLOCKED_SCHEME');
  });

  test.each(['http://user:secret@example.com/', 'http://user@example.com/', 'https://:pw@example.com/'])(
    'credentials in %s are refused',
    async (url) => {
      expect(await codeOf(Promise.resolve().then(() => checkCaptureUrl(url)))).toBe('CAPTURE_FAILED');
    },
  );

  test('public literals and host names pass (names are judged after DNS); the fragment is dropped', () => {
    expect(checkCaptureUrl('http://8.8.8.8/').hostname).toBe('8.8.8.8');
    expect(checkCaptureUrl('https://[2606:4700::1111]/x').hostname).toBe('[2606:4700::1111]');
    expect(checkCaptureUrl('https://Example.COM/a?b=c#frag').href).toBe('https://example.com/a?b=c');
  });

  test('the test switch opens exactly 127.0.0.1 and ::1', async () => {
    const open = { allowLoopbackForTests: true };
    expect(checkCaptureUrl('http://127.0.0.1:8080/', open).hostname).toBe('127.0.0.1');
    expect(checkCaptureUrl('http://2130706433/', open).hostname).toBe('127.0.0.1');
    expect(checkCaptureUrl('http://[::1]/', open).hostname).toBe('[::1]');
    for (const url of [
      'http://127.0.0.2/',
      'http://[::ffff:7f00:1]/',
      'http://10.0.0.1/',
      'http://169.254.169.254/',
      'http://0.0.0.0/',
    ]) {
      expect([url, await codeOf(Promise.resolve().then(() => checkCaptureUrl(url, open)))]).toEqual([
        url,
        'CAPTURE_BLOCKED_ADDRESS',
      ]);
    }
  });
});

describe('fetch(): the same table through the fetcher', () => {
  const resolver = tableResolver(BLOCKED_NAMES);
  // A small timeout so that, were a check ever to let one through, the test fails fast instead of hanging.
  const fetcher = createSafeFetcher({ resolver, timeoutMs: 2_000 });

  for (const [group, urls] of Object.entries(BLOCKED_URLS)) {
    test.each(urls)(`${group}: fetch(%s) is refused with CAPTURE_BLOCKED_ADDRESS`, async (url) => {
      const before = resolver.calls.length;
      expect(await codeOf(fetcher.fetch(url, 'page'))).toBe('CAPTURE_BLOCKED_ADDRESS');
      expect(resolver.calls.length).toBe(before); // literals are judged without DNS
    });
  }

  test.each(Object.entries(BLOCKED_NAMES))(
    'a host name resolving inside (%s → %j) is refused with CAPTURE_BLOCKED_ADDRESS',
    async (name) => {
      expect(await codeOf(fetcher.fetch(`http://${name}/`, 'page'))).toBe('CAPTURE_BLOCKED_ADDRESS');
      expect(await codeOf(fetcher.fetch(`https://${name}/image.jpg`, 'media'))).toBe(
        'CAPTURE_BLOCKED_ADDRESS',
      );
    },
  );

  test('localhost through the system resolver (/etc/hosts) is refused', async () => {
    const systemFetcher = createSafeFetcher({ timeoutMs: 2_000 });
    expect(await codeOf(systemFetcher.fetch('http://localhost/', 'page'))).toBe('CAPTURE_BLOCKED_ADDRESS');
  });

  test('schemes and credentials are refused before DNS', async () => {
    const before = resolver.calls.length;
    expect(await codeOf(fetcher.fetch('file:///etc/passwd', 'page'))).toBe('CAPTURE_BLOCKED_SCHEME');
    expect(await codeOf(fetcher.fetch('gopher://evil.test/', 'page'))).toBe('CAPTURE_BLOCKED_SCHEME');
    expect(await codeOf(fetcher.fetch('http://user:pw@evil.test/', 'page'))).toBe('CAPTURE_FAILED');
    expect(await codeOf(fetcher.fetch('not a url', 'page'))).toBe('CAPTURE_FAILED');
    expect(resolver.calls.length).toBe(before);
  });

  test('error messages never carry the URL', async () => {
    const error = await fetcher.fetch('http://metadata.test/latest/meta-data/iam', 'page').then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).not.toMatch(/metadata\.test|meta-data/);
  });
});
