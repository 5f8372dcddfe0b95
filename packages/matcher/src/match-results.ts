/** One match: the caller's entry id and its Hamming distance to the query. */
export interface PdqMatch {
  readonly id: number;
  readonly distance: number;
}

/** A match of {@link PdqIndex.queryMany}: also says which query hash (by index) matched closest. */
export interface PdqVariantMatch extends PdqMatch {
  /** Index into the query array of the closest query (the lowest index among ties). */
  readonly variant: number;
}

/** Orders matches by distance, then id. */
export function compareMatches(a: PdqMatch, b: PdqMatch): number {
  return a.distance - b.distance || a.id - b.id;
}

/**
 * Collects raw (id, distance) hits, possibly with repeats (an entry found through several
 * substrings, or an id listed twice), and returns one match per id at its smallest distance.
 */
export class MatchCollector {
  private readonly best = new Map<number, number>();

  /** Records a hit. */
  add(id: number, distance: number): void {
    const prev = this.best.get(id);
    if (prev === undefined || distance < prev) this.best.set(id, distance);
  }

  /** Matches sorted by distance, then id. */
  result(): PdqMatch[] {
    const out: PdqMatch[] = [];
    for (const [id, distance] of this.best) out.push({ id, distance });
    return out.sort(compareMatches);
  }
}

/**
 * Merges the answers to several query hashes (e.g. the eight dihedral variants of one image):
 * one match per id at its smallest distance, tagged with the first variant reaching it.
 */
export function mergeVariants(perVariant: readonly (readonly PdqMatch[])[]): PdqVariantMatch[] {
  const best = new Map<number, PdqVariantMatch>();
  perVariant.forEach((matches, variant) => {
    for (const m of matches) {
      const prev = best.get(m.id);
      if (prev === undefined || m.distance < prev.distance)
        best.set(m.id, { id: m.id, distance: m.distance, variant });
    }
  });
  return [...best.values()].sort(compareMatches);
}
