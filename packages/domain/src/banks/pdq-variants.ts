import { ROBUST_VARIANT_NAMES, type RobustVariantName } from '@hashline/pdq';
import { DomainError } from '../domain-error.js';
import { isRecord, type Problems } from '../validation.js';
import { normalizeSignal } from './signal-validation.js';

/**
 * A banked image's robust variant (issue 18, ADR 0021): Meta's PDQ of a part of the same image —
 * `trim` (without borders, letterboxing or a screenshot's bars) or a `crop-*` — kept beside the
 * entry's primary hash so a bordered, screenshotted or cropped copy still matches. The primary
 * hash (`BankEntry.value`) is never changed; a variant only adds a way to reach the entry.
 */
export interface PdqVariantHash {
  /** Which part of the image: `trim`, `crop-c<percent>`, `crop-<t|b|l|r><percent>`. */
  readonly kind: RobustVariantName;
  /** Lower-case hex PDQ hash of that part. */
  readonly value: string;
}

/** Kinds a bank entry's variants may have, in their canonical order (the order entries keep them). */
export const PDQ_VARIANT_KINDS: readonly RobustVariantName[] = ROBUST_VARIANT_NAMES;

/** True when `value` names a kind of bank variant. */
export function isPdqVariantKind(value: unknown): value is RobustVariantName {
  return typeof value === 'string' && (PDQ_VARIANT_KINDS as readonly string[]).includes(value);
}

/** Position of a kind in {@link PDQ_VARIANT_KINDS} (the bit the matcher's kind mask uses). */
export function pdqVariantKindCode(kind: RobustVariantName): number {
  return PDQ_VARIANT_KINDS.indexOf(kind);
}

/** Variants in canonical kind order (each kind at most once: the caller validated that). */
export function sortPdqVariants(variants: readonly PdqVariantHash[]): PdqVariantHash[] {
  return [...variants].sort((a, b) => pdqVariantKindCode(a.kind) - pdqVariantKindCode(b.kind));
}

/**
 * Variants as one line of text, `kind:hex` pairs separated by spaces in canonical order (how the
 * stores keep them, and the `pdq_variants` column of exports): null when there are none.
 */
export function formatPdqVariants(variants: readonly PdqVariantHash[] | undefined): string | null {
  if (!variants || variants.length === 0) return null;
  return sortPdqVariants(variants)
    .map((v) => `${v.kind}:${v.value}`)
    .join(' ');
}

/**
 * Reads {@link formatPdqVariants}'s text back. Stored text is trusted only as far as its shape:
 * an unknown kind or a malformed hash is an error, not a silently dropped variant.
 * @throws {DomainError} `VALIDATION_FAILED` naming the bad pair.
 */
export function parsePdqVariants(text: string | null | undefined): PdqVariantHash[] {
  if (!text) return [];
  const out: PdqVariantHash[] = [];
  const seen = new Set<string>();
  for (const pair of text.trim().split(/\s+/)) {
    const colon = pair.indexOf(':');
    const kind = pair.slice(0, colon);
    if (colon < 0 || !isPdqVariantKind(kind) || seen.has(kind)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `Unknown or repeated PDQ variant ${JSON.stringify(pair.slice(0, 24))}; kinds are ${PDQ_VARIANT_KINDS.join(', ')}, each at most once.`,
      );
    }
    seen.add(kind);
    out.push({ kind, value: normalizeSignal('pdq', pair.slice(colon + 1)) });
  }
  return sortPdqVariants(out);
}

/**
 * Validates the `pdqVariants` a client sends with a PDQ entry: a list of `{ kind, value }`, at
 * most one per kind, each hash validated like a primary PDQ hash (degenerate hashes refused).
 * Records problems under `at`; returns the variants in canonical order, or undefined when absent.
 */
export function parsePdqVariantsInput(
  input: unknown,
  signalType: string,
  at: string,
  problems: Problems,
): PdqVariantHash[] | undefined {
  if (input === undefined || input === null) return undefined;
  if (signalType !== 'pdq') {
    problems.add(at, 'Only PDQ entries have variants.');
    return undefined;
  }
  if (!Array.isArray(input) || input.length > PDQ_VARIANT_KINDS.length) {
    problems.add(at, `A list of at most ${PDQ_VARIANT_KINDS.length} objects { kind, value }.`);
    return undefined;
  }
  const seen = new Set<string>();
  const out: PdqVariantHash[] = [];
  input.forEach((item, i) => {
    if (!isRecord(item) || !isPdqVariantKind(item.kind) || seen.has(item.kind)) {
      problems.add(`${at}/${i}/kind`, `One of ${PDQ_VARIANT_KINDS.join(', ')}, each at most once.`);
      return;
    }
    seen.add(item.kind);
    const kind = item.kind;
    const value = problems.capture(`${at}/${i}/value`, () => normalizeSignal('pdq', item.value));
    if (value !== undefined) out.push({ kind, value });
  });
  return sortPdqVariants(out);
}

/**
 * The bank variants of an image as a hasher gave them (`{ name, pdq }`, e.g. `ImageHashes.variants`
 * computed with `robust: 'bank'`), ready for `NewEntry.pdqVariants`: a variant whose hash
 * would be refused as a primary hash (all zeros or all ones: a flat part of the image) is left
 * out rather than refusing the entry.
 */
export function bankVariantsOf(
  computed: readonly { readonly name: string; readonly pdq: string }[] | undefined,
): PdqVariantHash[] {
  const out: PdqVariantHash[] = [];
  for (const v of computed ?? []) {
    if (!isPdqVariantKind(v.name) || out.some((o) => o.kind === v.name)) continue;
    try {
      out.push({ kind: v.name, value: normalizeSignal('pdq', v.pdq) });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  }
  return sortPdqVariants(out);
}
