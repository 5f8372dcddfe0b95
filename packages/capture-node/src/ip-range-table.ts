import { readFile } from 'node:fs/promises';

/**
 * Non-overlapping, sorted IP ranges with a value each, searched in O(log n). Bounds live in
 * typed arrays (IPv4 in `Uint32Array`s, IPv6 as high and low halves in `BigUint64Array`s), from
 * parsing to lookup, so a dataset of a few hundred thousand ranges costs a few MB and never a
 * few hundred thousand objects.
 */
export interface IpRangeTable<V> {
  readonly size: number;
  /** The value of the range holding `ip` (a 32-bit number for IPv4, a 128-bit bigint for IPv6). */
  find(ip: number | bigint): V | null;
}

/** Growable columns of inclusive ranges `[start, end] → value index`. */
export interface RangeColumns<T extends number | bigint> {
  readonly length: number;
  startAt(i: number): T;
  endAt(i: number): T;
  valueAt(i: number): number;
  push(start: T, end: T, value: number): void;
  setEnd(i: number, end: T): void;
}

abstract class GrowableColumns {
  length = 0;
  protected capacity = 0;
  protected values = new Uint32Array(0);

  valueAt(i: number): number {
    return this.values[i] as number;
  }

  /** Makes room for one more row, doubling the arrays when full. */
  protected reserve(): void {
    if (this.length < this.capacity) return;
    this.capacity = Math.max(1024, this.capacity * 2);
    this.resize(this.capacity);
  }

  protected abstract resize(capacity: number): void;
}

/** IPv4 columns: 12 bytes a range. */
export class Ipv4Columns extends GrowableColumns implements RangeColumns<number> {
  private starts = new Uint32Array(0);
  private ends = new Uint32Array(0);

  startAt(i: number): number {
    return this.starts[i] as number;
  }

  endAt(i: number): number {
    return this.ends[i] as number;
  }

  push(start: number, end: number, value: number): void {
    this.reserve();
    this.starts[this.length] = start;
    this.ends[this.length] = end;
    this.values[this.length] = value;
    this.length++;
  }

  setEnd(i: number, end: number): void {
    this.ends[i] = end;
  }

  protected resize(capacity: number): void {
    this.starts = grow(this.starts, new Uint32Array(capacity));
    this.ends = grow(this.ends, new Uint32Array(capacity));
    this.values = grow(this.values, new Uint32Array(capacity));
  }
}

const LOW_64 = (1n << 64n) - 1n;

/** IPv6 columns: 36 bytes a range. */
export class Ipv6Columns extends GrowableColumns implements RangeColumns<bigint> {
  private startHi = new BigUint64Array(0);
  private startLo = new BigUint64Array(0);
  private endHi = new BigUint64Array(0);
  private endLo = new BigUint64Array(0);

  startAt(i: number): bigint {
    return ((this.startHi[i] as bigint) << 64n) | (this.startLo[i] as bigint);
  }

  endAt(i: number): bigint {
    return ((this.endHi[i] as bigint) << 64n) | (this.endLo[i] as bigint);
  }

  push(start: bigint, end: bigint, value: number): void {
    this.reserve();
    this.startHi[this.length] = start >> 64n;
    this.startLo[this.length] = start & LOW_64;
    this.values[this.length] = value;
    this.length++;
    this.setEnd(this.length - 1, end);
  }

  setEnd(i: number, end: bigint): void {
    this.endHi[i] = end >> 64n;
    this.endLo[i] = end & LOW_64;
  }

  protected resize(capacity: number): void {
    this.startHi = grow(this.startHi, new BigUint64Array(capacity));
    this.startLo = grow(this.startLo, new BigUint64Array(capacity));
    this.endHi = grow(this.endHi, new BigUint64Array(capacity));
    this.endLo = grow(this.endLo, new BigUint64Array(capacity));
    this.values = grow(this.values, new Uint32Array(capacity));
  }
}

function grow<A extends Uint32Array | BigUint64Array>(old: A, next: A): A {
  (next as Uint32Array).set(old as Uint32Array);
  return next;
}

/**
 * Turns ranges sorted by start, possibly nested or overlapping (the datasets put a more
 * specific range, e.g. from a geofeed, after the block that holds it), into disjoint segments
 * in `out`, where the later, inner range wins over the part of the outer range it covers.
 * Adjacent segments with the same value are merged. `step(x, d)` is x + d in the bounds' type.
 */
export function flattenRanges<T extends number | bigint>(
  rows: RangeColumns<T>,
  out: RangeColumns<T>,
  zero: T,
  step: (x: T, d: 1 | -1) => T,
): void {
  const open: number[] = []; // indexes of rows that cover the cursor, innermost last
  let cursor = zero;
  const emit = (start: T, end: T, value: number): void => {
    if (start > end) return;
    const last = out.length - 1;
    if (last >= 0 && out.valueAt(last) === value && step(out.endAt(last), 1) === start) out.setEnd(last, end);
    else out.push(start, end, value);
  };
  // Emits every open range's remaining part before `until` (exclusive), closing those that end.
  const advance = (until: T | null): void => {
    while (open.length > 0) {
      const top = open[open.length - 1] as number;
      const topEnd = rows.endAt(top);
      if (until === null || topEnd < until) {
        if (cursor <= topEnd) {
          emit(cursor, topEnd, rows.valueAt(top));
          cursor = step(topEnd, 1);
        }
        open.pop();
      } else {
        emit(cursor, step(until, -1), rows.valueAt(top));
        break;
      }
    }
    if (until !== null && cursor < until) cursor = until;
  };
  let previousStart: T | null = null;
  for (let i = 0; i < rows.length; i++) {
    const start = rows.startAt(i);
    if (previousStart !== null && start < previousStart) throw new Error('IP ranges are not sorted by start');
    if (rows.endAt(i) < start) continue;
    previousStart = start;
    advance(start);
    open.push(i);
  }
  advance(null);
}

