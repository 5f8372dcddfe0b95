// The range table under the host trace: nested and overlapping ranges flattened so the inner
// (later) range wins, compared with a brute-force scan over random rows.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Ipv4Columns, Ipv6Columns, ipv4Table, ipv6Table, splitAsnFields } from '../src/ip-range-table.js';

type Range = [start: number, end: number, value: string];

function v4(ranges: readonly Range[]) {
  const rows = new Ipv4Columns();
  const values: string[] = [];
  for (const [start, end, value] of ranges) {
    let index = values.indexOf(value);
    if (index < 0) index = values.push(value) - 1;
    rows.push(start, end, index);
  }
  return ipv4Table(rows, values);
}

/** The answer the datasets mean: the last listed range that holds the address. */
function bruteForce(ranges: readonly Range[], ip: number): string | null {
  let answer: string | null = null;
  for (const [start, end, value] of ranges) if (start <= ip && ip <= end) answer = value;
  return answer;
}

describe('ip range tables', () => {
  test('nested ranges: the inner one wins, the outer one resumes after it', () => {
    const table = v4([
      [10, 100, 'DE'],
      [20, 20, 'BE'],
      [30, 40, 'NL'],
      [35, 36, 'LU'],
      [200, 300, 'FR'],
    ]);
    const at = (ip: number) => table.find(ip);
    expect([9, 10, 19, 20, 21, 29, 30, 34, 35, 36, 37, 40, 41, 100, 101, 199, 200, 300, 301].map(at)).toEqual(
      [
        null,
        'DE',
        'DE',
        'BE',
        'DE',
        'DE',
        'NL',
        'NL',
        'LU',
        'LU',
        'NL',
        'NL',
        'DE',
        'DE',
        null,
        null,
        'FR',
        'FR',
        null,
      ],
    );
  });

  test('partly overlapping ranges: the later one wins where they overlap', () => {
    const table = v4([
      [0, 50, 'A'],
      [40, 80, 'B'],
    ]);
    expect([0, 39, 40, 50, 51, 80, 81].map((ip) => table.find(ip))).toEqual([
      'A',
      'A',
      'B',
      'B',
      'B',
      'B',
      null,
    ]);
  });

  test('the edges of the IPv4 space', () => {
    const table = v4([
      [0, 0, 'first'],
      [0xffffffff, 0xffffffff, 'last'],
    ]);
    expect([table.find(0), table.find(1), table.find(0xfffffffe), table.find(0xffffffff)]).toEqual([
      'first',
      null,
      null,
      'last',
    ]);
  });

  test('IPv6 bounds over 64 bits', () => {
    const rows = new Ipv6Columns();
    const big = (hex: string) => BigInt(`0x${hex}`);
    rows.push(big('20010db8000000000000000000000000'), big('20010db8ffffffffffffffffffffffff'), 0);
    rows.push(big('20010db8000000010000000000000000'), big('20010db800000001ffffffffffffffff'), 1);
    const table = ipv6Table(rows, ['outer', 'inner']);
    expect(table.find(big('20010db8000000000000000000000005'))).toBe('outer');
    expect(table.find(big('20010db800000001ffffffffffffffff'))).toBe('inner');
    expect(table.find(big('20010db8000000020000000000000000'))).toBe('outer');
    expect(table.find(big('20010db9000000000000000000000000'))).toBeNull();
  });

  test('flattening agrees with a brute-force scan on random nested rows', () => {
    const rangeArb = fc
      .tuple(
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 120 }),
        fc.constantFrom('A', 'B', 'C', 'D'),
      )
      .map(([start, length, value]): Range => [start, start + length, value]);
    fc.assert(
      fc.property(fc.array(rangeArb, { maxLength: 30 }), (unsorted) => {
        // Sorted by start (as the CSVs are); for equal starts, the wider range first (the datasets' order).
        const ranges = [...unsorted].sort((a, b) => a[0] - b[0] || b[1] - a[1]);
        const table = v4(ranges);
        for (let ip = 0; ip <= 640; ip++) {
          if (table.find(ip) !== bruteForce(ranges, ip)) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  test('unsorted input is refused rather than answered wrongly', () => {
    expect(() =>
      v4([
        [50, 60, 'A'],
        [10, 20, 'B'],
      ]),
    ).toThrow(/not sorted/);
  });

  test.each([
    ['15169,Google LLC', { asn: 15169, name: 'Google LLC' }],
    ['13335,"Cloudflare, Inc."', { asn: 13335, name: 'Cloudflare, Inc.' }],
    ['201907,"LLC ""SPUTNIK"""', { asn: 201907, name: 'LLC "SPUTNIK"' }],
    ['64512', { asn: 64512, name: '' }],
    ['x,Name', null],
  ])('splitAsnFields(%j)', (fields, expected) => {
    expect(splitAsnFields(fields)).toEqual(expected);
  });
});
