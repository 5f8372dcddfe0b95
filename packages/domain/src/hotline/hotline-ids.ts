import type { RandomBytes } from '../self-submission/self-submission-case.js';

/** Crockford's base-32 alphabet: no I, L, O, U, so codes read aloud or copied by hand survive. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `length` base-32 characters from uniformly random bytes (32 divides 256: no bias). */
function randomBase32(random: RandomBytes, length: number): string {
  return Array.from(random(length), (byte) => CROCKFORD[byte & 31]).join('');
}

/** A ULID: 48-bit millisecond time then 80 random bits; sorts by creation time. */
export function newReportId(now: Date, random: RandomBytes): string {
  let time = now.getTime();
  let prefix = '';
  for (let i = 0; i < 10; i++) {
    prefix = CROCKFORD[time % 32]! + prefix;
    time = Math.floor(time / 32);
  }
  return prefix + randomBase32(random, 16);
}

/** A random id for records that need no order (contacts). */
export function newOpaqueId(random: RandomBytes): string {
  return randomBase32(random, 26);
}

/**
 * A receipt code: `HL-` and 16 random base-32 characters in groups of four (80 bits): unguessable,
 * so it can stand for the reporter without any identity.
 */
export function newReceiptCode(random: RandomBytes): string {
  const body = randomBase32(random, 16);
  return `HL-${body.slice(0, 4)}-${body.slice(4, 8)}-${body.slice(8, 12)}-${body.slice(12)}`;
}

/**
 * A receipt code as typed by a person, normalised: upper case, spaces and dashes ignored, the
 * letters people confuse mapped as Crockford says (O→0, I/L→1). Returns null when it cannot be one.
 */
export function normalizeReceiptCode(input: string): string | null {
  let body = input.toUpperCase().replace(/[\s-]/g, '');
  if (body.startsWith('HL')) body = body.slice(2);
  body = body.replace(/O/g, '0').replace(/[IL]/g, '1');
  if (!/^[0-9A-HJKMNP-TV-Z]{16}$/.test(body)) return null;
  return `HL-${body.slice(0, 4)}-${body.slice(4, 8)}-${body.slice(8, 12)}-${body.slice(12)}`;
}
