import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SealPurpose, SecretBox } from '@hashline/domain';

/** Format version byte of sealed values, so the scheme can change without guessing. */
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with one key per purpose, derived from the master key with HKDF-SHA256, so a value
 * sealed as a contact cannot be opened as a media item. Layout: version, 12-byte random IV,
 * ciphertext, 16-byte tag; text values are that in base64url.
 */
export function createAesSecretBox(masterKey: Uint8Array): SecretBox {
  if (masterKey.byteLength !== 32) throw new Error('The secret key must be 32 bytes.');
  const keys = new Map<SealPurpose, Buffer>();
  const keyFor = (purpose: SealPurpose): Buffer => {
    let key = keys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `hashline:${purpose}`, 32));
      keys.set(purpose, key);
    }
    return key;
  };
  const seal = (purpose: SealPurpose, plain: Uint8Array): Buffer => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', keyFor(purpose), iv);
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, body, cipher.getAuthTag()]);
  };
  const open = (purpose: SealPurpose, sealed: Uint8Array): Buffer => {
    const data = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (data.length < 1 + IV_BYTES + TAG_BYTES || data[0] !== VERSION) {
      throw new Error('Not a sealed value of this version.');
    }
    const decipher = createDecipheriv('aes-256-gcm', keyFor(purpose), data.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(data.subarray(1 + IV_BYTES, data.length - TAG_BYTES)),
      decipher.final(),
    ]);
  };
  return {
    sealText: (purpose, text) => seal(purpose, Buffer.from(text, 'utf8')).toString('base64url'),
    openText: (purpose, sealed) => open(purpose, Buffer.from(sealed, 'base64url')).toString('utf8'),
    sealBytes: (purpose, bytes) => new Uint8Array(seal(purpose, bytes)),
    openBytes: (purpose, sealed) => new Uint8Array(open(purpose, sealed)),
  };
}

/**
 * The master key: from configuration (base64), or generated once into `file` (mode 0600) so a
 * laptop install needs no setup. Losing the file loses the contacts, TOTP secrets and kept media.
 */
export function loadOrCreateMasterKey(configured: string | null, file: string): Uint8Array {
  if (configured !== null) return new Uint8Array(Buffer.from(configured, 'base64'));
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key.`);
    return new Uint8Array(key);
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  // 'wx': never overwrite a key another process wrote a moment ago.
  try {
    writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateMasterKey(null, file);
    throw error;
  }
  return new Uint8Array(key);
}
