import sharp from 'sharp';
import { isDomainError, parseHashList, type ImportFormat } from '@hashline/domain';
import { createHashingPool, isMediaDecodeError, type HashingPool } from '@hashline/media-node';
import { createTestApp, randomPdq, type TestApp } from '../support/test-app.js';

/**
 * The fuzz and abuse suite (issue 15): generated hostile inputs against the hashing pool, the
 * hash-list parsers and the HTTP API, from one seed (the same seed gives the same inputs). Each
 * input must end in an answer or a clean refusal: a crash is an exception that is not one of our
 * errors (or a 500 from the API), a hang is an input that used up its time limit.
 */

/** How many inputs per target. */
export interface AbuseCounts {
  /** Mutated images straight into the hashing pool (every format the pool decodes). */
  readonly images: number;
  /** Mutated images uploaded to `POST /v1/match/media`. */
  readonly mediaUploads: number;
  /** Mutated hash lists through every import parser (CSV, TSV, ThreatExchange, NCMEC XML, StopNCII JSON). */
  readonly hashLists: number;
  /** Mutated JSON bodies against the JSON routes. */
  readonly jsonBodies: number;
  /** Mutated NCMEC XML bodies uploaded as imports. */
  readonly xmlBodies: number;
}

/** What happened to the inputs of one target. */
export interface TargetCounts {
  inputs: number;
  /** Answered normally. */
  accepted: number;
  /** Refused with one of our error codes (the expected end of most hostile inputs). */
  refused: number;
  /** Decoder workers that died on an input (the pool replaced them; the caller got 422). */
  workerCrashes: number;
  crashes: number;
  /** Inputs cut off by their time limit (MEDIA_TIMEOUT: the pool replaced the worker and answered). */
  timeouts: number;
  /** Inputs not answered within their time limit plus 5 s: the limit itself failed. */
  hangs: number;
  /** Wall-clock seconds spent on this target. */
  seconds: number;
}

/** The suite's result. */
export interface AbuseReport {
  readonly seed: number;
  readonly targets: Record<string, TargetCounts>;
  /** Largest resident set seen while running, in MiB (pool workers are threads of this process). */
  readonly peakRssMiB: number;
  /** The first few crashes, described (never the input bytes). */
  readonly crashSamples: string[];
  readonly seconds: number;
}

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same inputs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe, 0x20, 0x0a];

