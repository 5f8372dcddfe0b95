import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { digestBytes, hashImageBytes } from '../src/index.js';
import { PDQ_DATA } from './support/fixtures.js';

describe('digestBytes', () => {
  test('known answers (FIPS 180 / RFC 1321 "abc")', () => {
    expect(digestBytes(Buffer.from('abc'))).toEqual({
      md5: '900150983cd24fb0d6963f7d28e17f72',
      sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
  });

  test('hashImageBytes digests the original file bytes, not the decoded pixels', async () => {
    const bytes = readFileSync(join(PDQ_DATA, 'misc-images/wee.jpg'));
    const hashes = await hashImageBytes(bytes);
    expect(hashes.md5).toBe(createHash('md5').update(bytes).digest('hex'));
    expect(hashes.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  test('a view into a larger buffer digests only its own bytes', () => {
    const backing = Buffer.from('xxabcxx');
    expect(digestBytes(backing.subarray(2, 5)).md5).toBe('900150983cd24fb0d6963f7d28e17f72');
  });
});
