import type { AuditEvent } from './hotline-records.js';

/** The `prevHash` of the first audit row. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** A synchronous SHA-256 of a UTF-8 string, as lower-case hex (node:crypto in the adapters). */
export type Sha256Hex = (text: string) => string;

/**
 * The exact text a row's hash covers: every field but the hash itself, in a fixed order, with the
 * details' keys sorted, so the same row always gives the same digest on every engine.
 */
export function auditDigestInput(row: Omit<AuditEvent, 'hash'>): string {
  const details = Object.fromEntries(
    Object.keys(row.details)
      .sort()
      .map((key) => [key, row.details[key]]),
  );
  return JSON.stringify([
    row.seq,
    row.at.toISOString(),
    row.actor,
    row.action,
    row.subjectType,
    row.subjectId,
    details,
    row.prevHash,
  ]);
}

/** What {@link verifyAuditChain} found. */
export interface AuditVerification {
  readonly ok: boolean;
  /** Rows checked. */
  readonly checked: number;
  /** The first row that breaks the chain, when one does. */
  readonly firstBadSeq: number | null;
  /** A readable reason when not ok. */
  readonly problem: string | null;
}

/**
 * Walks the audit log in seq order and checks, for every row: its seq follows the previous one
 * (a deleted row leaves a gap), its `prevHash` is the previous row's hash, and its hash is the
 * digest of its content (an edited row no longer matches). Finally the head anchor must name the
 * last row, so deleting the newest rows is detected too.
 */
export async function verifyAuditChain(
  rows: AsyncIterable<AuditEvent> | Iterable<AuditEvent>,
  head: { readonly seq: number; readonly hash: string },
  sha256Hex: Sha256Hex,
): Promise<AuditVerification> {
  let previousHash = AUDIT_GENESIS_HASH;
  let previousSeq = 0;
  let checked = 0;
  const fail = (seq: number, problem: string): AuditVerification => ({
    ok: false,
    checked,
    firstBadSeq: seq,
    problem,
  });
  for await (const row of rows) {
    if (row.seq !== previousSeq + 1) {
      return fail(
        row.seq,
        `row ${previousSeq + 1}${row.seq > previousSeq + 2 ? `–${row.seq - 1}` : ''} is missing`,
      );
    }
    if (row.prevHash !== previousHash)
      return fail(row.seq, `row ${row.seq} does not chain to row ${previousSeq}`);
    const { hash, ...content } = row;
    if (sha256Hex(auditDigestInput(content)) !== hash) {
      return fail(row.seq, `row ${row.seq} was changed after it was written`);
    }
    previousHash = hash;
    previousSeq = row.seq;
    checked++;
  }
  if (head.seq !== previousSeq || head.hash !== previousHash) {
    return head.seq > previousSeq
      ? fail(
          previousSeq + 1,
          `rows ${previousSeq + 1}–${head.seq} were deleted (the head names row ${head.seq})`,
        )
      : fail(head.seq, `the head anchor names row ${head.seq}, not the last row ${previousSeq}`);
  }
  return { ok: true, checked, firstBadSeq: null, problem: null };
}
