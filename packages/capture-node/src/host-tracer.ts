import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DomainError, systemClock, type Clock, type HostTrace, type HostTracer } from '@hashline/domain';
import { isBlockedParsed } from './blocked-address.js';
import { systemResolver, type HostResolver } from './host-resolver.js';
import { parseIp, type ParsedIp } from './ip-address.js';
import {
  bigintBound,
  Ipv4Columns,
  Ipv6Columns,
  ipv4Table,
  ipv6Table,
  numberBound,
  readRangeCsv,
  splitAsnFields,
  type IpRangeTable,
} from './ip-range-table.js';

/** Country and network of one address, from the offline dataset. */
export interface AddressOrigin {
  /** ISO 3166-1 alpha-2, upper case; null when unknown or the address is not public. */
  readonly country: string | null;
  readonly asn: number | null;
  readonly network: string | null;
}

/** The offline dataset a tracer answers from. */
export interface HostTraceDataset {
  /** Package names and versions, e.g. `@ip-location-db/geo-whois-asn-country@2.3.2026061719 + …`. */
  readonly name: string;
  /** The data's date (YYYY-MM-DD), from the package version (`2.3.YYYYMMDDHH`); the older of the two. */
  readonly date: string;
}

/** The Node tracer: the domain's {@link HostTracer} plus look-ups by address. */
export interface NodeHostTracer extends HostTracer {
  /**
   * Traces the host of `url`. Pass `knownAddress` (the fetcher's `remoteAddress`) to trace the
   * address the capture really connected to instead of resolving the host again.
   */
  trace(url: string, knownAddress?: string): Promise<HostTrace>;
  /** Country, ASN and network of an address; all null for a blocked (loopback, private…) one. */
  lookupAddress(ip: string): Promise<AddressOrigin>;
  /** The dataset's name and date (reads two package.json files, not the data). */
  dataset(): Promise<HostTraceDataset>;
}

/** Options of {@link createHostTracer}. */
export interface HostTracerOptions {
  /** Host name → addresses (default: the system resolver). The first address is traced. */
  readonly resolver?: HostResolver;
  /** Sets `tracedAt` (default: system time). */
  readonly clock?: Clock;
  /** A DNS answer slower than this counts as unresolved (default 5 s). */
  readonly resolveTimeoutMs?: number;
}

/** Where the country comes from: geofeeds, then RIR whois, then the ASN's country. CC0 (+ NRO CC BY 4.0). */
export const COUNTRY_DATASET_PACKAGE = '@ip-location-db/geo-whois-asn-country';
/** Where ASN and network name come from: RouteViews, the five RIRs and DB-IP ASN Lite. CC BY 4.0. */
export const ASN_DATASET_PACKAGE = '@ip-location-db/asn';

/**
 * The credit the data's licences (CC BY 4.0) ask for. DB-IP asks that a web page that shows
 * the data links to it: show this wherever a host trace is displayed.
 */
export const HOST_TRACE_ATTRIBUTION = {
  // The lead-in only: each source is named once, by its link (the text used to name them all and
  // the links named them again, so the page printed the attribution twice).
  text: 'IP data (CC0 / CC BY 4.0):',
  links: [
    { label: 'IP Geolocation by DB-IP', href: 'https://db-ip.com' },
    {
      label: 'ip-location-db (geo-whois-asn-country, asn)',
      href: 'https://github.com/sapics/ip-location-db',
    },
    { label: 'RouteViews', href: 'https://www.routeviews.org/routeviews/' },
    { label: 'NRO and the RIRs', href: 'https://www.nro.net/' },
  ],
} as const;

const DEFAULT_RESOLVE_TIMEOUT_MS = 5_000;

type Network = { readonly asn: number; readonly name: string | null };
type Tables = { readonly country: IpRangeTable<string>; readonly network: IpRangeTable<Network> };

const requireFromHere = createRequire(import.meta.url);

function packageDirectory(name: string): string {
  return dirname(requireFromHere.resolve(`${name}/package.json`));
}

/**
 * Creates the host tracer: host → DNS (once, injectable) → first address → country, ASN and
 * network name from the offline ip-location-db CSVs installed from npm (nothing is downloaded).
 * Each family's tables load on first use (about a second, a few tens of MB while parsing) and
 * are then searched in O(log n). A host that does not resolve gives `ipAddress: null`; a
 * loopback or private address gives nulls for country and network.
 */
