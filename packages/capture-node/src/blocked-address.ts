import { parseIp, type ParsedIp } from './ip-address.js';

/** An IPv4 block as [network, prefix length]. */
type V4Block = readonly [string, number];

/**
 * IPv4 ranges a capture never connects to: this host, private networks, shared (CGNAT),
 * link-local (which holds the cloud metadata address 169.254.169.254), IETF protocol
 * assignments, documentation, benchmarking, multicast, reserved and broadcast.
 */
const BLOCKED_V4: readonly V4Block[] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4], // 240/4 also holds 255.255.255.255 (broadcast)
];

const BLOCKED_V4_MASKS = BLOCKED_V4.map(([network, bits]) => {
  const parsed = parseIp(network);
  if (parsed?.family !== 4) throw new Error(`bad block ${network}`);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { network: parsed.value, mask };
});

/** True when the IPv4 value (32-bit unsigned) is in a blocked range. */
export function isBlockedIPv4(value: number): boolean {
  return BLOCKED_V4_MASKS.some(({ network, mask }) => (value & mask) >>> 0 === network);
}

const V6 = (text: string): bigint => {
  const parsed = parseIp(text);
  if (parsed?.family !== 6) throw new Error(`bad address ${text}`);
  return parsed.value;
};

/** True when `value` is inside `prefix/bits` (128-bit). */
function inV6(value: bigint, prefix: bigint, bits: number): boolean {
  const shift = BigInt(128 - bits);
  return value >> shift === prefix >> shift;
}

const NAT64_WELL_KNOWN = V6('64:ff9b::'); // /96, embeds an IPv4 in the low 32 bits
const GLOBAL_UNICAST = V6('2000::'); // /3: the only IPv6 space routed on the internet
const SIX_TO_FOUR = V6('2002::'); // /16, embeds an IPv4 in bits 16..47
const TEREDO = V6('2001::'); // /32, embeds an obfuscated IPv4
const BENCHMARKING_V6 = V6('2001:2::'); // /48
const ORCHID = V6('2001:10::'); // /28 (deprecated)
const ORCHID_V2 = V6('2001:20::'); // /28, not routable
const DOCUMENTATION_V6 = V6('2001:db8::'); // /32
const DOCUMENTATION_V6_NEW = V6('3fff::'); // /20 (RFC 9637)

/**
 * The IPv6 rule is an allow-list: outside 2000::/3 (global unicast) everything is refused,
 * which covers ::, ::1, IPv4-compatible ::/96, IPv4-mapped ::ffff:0:0/96 (whatever IPv4 it
 * embeds), fc00::/7 (ULA), fe80::/10 (link-local), fec0::/10, ff00::/8 (multicast) and 100::/64.
 * The one exception is the well-known NAT64 prefix, judged by the IPv4 it embeds. Inside
 * 2000::/3, 6to4 is judged by its embedded IPv4, and Teredo, documentation, benchmarking and
 * ORCHID space are refused.
 */
function isBlockedIPv6(value: bigint): boolean {
  if (inV6(value, NAT64_WELL_KNOWN, 96)) return isBlockedIPv4(Number(value & 0xffffffffn));
  if (!inV6(value, GLOBAL_UNICAST, 3)) return true;
  if (inV6(value, SIX_TO_FOUR, 16)) return isBlockedIPv4(Number((value >> 80n) & 0xffffffffn));
  return (
    inV6(value, TEREDO, 32) ||
    inV6(value, BENCHMARKING_V6, 48) ||
    inV6(value, ORCHID, 28) ||
    inV6(value, ORCHID_V2, 28) ||
    inV6(value, DOCUMENTATION_V6, 32) ||
    inV6(value, DOCUMENTATION_V6_NEW, 20)
  );
}

/** Blocked for a parsed address; a zone id (`%eth0`) only makes sense on a local link: blocked. */
export function isBlockedParsed(ip: ParsedIp): boolean {
  if (ip.family === 4) return isBlockedIPv4(ip.value);
  return ip.zoned || isBlockedIPv6(ip.value);
}

/**
 * True when a capture must not connect to `ip`: loopback, private, shared (CGNAT), link-local
 * and metadata, multicast, reserved, documentation, IPv6 ULA/link-local/multicast, IPv4-mapped,
 * and NAT64 or 6to4 addresses that embed a blocked IPv4. Fails closed: anything that is not a
 * canonical IPv4 or IPv6 address (e.g. `0177.0.0.1`, `2130706433`, a host name) is blocked, so
 * callers normalise hosts with the WHATWG URL parser (`new URL(...)`) or DNS first.
 * Square brackets around an IPv6 address (as in `URL.hostname`) are accepted.
 */
export function isBlockedAddress(ip: string): boolean {
  const parsed = parseIp(ip);
  return parsed === null || isBlockedParsed(parsed);
}

const LOOPBACK_V4 = 0x7f000001; // 127.0.0.1
const LOOPBACK_V6 = 1n; // ::1

/**
 * True when `ip` is exactly 127.0.0.1 or ::1: the only addresses `allowLoopbackForTests` opens,
 * so a test can still prove that 127.0.0.2, 10/8 or an IPv4-mapped loopback stay refused.
 */
export function isTestLoopback(ip: string): boolean {
  const parsed = parseIp(ip);
  if (parsed === null) return false;
  return parsed.family === 4 ? parsed.value === LOOPBACK_V4 : !parsed.zoned && parsed.value === LOOPBACK_V6;
}
