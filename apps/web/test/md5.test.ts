import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Md5, md5Hex } from '../src/hashing/md5.js';

describe('md5Hex', () => {
  it('gives the RFC 1321 test-suite digests', () => {
    expect(md5Hex(new Uint8Array())).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5Hex(new TextEncoder().encode('abc'))).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(md5Hex(new TextEncoder().encode('message digest'))).toBe('f96b697d7cb7938d525a2f31aaf161d0');
  });

  it('equals node:crypto on every length around the block and padding edges, and on large inputs', () => {
    for (const length of [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 70_001]) {
      const bytes = randomBytes(length);
      expect(md5Hex(bytes), `length ${length}`).toBe(createHash('md5').update(bytes).digest('hex'));
    }
  });

  it('gives the same digest whatever the chunking', () => {
    const bytes = randomBytes(10_000);
    const md5 = new Md5();
    for (let i = 0; i < bytes.length;) {
      const n = 1 + ((i * 7) % 150);
      md5.update(bytes.subarray(i, i + n));
      i += n;
    }
    expect(md5.digestHex()).toBe(createHash('md5').update(bytes).digest('hex'));
  });
});
