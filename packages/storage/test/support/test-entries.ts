import type { NewEntry } from '@hashline/domain';

/** A valid, non-degenerate PDQ hash for each n. */
export function pdq(n: number): string {
  return `a${n.toString(16).padStart(62, '0')}5`;
}

/** A plain PDQ entry for `pdq(n)`, as an import of a bare list makes it, with `extra` over it. */
export function testEntry(n: number, extra: Partial<NewEntry> = {}): NewEntry {
  return {
    signalType: 'pdq',
    value: pdq(n),
    quality: 90,
    classification: {},
    provenance: { source: 'import:test', externalId: null, member: null },
    reviewerCount: 0,
    note: null,
    disabled: false,
    ...extra,
  };
}