/** One mutation of `input`: bit flips, interesting bytes, truncation, insertion, duplication, size fields. */
export function mutateBytes(input: Uint8Array, random: () => number, other?: Uint8Array): Uint8Array {
  const pick = (n: number) => Math.floor(random() * n);
  const bytes = new Uint8Array(input);
  switch (pick(8)) {
    case 0: {
      for (let i = 0, n = 1 + pick(8); i < n && bytes.length > 0; i++)
        bytes[pick(bytes.length)]! ^= 1 << pick(8);
      return bytes;
    }
    case 1: {
      for (let i = 0, n = 1 + pick(4); i < n && bytes.length > 0; i++)
        bytes[pick(bytes.length)] = INTERESTING[pick(INTERESTING.length)]!;
      return bytes;
    }
    case 2:
      return bytes.slice(0, pick(bytes.length + 1));
    case 3: {
      const at = pick(bytes.length + 1);
      const junk = Uint8Array.from({ length: 1 + pick(64) }, () => pick(256));
      return concat(bytes.slice(0, at), junk, bytes.slice(at));
    }
    case 4: {
      const from = pick(bytes.length);
      const slice = bytes.slice(from, from + 1 + pick(256));
      const at = pick(bytes.length + 1);
      return concat(bytes.slice(0, at), slice, slice, bytes.slice(at));
    }
    case 5: {
      // The header: sizes, bit depths, chunk lengths live in the first bytes of every format.
      for (let i = 0, n = 1 + pick(4); i < n && bytes.length > 0; i++)
        bytes[pick(Math.min(bytes.length, 64))] = pick(256);
      return bytes;
    }
    case 6: {
      if (!other || other.length === 0) return bytes.slice(0, pick(bytes.length + 1));
      return concat(bytes.slice(0, pick(bytes.length + 1)), other.slice(pick(other.length)));
    }
    default: {
      // Big-endian 32-bit fields set to extremes (PNG's IHDR width/height at 16 and 20).
      if (bytes.length >= 24) {
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const at = random() < 0.5 ? 16 + 4 * pick(2) : pick(bytes.length - 4);
        view.setUint32(at, [1, 0x7fffffff, 0xffffffff, 65_535, 39_000_000][pick(5)]!);
      }
      return bytes;
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Benign seed images made here: a gradient and noise, in every format sharp encodes. */
async function seedImages(random: () => number): Promise<Uint8Array[]> {
  const size = 48;
  const gradient = Buffer.alloc(size * size * 4);
  const noise = Buffer.alloc(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    gradient.set([(i % size) * 5, Math.floor(i / size) * 5, 128, 255], i * 4);
    noise.set([random() * 256, random() * 256, random() * 256, 200 + random() * 55], i * 4);
  }
  const seeds: Uint8Array[] = [];
  for (const raw of [gradient, noise]) {
    const image = () => sharp(raw, { raw: { width: size, height: size, channels: 4 } });
    const encoders: (() => Promise<Buffer>)[] = [
      () => image().png().toBuffer(),
      () => image().png({ palette: true }).toBuffer(),
      () => image().toColourspace('rgb16').png().toBuffer(),
      () => image().jpeg({ quality: 80 }).toBuffer(),
      () => image().jpeg({ progressive: true }).toBuffer(),
      () => image().webp({ quality: 70 }).toBuffer(),
      () => image().webp({ lossless: true }).toBuffer(),
      () => image().gif().toBuffer(),
      () => image().tiff({ compression: 'lzw' }).toBuffer(),
      () => image().avif({ quality: 50, effort: 0 }).toBuffer(),
    ];
    for (const encode of encoders) {
      try {
        seeds.push(new Uint8Array(await encode()));
      } catch {
        // A format this build of sharp cannot write: its decoder is then not reachable either.
      }
    }
  }
  return seeds;
}

const MEDIA_REFUSALS = new Set([
  'MEDIA_EMPTY',
  'MEDIA_TOO_LARGE',
  'MEDIA_TOO_MANY_PIXELS',
  'MEDIA_UNSUPPORTED_FORMAT',
  'MEDIA_CORRUPT',
  'MEDIA_FAILED',
  'MEDIA_BUSY',
]);

function newCounts(): TargetCounts {
  return {
    inputs: 0,
    accepted: 0,
    refused: 0,
    workerCrashes: 0,
    crashes: 0,
    timeouts: 0,
    hangs: 0,
    seconds: 0,
  };
}

/** Runs the suite. `log` gets a progress line now and then. */
export async function runAbuse(
  counts: AbuseCounts,
  options: {
    readonly seed?: number;
    readonly log?: (line: string) => void;
    readonly timeoutMs?: number;
  } = {},
): Promise<AbuseReport> {
  const seed = options.seed ?? 15;
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 10_000;
  const random = seededRandom(seed);
  const started = performance.now();
  const targets: Record<string, TargetCounts> = {};
  const crashSamples: string[] = [];
  let peak = process.memoryUsage().rss;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
  const crash = (target: string, what: string) => {
    targets[target]!.crashes++;
    if (crashSamples.length < 20) crashSamples.push(`${target}: ${what.slice(0, 300)}`);
  };

  const seeds = await seedImages(random);
  const pool: HashingPool = createHashingPool({
    threads: 2,
    timeoutMs,
    maxQueued: 1_000,
    decode: { timeoutMs },
  });
  let app: TestApp | undefined;
  try {
    // ---- the hashing pool ----
    let t0 = performance.now();
    const lap = (counts: TargetCounts) => {
      counts.seconds = Math.round((performance.now() - t0) / 100) / 10;
      t0 = performance.now();
    };
    const images = (targets['hashing pool (images)'] = newCounts());
    const window = 8;
    for (let done = 0; done < counts.images; done += window) {
      const batch = Array.from({ length: Math.min(window, counts.images - done) }, () => {
        const base = seeds[Math.floor(random() * seeds.length)]!;
        const other = seeds[Math.floor(random() * seeds.length)]!;
        let bytes = mutateBytes(base, random, other);
        if (random() < 0.3) bytes = mutateBytes(bytes, random, other);
        return bytes;
      });
      await Promise.all(
        batch.map(async (bytes) => {
          images.inputs++;
          const index = images.inputs;
          let timer: NodeJS.Timeout | undefined;
          const hang = new Promise<'hang'>((resolve) => {
            timer = setTimeout(() => resolve('hang'), timeoutMs + 5_000);
          });
          try {
            const outcome = await Promise.race([pool.hashBytes(bytes, { crypto: true }), hang]);
            if (outcome === 'hang') {
              images.hangs++;
              crashSamples.push(`hashing pool: input ${index} (${bytes.length} B) not answered in time`);
            } else images.accepted++;
          } catch (error) {
            if (!isMediaDecodeError(error)) crash('hashing pool (images)', String(error));
            else if (error.code === 'MEDIA_TIMEOUT') {
              images.timeouts++;
              if (crashSamples.length < 20)
                crashSamples.push(
                  `hashing pool: input ${index} (${bytes.length} B) cut off by the time limit`,
                );
            } else if (error.code === 'MEDIA_WORKER_CRASHED') images.workerCrashes++;
            else if (MEDIA_REFUSALS.has(error.code)) images.refused++;
            else crash('hashing pool (images)', `${error.code}: ${error.message}`);
          } finally {
            clearTimeout(timer);
          }
        }),
      );
      if (done % 800 === 0) sample();
      if (done > 0 && done % 10_000 === 0) log(`images: ${done}/${counts.images}`);
    }

    lap(images);

    // ---- the hash-list parsers ----
    const lists = (targets['hash-list parsers'] = newCounts());
    const listSeeds = hashListSeeds(random);
    for (let i = 0; i < counts.hashLists; i++) {
      const [format, text] = listSeeds[Math.floor(random() * listSeeds.length)]!;
      const mutated = mutateText(text, random);
      lists.inputs++;
      const t0 = performance.now();
      try {
        let records = 0;
        for await (const _record of parseHashList([mutated], format, 'fuzz')) if (++records > 100_000) break;
        lists.accepted++;
      } catch (error) {
        if (isDomainError(error)) lists.refused++;
        else crash('hash-list parsers', `${format}: ${String(error)}`);
      }
      if (performance.now() - t0 > timeoutMs) lists.hangs++;
      if (i % 1000 === 0) sample();
    }

    lap(lists);

    // ---- the HTTP API ----
    app = await createTestApp({ hashingPool: pool });
    const admin = await app.key(['admin']);
    await app.call(admin, { method: 'POST', url: '/v1/banks', payload: { name: 'fuzz', kind: 'test' } });
    const api = (targets['HTTP API (JSON bodies)'] = newCounts());
    const routes = jsonSeeds();
    for (let i = 0; i < counts.jsonBodies; i++) {
      const route = routes[Math.floor(random() * routes.length)]!;
      const body =
        random() < 0.5
          ? JSON.stringify(mutateJson(route.body, random))
          : mutateText(JSON.stringify(route.body), random);
      api.inputs++;
      const response = await app.call(route.token === 'admin' ? admin : null, {
        method: route.method,
        url: route.url,
        payload: body,
        headers: { 'content-type': 'application/json' },
        remoteAddress: `10.${Math.floor(random() * 250)}.${Math.floor(random() * 250)}.${1 + Math.floor(random() * 250)}`,
      });
      classifyResponse(
        api,
        response,
        `${route.method} ${route.url}`,
        crash.bind(null, 'HTTP API (JSON bodies)'),
      );
      if (i % 500 === 0) sample();
    }

    lap(api);
    const xml = (targets['HTTP API (NCMEC XML imports)'] = newCounts());
    const xmlSeed = NCMEC_XML;
    for (let i = 0; i < counts.xmlBodies; i++) {
      xml.inputs++;
      const response = await app.call(admin, {
        method: 'POST',
        url: '/v1/banks/fuzz/imports?format=ncmec-xml',
        payload: mutateText(xmlSeed, random),
        headers: { 'content-type': 'application/xml' },
      });
      classifyResponse(xml, response, 'POST imports', crash.bind(null, 'HTTP API (NCMEC XML imports)'));
    }

    lap(xml);
    const media = (targets['HTTP API (media uploads)'] = newCounts());
    for (let i = 0; i < counts.mediaUploads; i++) {
      const base = seeds[Math.floor(random() * seeds.length)]!;
      media.inputs++;
      const response = await app.call(admin, {
        method: 'POST',
        url: '/v1/match/media',
        payload: Buffer.from(mutateBytes(base, random)),
        headers: { 'content-type': 'application/octet-stream' },
      });
      if (response.statusCode === 422 && response.json().code === 'MEDIA_TIMEOUT') media.timeouts++;
      else if (response.statusCode === 422 && response.json().code === 'MEDIA_WORKER_CRASHED')
        media.workerCrashes++;
      else
        classifyResponse(
          media,
          response,
          'POST /v1/match/media',
          crash.bind(null, 'HTTP API (media uploads)'),
        );
      if (i % 200 === 0) sample();
    }
    lap(media);
  } finally {
    await app?.close();
    await pool.close();
  }
  sample();
  return {
    seed,
    targets,
    peakRssMiB: Math.round(peak / 1024 / 1024),
    crashSamples,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

function classifyResponse(
  counts: TargetCounts,
  response: { statusCode: number; headers: Record<string, unknown>; body: string },
  what: string,
  crash: (what: string) => void,
): void {
  if (response.statusCode >= 500 && response.statusCode !== 503) {
    crash(`${what} answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
  } else if (response.statusCode >= 400) {
    if (!String(response.headers['content-type']).startsWith('application/problem+json'))
      crash(`${what} answered ${response.statusCode} without problem+json`);
    else counts.refused++;
  } else counts.accepted++;
}

/** Text mutations: byte-level ones, plus hostile fragments spliced in. */
function mutateText(text: string, random: () => number): string {
  const pick = (n: number) => Math.floor(random() * n);
  if (random() < 0.5)
    return Buffer.from(mutateBytes(new TextEncoder().encode(text), random)).toString('utf8');
  const fragments = [
    '\u0000',
    '\u202e',
    '"',
    '""',
    '\t',
    '\r\n',
    ',,,,',
    '=HYPERLINK("x")',
    '<!DOCTYPE a [<!ENTITY b "bbbbbbbbbbbbbbbbbbbbbbbbbbb"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>',
    '&c;&c;&c;',
    '<a>'.repeat(200),
    '</a>',
    '{"a":'.repeat(200),
    ']]]]',
    'f'.repeat(64),
    '0'.repeat(64),
    '9'.repeat(400),
    '-1',
    '1e999',
    '__proto__',
    '\ud800',
    '𝕳',
  ];
  const at = pick(text.length + 1);
  const piece = fragments[pick(fragments.length)]!.repeat(1 + pick(3));
  return random() < 0.5
    ? text.slice(0, at) + piece + text.slice(at)
    : text.slice(0, at) + piece + text.slice(at + pick(32));
}

/** Structural JSON mutations: values replaced by hostile ones of every type, keys added. */
function mutateJson(value: unknown, random: () => number, depth = 0): unknown {
  const pick = (n: number) => Math.floor(random() * n);
  const hostile = (): unknown =>
    [
      null,
      -1,
      1e308,
      Number.MAX_SAFE_INTEGER + 2,
      0.5,
      '',
      'x'.repeat(5000),
      '\u0000\u202e',
      true,
      [],
      {},
      [[[[[[[[[[1]]]]]]]]]],
      { __proto__: { polluted: true } },
      randomPdq(random),
      'f'.repeat(64),
    ][pick(15)];
  if (depth > 6 || random() < 0.15) return hostile();
  if (Array.isArray(value)) {
    const out = value.map((v) => (random() < 0.3 ? mutateJson(v, random, depth + 1) : v));
    if (random() < 0.1) for (let i = 0; i < 50; i++) out.push(out[0]);
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (random() < 0.1) continue;
      out[k] = random() < 0.4 ? mutateJson(v, random, depth + 1) : v;
    }
    if (random() < 0.1) out[['constructor', 'extra', 'prototype', ''][pick(4)]!] = hostile();
    return out;
  }
  return random() < 0.5 ? hostile() : value;
}

function jsonSeeds(): { method: 'POST' | 'PATCH'; url: string; body: unknown; token: 'admin' | null }[] {
  const pdq = 'f8f8f0cee0f4e1e1c3c3c3e1f0f8fcfe0f1f3f7f7e3c1c0e0f1f3f7f3e1c0c08';
  return [
    {
      method: 'POST',
      url: '/v1/match',
      token: 'admin',
      body: {
        hashes: [
          { signalType: 'pdq', value: pdq, quality: 90 },
          { signalType: 'md5', value: 'a'.repeat(32) },
        ],
      },
    },
    {
      method: 'POST',
      url: '/v1/banks/fuzz/entries',
      token: 'admin',
      body: {
        entries: [
          {
            signalType: 'pdq',
            value: pdq,
            quality: 90,
            classification: { industry: 'A1', uk: 'A', baseline: true },
            provenance: { source: 'fuzz', externalId: 'x', member: 'y' },
            note: 'n',
          },
        ],
      },
    },
    { method: 'PATCH', url: '/v1/banks/fuzz', token: 'admin', body: { pdqThreshold: 31, enabled: true } },
    { method: 'POST', url: '/v1/banks', token: 'admin', body: { name: 'made-by-fuzz', kind: 'test' } },
    {
      method: 'POST',
      url: '/v1/api-keys',
      token: 'admin',
      body: { name: 'fuzz', scopes: ['match:verdict'], banks: ['fuzz'] },
    },
    {
      method: 'POST',
      url: '/v1/public/reports',
      token: null,
      body: { urls: ['https://example.invalid/a'], description: 'seen here', reporter: { anonymous: true } },
    },
    {
      method: 'POST',
      url: '/v1/public/self-submissions',
      token: null,
      body: {
        caseType: 'minor',
        images: [{ pdq, quality: 90, md5: 'b'.repeat(32), sha256: 'c'.repeat(64) }],
      },
    },
    {
      method: 'POST',
      url: '/v1/public/self-submissions/status',
      token: null,
      body: { caseNumber: '0000000000000', pin: '12345678' },
    },
  ];
}

const NCMEC_XML = `<?xml version="1.0" encoding="UTF-8"?>
<fingerprints>
  <fingerprint id="1" member="m1"><md5>${'a'.repeat(32)}</md5><pdq quality="90">${'f8f8f0cee0f4e1e1c3c3c3e1f0f8fcfe0f1f3f7f7e3c1c0e0f1f3f7f3e1c0c08'}</pdq></fingerprint>
  <fingerprint id="2" deleted="true"><sha256>${'b'.repeat(64)}</sha256></fingerprint>
</fingerprints>
`;

function hashListSeeds(random: () => number): [ImportFormat, string][] {
  const pdq = () => randomPdq(random);
  return [
    [
      'csv',
      `signal_type,value,quality,industry\npdq,${pdq()},90,A1\nmd5,${'a'.repeat(32)},,B1\n"pdq","${pdq()}",80,\n`,
    ],
    ['tsv', `signal_type\tvalue\tquality\npdq\t${pdq()}\t90\nsha256\t${'c'.repeat(64)}\t\n`],
    ['threatexchange', `${pdq()},90\n${pdq()},100\n`],
    ['ncmec-xml', NCMEC_XML],
    [
      'stopncii-json',
      JSON.stringify({ hashes: [{ pdq: pdq(), quality: 90, caseId: 'x' }], withdrawn: [{ pdq: pdq() }] }),
    ],
  ];
}

/** Prints the report as the table the issue asks for. */
export function formatAbuseReport(report: AbuseReport): string {
  const rows = Object.entries(report.targets).map(
    ([name, c]) =>
      `${name.padEnd(32)} ${String(c.inputs).padStart(8)} ${String(c.accepted).padStart(8)} ${String(c.refused).padStart(8)} ${String(c.workerCrashes).padStart(8)} ${String(c.crashes).padStart(8)} ${String(c.timeouts).padStart(8)} ${String(c.hangs).padStart(6)} ${String(c.seconds).padStart(7)}`,
  );
  return [
    `abuse suite, seed ${report.seed}, ${report.seconds} s, peak RSS ${report.peakRssMiB} MiB`,
    `${'target'.padEnd(32)} ${'inputs'.padStart(8)} ${'answered'.padStart(8)} ${'refused'.padStart(8)} ${'w.crash'.padStart(8)} ${'crashes'.padStart(8)} ${'timeouts'.padStart(8)} ${'hangs'.padStart(6)} ${'seconds'.padStart(7)}`,
    ...rows,
    ...(report.crashSamples.length > 0 ? ['notes:', ...report.crashSamples] : []),
  ].join('\n');
}
