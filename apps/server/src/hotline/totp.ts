import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TotpProvider } from '@hashline/domain';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const STEP_SECONDS = 30;
const DIGITS = 6;

/** RFC 4648 base-32 without padding. */
export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes RFC 4648 base-32 (case, spaces and padding ignored). */
export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=]/g, '');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error('Not base-32.');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The RFC 6238 code (HMAC-SHA1, 30 s, 6 digits) of `secret` for time step `counter`. */
export function totpCode(secret: Buffer, counter: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const digest = createHmac('sha1', secret).update(message).digest();
  const offset = digest[digest.length - 1]! & 0x0f;
  const binary = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** DIGITS).padStart(DIGITS, '0');
}

/** TOTP as authenticator apps implement it; accepts the previous and next step for clock drift. */
export const rfc6238Totp: TotpProvider = {
  newSecret: () => base32Encode(randomBytes(20)),
  verify(secret, code, at) {
    if (!/^\d{6}$/.test(code)) return false;
    const key = base32Decode(secret);
    const step = Math.floor(at.getTime() / 1000 / STEP_SECONDS);
    return [-1, 0, 1].some((drift) =>
      timingSafeEqual(Buffer.from(totpCode(key, step + drift)), Buffer.from(code)),
    );
  },
  uri(secret, account, issuer) {
    const label = encodeURIComponent(`${issuer}:${account}`);
    return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=${DIGITS}&period=${STEP_SECONDS}`;
  },
};

/** The current code of a base-32 secret (for tests and the CLI). */
export function currentTotp(secret: string, at: Date = new Date()): string {
  return totpCode(base32Decode(secret), Math.floor(at.getTime() / 1000 / STEP_SECONDS));
}
