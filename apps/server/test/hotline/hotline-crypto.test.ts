// Encryption at rest and one-time passwords: RFC 6238 vectors, tamper and purpose separation.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAesSecretBox, loadOrCreateMasterKey } from '../../src/hotline/aes-secret-box.js';
import { base32Decode, base32Encode, rfc6238Totp, totpCode } from '../../src/hotline/totp.js';

describe('TOTP (RFC 6238, SHA-1 test vectors, 6 digits)', () => {
  const secret = Buffer.from('12345678901234567890');
  it.each([
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
  ])('t=%i → %s', (seconds, code) => expect(totpCode(secret, Math.floor(seconds / 30))).toBe(code));

  it('accepts one step of drift either way, not two', () => {
    const b32 = base32Encode(secret);
    expect(base32Decode(b32)).toEqual(secret);
    const at = new Date(1111111109 * 1000);
    expect(rfc6238Totp.verify(b32, '081804', at)).toBe(true);
    expect(rfc6238Totp.verify(b32, '081804', new Date(at.getTime() + 30_000))).toBe(true);
    expect(rfc6238Totp.verify(b32, '081804', new Date(at.getTime() + 61_000))).toBe(false);
    expect(rfc6238Totp.verify(b32, '81804', at)).toBe(false);
  });
});

describe('AES-256-GCM secret box', () => {
  const box = createAesSecretBox(new Uint8Array(32).fill(7));

  it('round-trips text and bytes, with a fresh IV every time', () => {
    const sealed = box.sealText('contact', '{"email":"parent@example.org"}');
    expect(sealed).not.toContain('parent');
    expect(box.sealText('contact', 'same')).not.toBe(box.sealText('contact', 'same'));
    expect(box.openText('contact', sealed)).toBe('{"email":"parent@example.org"}');
    const bytes = new Uint8Array([1, 2, 3, 255]);
    expect(box.openBytes('media', box.sealBytes('media', bytes))).toEqual(bytes);
  });

  it('refuses a tampered value, another purpose and another key', () => {
    const sealed = box.sealBytes('media', new Uint8Array([9, 9, 9]));
    const tampered = new Uint8Array(sealed);
    tampered[14] = tampered[14]! ^ 1;
    expect(() => box.openBytes('media', tampered)).toThrow();
    expect(() => box.openBytes('contact', sealed)).toThrow();
    expect(() => createAesSecretBox(new Uint8Array(32).fill(8)).openBytes('media', sealed)).toThrow();
  });

  it('generates a master key once, readable by the owner only', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hashline-key-')), 'secret.key');
    const key = loadOrCreateMasterKey(null, file);
    expect(key.byteLength).toBe(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateMasterKey(null, file)).toEqual(key);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toEqual(Buffer.from(key));
  });
});