export function createHostTracer(options: HostTracerOptions = {}): NodeHostTracer {
  const resolver = options.resolver ?? systemResolver;
  const clock = options.clock ?? systemClock;
  const resolveTimeoutMs = options.resolveTimeoutMs ?? DEFAULT_RESOLVE_TIMEOUT_MS;
  const tables: { 4?: Promise<Tables>; 6?: Promise<Tables> } = {};
  let datasetPromise: Promise<HostTraceDataset> | undefined;

  const dataset = (): Promise<HostTraceDataset> => (datasetPromise ??= readDataset());

  const tablesFor = (family: 4 | 6): Promise<Tables> => {
    const existing = tables[family];
    if (existing !== undefined) return existing;
    const loading = loadTables(family);
    // A failed load is not cached, so a later trace can try again.
    loading.catch(() => delete tables[family]);
    tables[family] = loading;
    return loading;
  };

  const originOf = async (ip: ParsedIp): Promise<AddressOrigin> => {
    if (isBlockedParsed(ip)) return { country: null, asn: null, network: null };
    const { country, network } = await tablesFor(ip.family);
    const net = network.find(ip.value);
    return { country: country.find(ip.value), asn: net?.asn ?? null, network: net?.name ?? null };
  };

  const resolveFirst = async (host: string): Promise<string | null> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const addresses = await Promise.race([
        resolver(host),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), resolveTimeoutMs);
        }),
      ]);
      const first = addresses[0];
      return typeof first === 'string' && parseIp(first) !== null ? stripBrackets(first) : null;
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async trace(url: string, knownAddress?: string): Promise<HostTrace> {
      let host: string;
      try {
        host = new URL(url).hostname;
      } catch {
        throw new DomainError('VALIDATION_FAILED', 'The URL to trace is not a valid absolute URL.');
      }
      const bare = stripBrackets(host);
      const literal = parseIp(bare) !== null ? bare : null;
      const address =
        knownAddress !== undefined && parseIp(knownAddress) !== null
          ? stripBrackets(knownAddress)
          : (literal ?? (bare === '' ? null : await resolveFirst(bare)));
      const parsed = address === null ? null : parseIp(address);
      const origin = parsed === null ? { country: null, asn: null, network: null } : await originOf(parsed);
      const { name, date } = await dataset();
      return {
        host: bare,
        ipAddress: address,
        country: origin.country,
        asn: origin.asn,
        network: origin.network,
        dataset: name,
        datasetDate: date,
        tracedAt: clock.now(),
      };
    },
    async lookupAddress(ip: string): Promise<AddressOrigin> {
      const parsed = parseIp(ip);
      return parsed === null ? { country: null, asn: null, network: null } : originOf(parsed);
    },
    dataset,
  };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

async function readDataset(): Promise<HostTraceDataset> {
  const versions = await Promise.all(
    [COUNTRY_DATASET_PACKAGE, ASN_DATASET_PACKAGE].map(async (name) => {
      const json = JSON.parse(await readFile(join(packageDirectory(name), 'package.json'), 'utf8')) as {
        version?: unknown;
      };
      const version = typeof json.version === 'string' ? json.version : 'unknown';
      return { name, version, date: dateOfVersion(version) };
    }),
  );
  const dates = versions
    .map((v) => v.date)
    .filter((d): d is string => d !== null)
    .sort();
  return {
    name: versions.map((v) => `${v.name}@${v.version}`).join(' + '),
    date: dates[0] ?? 'unknown',
  };
}

/** ip-location-db versions end in the data's build time: `2.3.2026061719` → `2026-06-17`. */
export function dateOfVersion(version: string): string | null {
  const match = /\.(\d{4})(\d{2})(\d{2})\d{2}$/.exec(version);
  return match === null ? null : `${match[1]}-${match[2]}-${match[3]}`;
}

const countryValue = (fields: string): { key: string; value: string } | null => {
  const code = fields.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(code) ? { key: code, value: code } : null;
};

const networkValue = (fields: string): { key: string; value: Network } | null => {
  const split = splitAsnFields(fields);
  if (split === null) return null;
  return {
    key: `${split.asn}\u0000${split.name}`,
    value: { asn: split.asn, name: split.name === '' ? null : split.name },
  };
};

async function loadTables(family: 4 | 6): Promise<Tables> {
  const countryCsv = join(
    packageDirectory(COUNTRY_DATASET_PACKAGE),
    `geo-whois-asn-country-ipv${family}-num.csv`,
  );
  const asnCsv = join(packageDirectory(ASN_DATASET_PACKAGE), `asn-ipv${family}-num.csv`);
  // One file at a time keeps the peak memory to one file's bytes and columns.
  if (family === 4) {
    const countryRows = new Ipv4Columns();
    const country = ipv4Table(
      countryRows,
      await readRangeCsv(countryCsv, countryRows, numberBound, countryValue),
    );
    const networkRows = new Ipv4Columns();
    const network = ipv4Table(
      networkRows,
      await readRangeCsv(asnCsv, networkRows, numberBound, networkValue),
    );
    return { country, network };
  }
  const countryRows = new Ipv6Columns();
  const country = ipv6Table(
    countryRows,
    await readRangeCsv(countryCsv, countryRows, bigintBound, countryValue),
  );
  const networkRows = new Ipv6Columns();
  const network = ipv6Table(networkRows, await readRangeCsv(asnCsv, networkRows, bigintBound, networkValue));
  return { country, network };
}
