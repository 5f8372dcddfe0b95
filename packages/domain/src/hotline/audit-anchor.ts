import type { AuditEvent } from './hotline-records.js';

/** The format name every published anchor carries (and its signature covers). */
export const AUDIT_ANCHOR_FORMAT = 'hashline-audit-anchor/v1';

/** One published anchor: a signed statement "the audit chain's row `seq` has hash `hash`". */
export interface PublishedAuditAnchor {
  readonly format: typeof AUDIT_ANCHOR_FORMAT;
  readonly seq: number;
  /** The chain's hash at `seq` (lower-case hex SHA-256). */
  readonly hash: string;
  /** When it was signed (ISO 8601, UTC). */
  readonly signedAt: string;
  /** SHA-256 (hex) of the raw 32-byte Ed25519 public key. */
  readonly keyId: string;
  /** The raw Ed25519 public key, base64: a reader still checks it against the key it trusts. */
  readonly publicKey: string;
  /** Ed25519 signature over {@link auditAnchorMessage}, base64. */
  readonly signature: string;
}

/** The exact bytes (as UTF-8 text) an anchor's signature covers. */
export function auditAnchorMessage(anchor: {
  readonly seq: number;
  readonly hash: string;
  readonly signedAt: string;
  readonly keyId: string;
}): string {
  return [AUDIT_ANCHOR_FORMAT, anchor.seq, anchor.hash, anchor.signedAt, anchor.keyId].join('\n');
}

/**
 * Reads a file of published anchors (one JSON object a line, blank lines ignored). Throws an
 * Error naming the line when one is not an anchor.
 */
export function parseAuditAnchors(text: string): PublishedAuditAnchor[] {
  const anchors: PublishedAuditAnchor[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`line ${i + 1} is not JSON`);
    }
    const a = value as Partial<PublishedAuditAnchor>;
    if (
      a.format !== AUDIT_ANCHOR_FORMAT ||
      !Number.isSafeInteger(a.seq) ||
      (a.seq as number) < 1 ||
      typeof a.hash !== 'string' ||
      !/^[0-9a-f]{64}$/.test(a.hash) ||
      typeof a.signedAt !== 'string' ||
      Number.isNaN(Date.parse(a.signedAt)) ||
      typeof a.keyId !== 'string' ||
      typeof a.publicKey !== 'string' ||
      typeof a.signature !== 'string'
    ) {
      throw new Error(`line ${i + 1} is not a ${AUDIT_ANCHOR_FORMAT} anchor`);
    }
    anchors.push(a as PublishedAuditAnchor);
  }
  return anchors;
}

/** Checks one anchor's signature under the trusted key (the adapter does Ed25519). */
export type AnchorSignatureCheck = (anchor: PublishedAuditAnchor) => boolean;

/** What {@link verifyAuditAnchors} found. */
export interface AnchorVerification {
  readonly ok: boolean;
  /** Anchors whose row was found with the signed hash. */
  readonly matched: number;
  /** The highest anchored seq checked (0 when none). */
  readonly anchoredSeq: number;
  readonly problem: string | null;
}

/**
 * Compares the audit chain with anchors published outside the database: every anchor must carry a
 * valid signature under the trusted key, and the chain's row at the anchor's seq must have the
 * signed hash. A chain rewritten as a whole (every row re-hashed, the head moved to match) passes
 * `verifyAuditChain` but not this: its hashes differ from the ones signed and published earlier;
 * a chain cut short is missing anchored rows. Rows are read in seq order, once.
 */
export async function verifyAuditAnchors(
  rows: AsyncIterable<AuditEvent> | Iterable<AuditEvent>,
  anchors: readonly PublishedAuditAnchor[],
  signatureValid: AnchorSignatureCheck,
): Promise<AnchorVerification> {
  const sorted = [...anchors].sort((a, b) => a.seq - b.seq);
  const fail = (matched: number, problem: string): AnchorVerification => ({
    ok: false,
    matched,
    anchoredSeq: sorted.at(-1)?.seq ?? 0,
    problem,
  });
  for (const anchor of sorted) {
    if (!signatureValid(anchor)) {
      return fail(
        0,
        `the anchor for row ${anchor.seq} (signed ${anchor.signedAt}) is not signed by the trusted key`,
      );
    }
  }
  let next = 0;
  let matched = 0;
  for await (const row of rows) {
    while (next < sorted.length && sorted[next]!.seq === row.seq) {
      const anchor = sorted[next]!;
      if (anchor.hash !== row.hash) {
        return fail(
          matched,
          `row ${row.seq} is not the row anchored on ${anchor.signedAt}: the chain was rewritten after that anchor`,
        );
      }
      matched++;
      next++;
    }
    if (next >= sorted.length) break;
  }
  if (next < sorted.length) {
    const missing = sorted[next]!;
    return fail(
      matched,
      `row ${missing.seq}, anchored on ${missing.signedAt}, is not in the chain: the chain was cut or rewritten`,
    );
  }
  return { ok: true, matched, anchoredSeq: sorted.at(-1)?.seq ?? 0, problem: null };
}

/** The earliest anchor at or after `seq`: it covers that row (the chain up to it is signed). */
export function anchorCovering<T extends { readonly seq: number }>(
  anchors: readonly T[],
  seq: number,
): T | null {
  let best: T | null = null;
  for (const anchor of anchors)
    if (anchor.seq >= seq && (best === null || anchor.seq < best.seq)) best = anchor;
  return best;
}
