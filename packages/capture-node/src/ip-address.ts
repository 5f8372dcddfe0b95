import { isIPv4, isIPv6 } from 'node:net';

/** A parsed IP address: IPv4 as a 32-bit unsigned number, IPv6 as a 128-bit bigint. */
export type ParsedIp =
  | { readonly family: 4; readonly value: number }
  | { readonly family: 6; readonly value: bigint; readonly zoned: boolean };

/**
 * Parses an IP address in its canonical text forms only: dotted-quad decimal IPv4 (no leading
 * zeros, so `0177.0.0.1` is not read as octal here: the WHATWG URL parser normalises such
 * hosts before they get this far) and IPv6 (compressed or expanded, with an optional embedded
 * dotted IPv4 and an optional `%zone`). Square brackets around IPv6 are accepted, as
 * `URL.hostname` keeps them. Returns null for anything else.
 */
export function parseIp(text: string): ParsedIp | null {
  let ip = text.trim();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (isIPv4(ip)) {
    const value = parseIPv4Strict(ip);
    return value === null ? null : { family: 4, value };
  }
  if (!isIPv6(ip)) return null;
  const zoneAt = ip.indexOf('%');
  const zoned = zoneAt >= 0;
  const value = parseIPv6(zoned ? ip.slice(0, zoneAt) : ip);
  return value === null ? null : { family: 6, value, zoned };
}

/** Dotted-quad decimal only; a part with a leading zero is refused (it would be octal elsewhere). */
function parseIPv4Strict(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

/** IPv6 text (already validated by `net.isIPv6`, zone removed) to a 128-bit value. */
function parseIPv6(ip: string): bigint | null {
  let text = ip.toLowerCase();
  // An embedded dotted IPv4 tail becomes two hex groups, so one code path reads every form.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIPv4Strict(tail);
    if (v4 === null) return null;
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(group)) return null;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

/** Formats a 32-bit value as dotted-quad IPv4. */
export function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

/** Parses dotted-quad text to a 32-bit value (null when it is not one). */
export function ipv4ToNumber(text: string): number | null {
  return isIPv4(text) ? parseIPv4Strict(text) : null;
}
