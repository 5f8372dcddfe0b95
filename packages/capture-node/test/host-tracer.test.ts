// The host trace against the real offline dataset installed from npm (no network: host names
// resolve through a stub). Expected answers were checked in the CSVs of the installed version.
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  ASN_DATASET_PACKAGE,
  COUNTRY_DATASET_PACKAGE,
  createHostTracer,
  HOST_TRACE_ATTRIBUTION,
} from '../src/index.js';
import { tableResolver } from './support/test-site.js';

const FIXED_NOW = new Date('2026-11-26T10:00:00Z');
const clock = { now: () => FIXED_NOW };
const resolver = tableResolver({
  'dns.google': ['8.8.8.8', '2001:4860:4860::8888'],
  'ripe.example': ['193.0.6.139'],
  'v6only.example': ['2606:4700:4700::1111'],
  'intranet.example': ['10.1.2.3'],
  'empty.example': [],
});
// One tracer for the file: the tables load once (lazily) and are shared by the tests below.
const tracer = createHostTracer({ resolver, clock });

describe('createHostTracer', () => {
  test.each([
    ['8.8.8.8', 'US', 15169, 'Google LLC'],
    ['1.1.1.1', 'AU', 13335, 'Cloudflare, Inc.'],
    ['9.9.9.9', 'US', 19281, 'Quad9'],
    ['193.0.6.139', 'NL', 3333, 'Reseaux IP Europeens Network Coordination Centre (RIPE NCC)'],
    ['80.92.65.1', 'LU', 24611, 'Datacenter Luxembourg S.A.'],
    ['2001:4860:4860::8888', 'US', 15169, 'Google LLC'],
    ['2606:4700:4700::1111', 'US', 13335, 'Cloudflare, Inc.'],
    ['2a00:1450:4001::1', 'IE', 15169, 'Google LLC'],
    ['2001:67c:2e8:22::c100:68b', 'NL', 3333, 'Reseaux IP Europeens Network Coordination Centre (RIPE NCC)'],
  ])('%s → %s, AS%i %s', async (ip, country, asn, network) => {
    expect(await tracer.lookupAddress(ip)).toEqual({ country, asn, network });
  });

  test('a more specific range nested in a larger one wins, and the larger one resumes after it', async () => {
    // In the country CSV, 2.58.197.15 is a one-address BE range inside a DE block.
    expect((await tracer.lookupAddress('2.58.197.14')).country).toBe('DE');
    expect((await tracer.lookupAddress('2.58.197.15')).country).toBe('BE');
    expect((await tracer.lookupAddress('2.58.197.16')).country).toBe('DE');
  });

  test('a CSV-quoted network name keeps its commas and quotes', async () => {
    // 35309568 = 2.26.200.0: `35309568,35313663,201907,"LLC ""SPUTNIK"""`
    expect(await tracer.lookupAddress('2.26.200.0')).toMatchObject({ asn: 201907, network: 'LLC "SPUTNIK"' });
  });

  test('a host name is resolved once and its first address traced; the clock is injected', async () => {
    const trace = await tracer.trace('https://dns.google/resolve?name=x');
    expect(trace).toMatchObject({
      host: 'dns.google',
      ipAddress: '8.8.8.8',
      country: 'US',
      asn: 15169,
      network: 'Google LLC',
      tracedAt: FIXED_NOW,
    });
    const v6 = await tracer.trace('http://v6only.example/');
    expect(v6).toMatchObject({ ipAddress: '2606:4700:4700::1111', country: 'US', asn: 13335 });
  });

  test('the address the capture connected to can be given instead of resolving again', async () => {
    const before = resolver.calls.length;
    const trace = await tracer.trace('http://dns.google/', '2001:4860:4860::8888');
    expect(trace).toMatchObject({
      host: 'dns.google',
      ipAddress: '2001:4860:4860::8888',
      country: 'US',
      asn: 15169,
    });
    expect(resolver.calls.length).toBe(before);
  });

  test('IP-literal hosts are traced without DNS', async () => {
    const before = resolver.calls.length;
    expect(await tracer.trace('http://[2a00:1450:4001::1]/')).toMatchObject({
      host: '2a00:1450:4001::1',
      ipAddress: '2a00:1450:4001::1',
      country: 'IE',
    });
    expect(await tracer.trace('http://0x08080808/')).toMatchObject({ host: '8.8.8.8', country: 'US' });
    expect(resolver.calls.length).toBe(before);
  });

  test('loopback, private and mapped addresses give no country or network', async () => {
    for (const url of [
      'http://127.0.0.1/',
      'http://[::1]/',
      'http://intranet.example/',
      'http://[::ffff:8.8.8.8]/',
      'http://169.254.169.254/',
    ]) {
      const trace = await tracer.trace(url);
      expect([url, trace.ipAddress !== null, trace.country, trace.asn, trace.network]).toEqual([
        url,
        true,
        null,
        null,
        null,
      ]);
    }
  });

  test('a host that does not resolve gives ipAddress null (and still names the dataset)', async () => {
    for (const url of ['http://nowhere.example/', 'http://empty.example/']) {
      const trace = await tracer.trace(url);
      expect(trace).toMatchObject({ ipAddress: null, country: null, asn: null, network: null });
      expect(trace.dataset).toContain(COUNTRY_DATASET_PACKAGE);
    }
    const slow = createHostTracer({
      resolver: () => new Promise<never>(() => {}),
      resolveTimeoutMs: 50,
      clock,
    });
    expect((await slow.trace('http://slow.example/')).ipAddress).toBeNull();
  });

  test('an invalid URL is a validation error', async () => {
    await expect(tracer.trace('not a url')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  test('the dataset is named with versions, and dated from the data build in the version', async () => {
    const trace = await tracer.trace('http://8.8.8.8/');
    expect(trace.dataset).toMatch(
      /^@ip-location-db\/geo-whois-asn-country@\d+\.\d+\.\d{10} \+ @ip-location-db\/asn@\d+\.\d+\.\d{10}$/,
    );
    expect(trace.datasetDate).toMatch(/^20\d\d-[01]\d-[0-3]\d$/);
    const { name, date } = await tracer.dataset();
    expect([name, date]).toEqual([trace.dataset, trace.datasetDate]);
    expect(HOST_TRACE_ATTRIBUTION.links.map((l) => l.href)).toContain('https://db-ip.com');
    // Each source named once: by its link, never again in the lead-in text.
    for (const link of HOST_TRACE_ATTRIBUTION.links) {
      expect(HOST_TRACE_ATTRIBUTION.text).not.toContain(link.label.split(' (')[0]!);
    }
  });

  test('the data is inside the installed packages (nothing is downloaded), for IPv4 and IPv6', () => {
    const require = createRequire(import.meta.url);
    for (const name of [COUNTRY_DATASET_PACKAGE, ASN_DATASET_PACKAGE]) {
      const dir = dirname(require.resolve(`${name}/package.json`));
      const csvs = readdirSync(dir).filter((f) => /-ipv[46]-num\.csv$/.test(f));
      expect(csvs).toHaveLength(2);
      for (const csv of csvs) expect(statSync(`${dir}/${csv}`).size).toBeGreaterThan(1_000_000);
      const pkg = require(`${name}/package.json`) as { scripts?: Record<string, string> };
      expect(pkg.scripts?.install ?? pkg.scripts?.postinstall ?? pkg.scripts?.preinstall).toBeUndefined();
    }
  });
});
