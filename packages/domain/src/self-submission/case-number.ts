import type { RandomBytes } from './self-submission-case.js';

/** Random digits in a case number (≈ 40 bits), before the check digit. */
const CASE_RANDOM_DIGITS = 12;
/** Digits of a PIN (≈ 26.6 bits; wrong attempts are limited per case). */
export const PIN_DIGITS = 8;

/** `length` uniformly random decimal digits (rejection sampling, no modulo bias). */
export function randomDigits(random: RandomBytes, length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      // 250 = 25 × 10: bytes 250–255 would favour digits 0–5.
      if (byte < 250 && out.length < length) out += String(byte % 10);
    }
  }
  return out;
}

/** The Luhn check digit of a string of digits. */
export function luhnCheckDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    // Double every second digit counting from the right of the payload (the check digit follows it).
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** A new case number: 12 random digits and a Luhn check digit (catches one wrong or swapped digit). */
export function newCaseNumber(random: RandomBytes): string {
  const payload = randomDigits(random, CASE_RANDOM_DIGITS);
  return payload + luhnCheckDigit(payload);
}

/** A new PIN of {@link PIN_DIGITS} digits. */
export function newPin(random: RandomBytes): string {
  return randomDigits(random, PIN_DIGITS);
}

/**
 * The canonical form of a typed case number (spaces and dashes dropped), or undefined when it is
 * not 13 digits with a valid check digit.
 */
export function parseCaseNumber(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 40) return undefined;
  const digits = input.replace(/[\s-]/g, '');
  if (!/^\d{13}$/.test(digits)) return undefined;
  return luhnCheckDigit(digits.slice(0, 12)) === digits[12] ? digits : undefined;
}

/** A case number grouped for reading aloud and writing down: `1234 5678 9012 3`. */
export function formatCaseNumber(caseNumber: string): string {
  return caseNumber.replace(/(\d{4})(?=\d)/g, '$1 ');
}
