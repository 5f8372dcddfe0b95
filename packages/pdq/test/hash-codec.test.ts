import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fromHex, hammingDistance, isPdqHex, PdqError, toHex, PDQ_HASH_BYTES } from '@hashline/pdq';

const hashArb = fc.uint8Array({ minLength: PDQ_HASH_BYTES, maxLength: PDQ_HASH_BYTES });

describe('hex codec', () => {
  test('round-trips any hash, printing lower case', () => {
    fc.assert(
      fc.property(hashArb, (hash) => {
        const hex = toHex(hash);
        expect(hex).toMatch(/^[0-9a-f]{64}$/);
        expect(fromHex(hex)).toEqual(hash);
        expect(fromHex(hex.toUpperCase())).toEqual(hash);
      }),
    );
  });

  test('the first hex digit is the high nibble of byte 0', () => {
    const hash = new Uint8Array(PDQ_HASH_BYTES);
    hash[0] = 0xa0;
    hash[31] = 0x01;
    expect(toHex(hash)).toBe('a0' + '0'.repeat(60) + '01');
  });

  test.each([
    ['', 'it has 0 characters'],
    ['abc', 'it has 3 characters'],
    ['0'.repeat(63), 'it has 63 characters'],
    ['0'.repeat(65), 'it has 65 characters'],
    ['0x' + '0'.repeat(62), 'character 2 is not a hex digit'],
    ['g' + '0'.repeat(63), 'character 1 is not a hex digit'],
    [' ' + '0'.repeat(63), 'character 1 is not a hex digit'],
  ])('rejects %j with a clear message', (input, detail) => {
    expect(isPdqHex(input)).toBe(false);
    try {
      fromHex(input);
      expect.unreachable('fromHex accepted a malformed hash');
    } catch (error) {
      expect(error).toBeInstanceOf(PdqError);
      expect((error as PdqError).code).toBe('PDQ_INVALID_HEX');
      expect((error as PdqError).message).toContain(detail);
    }
  });

  test('rejects a non-string', () => {
    expect(() => fromHex(42 as unknown as string)).toThrow(PdqError);
  });
});

describe('Hamming distance', () => {
  test('is zero on self and symmetric', () => {
    fc.assert(
      fc.property(hashArb, hashArb, (a, b) => {
        expect(hammingDistance(a, a)).toBe(0);
        expect(hammingDistance(a, b)).toBe(hammingDistance(b, a));
      }),
    );
  });

  test('satisfies the triangle inequality', () => {
    fc.assert(
      fc.property(hashArb, hashArb, hashArb, (a, b, c) => {
        expect(hammingDistance(a, c)).toBeLessThanOrEqual(hammingDistance(a, b) + hammingDistance(b, c));
      }),
    );
  });

  test('counts exactly the flipped bits', () => {
    fc.assert(
      fc.property(
        hashArb,
        fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 256 }),
        (hash, bits) => {
          const flipped = hash.slice();
          for (const bit of bits) flipped[bit >> 3]! ^= 1 << (bit & 7);
          expect(hammingDistance(hash, flipped)).toBe(bits.length);
        },
      ),
    );
  });

  test('rejects buffers that are not 32 bytes', () => {
    expect(() => hammingDistance(new Uint8Array(31), new Uint8Array(32))).toThrow(
      expect.objectContaining({ code: 'PDQ_INVALID_HASH' }),
    );
  });
});
