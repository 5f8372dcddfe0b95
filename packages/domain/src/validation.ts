import { DomainError, type ErrorDetail } from './domain-error.js';

/**
 * Collects field problems so a caller hears about all of them at once, then throws one
 * `VALIDATION_FAILED` (or the single problem's own code) listing them.
 */
export class Problems {
  readonly list: ErrorDetail[] = [];

  add(at: string, message: string, code: ErrorDetail['code'] = 'VALIDATION_FAILED'): void {
    this.list.push({ at, code, message });
  }

  /** Runs `check`, recording a thrown DomainError under `at`; returns the check's result or undefined. */
  capture<T>(at: string, check: () => T): T | undefined {
    try {
      return check();
    } catch (error) {
      if (error instanceof DomainError) {
        this.add(at, error.message, error.code);
        return undefined;
      }
      throw error;
    }
  }

  throwIfAny(summary: string): void {
    if (this.list.length === 0) return;
    const only = this.list.length === 1 ? this.list[0]! : undefined;
    throw new DomainError(
      only ? only.code : 'VALIDATION_FAILED',
      only ? `${only.at}: ${only.message}` : `${summary} (${this.list.length} problems)`,
      this.list,
    );
  }
}

/** True for a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Loose check of an absolute http(s) URL, without relying on a platform URL parser. */
export function isHttpUrl(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length <= 2048 && /^https?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/i.test(value)
  );
}