/** A searchable table over flattened columns. */
function rangeTable<T extends number | bigint, V>(
  columns: RangeColumns<T>,
  values: readonly V[],
  toKey: (ip: number | bigint) => T,
): IpRangeTable<V> {
  const size = columns.length;
  return {
    size,
    find(ip) {
      const target = toKey(ip);
      let lo = 0;
      let hi = size - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (columns.startAt(mid) <= target) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (found < 0 || target > columns.endAt(found)) return null;
      return values[columns.valueAt(found)] ?? null;
    },
  };
}

/** Builds an IPv4 table from sorted, possibly nested rows. */
export function ipv4Table<V>(rows: Ipv4Columns, values: readonly V[]): IpRangeTable<V> {
  const flat = new Ipv4Columns();
  flattenRanges(rows, flat, 0, (x, d) => x + d);
  return rangeTable(flat, values, Number);
}

/** Builds an IPv6 table from sorted, possibly nested rows. */
export function ipv6Table<V>(rows: Ipv6Columns, values: readonly V[]): IpRangeTable<V> {
  const flat = new Ipv6Columns();
  flattenRanges(rows, flat, 0n, (x, d) => x + BigInt(d));
  return rangeTable(flat, values, BigInt);
}

/**
 * Reads an ip-location-db "-num" CSV (`start,end,fields…`, inclusive numeric bounds, sorted by
 * start) into `rows`, interning the value each row maps to (`toValue` gets the text after the
 * bounds and returns a key and the value; equal keys share one value). Works on the file's
 * bytes, so the values kept are small fresh strings, never slices pinning the whole file.
 */
export async function readRangeCsv<T extends number | bigint, V>(
  path: string,
  rows: RangeColumns<T>,
  bound: (bytes: Buffer, start: number, end: number) => T | null,
  toValue: (fields: string) => { key: string; value: V } | null,
): Promise<V[]> {
  const bytes = await readFile(path);
  const values: V[] = [];
  const indexByKey = new Map<string, number>();
  let lineStart = 0;
  while (lineStart < bytes.length) {
    let next = bytes.indexOf(NEWLINE, lineStart);
    if (next < 0) next = bytes.length;
    const lineEnd = next > lineStart && bytes[next - 1] === CARRIAGE_RETURN ? next - 1 : next;
    const firstComma = bytes.indexOf(COMMA, lineStart);
    const secondComma = firstComma < 0 ? -1 : bytes.indexOf(COMMA, firstComma + 1);
    const start = lineStart;
    lineStart = next + 1;
    if (secondComma < 0 || secondComma >= lineEnd) continue;
    const low = bound(bytes, start, firstComma);
    const high = bound(bytes, firstComma + 1, secondComma);
    if (low === null || high === null) continue; // a malformed line is skipped, not guessed at
    const mapped = toValue(bytes.toString('utf8', secondComma + 1, lineEnd));
    if (mapped === null) continue;
    let index = indexByKey.get(mapped.key);
    if (index === undefined) {
      index = values.length;
      values.push(mapped.value);
      indexByKey.set(mapped.key, index);
    }
    rows.push(low, high, index);
  }
  return values;
}

/** A decimal IPv4 bound read straight from the bytes; null unless 1-10 digits within 32 bits. */
export function numberBound(bytes: Buffer, start: number, end: number): number | null {
  if (end <= start || end - start > 10) return null;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = (bytes[i] as number) - 0x30;
    if (digit < 0 || digit > 9) return null;
    value = value * 10 + digit;
  }
  return value <= 0xffffffff ? value : null;
}

const MAX_128 = (1n << 128n) - 1n;

/** A decimal IPv6 bound as a bigint; null unless 1-39 digits within 128 bits. */
export function bigintBound(bytes: Buffer, start: number, end: number): bigint | null {
  if (end <= start || end - start > 39) return null;
  const text = bytes.toString('latin1', start, end);
  if (!/^[0-9]+$/.test(text)) return null;
  const value = BigInt(text);
  return value <= MAX_128 ? value : null;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const COMMA = 0x2c;

/** Splits `12345,"Name, Inc."` into the number and the unquoted name (CSV quoting, `""` escapes). */
export function splitAsnFields(fields: string): { asn: number; name: string } | null {
  const comma = fields.indexOf(',');
  const asn = Number(comma < 0 ? fields : fields.slice(0, comma));
  if (!Number.isInteger(asn) || asn < 0) return null;
  let name = comma < 0 ? '' : fields.slice(comma + 1).trim();
  if (name.startsWith('"') && name.endsWith('"') && name.length >= 2)
    name = name.slice(1, -1).replaceAll('""', '"');
  return { asn, name };
}
