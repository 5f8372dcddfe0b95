import {
  MAX_MATCH_BATCH,
  MatchEngine,
  MatchService,
  type Classification,
  type HashlineStore,
  type MatchAnswer,
} from '@hashline/domain';
import type { HashlineClient } from '../remote/hashline-client.js';
import { openLocalStore, type Target } from '../target/target.js';
import type { MatchQuery, SignalName } from './match-subject.js';

/** One matched bank entry. */
export interface MatchHitView {
  readonly bank: string;
  readonly bankKind: string;
  readonly signalType: SignalName;
  readonly entryId: number;
  readonly distance: number;
  /** The dihedral variant (rot90, flipx, ...) that matched, when not the image as it is. */
  readonly variant?: string;
  readonly classification: Classification;
  readonly actions: readonly string[];
  /** The match record the server stored. */
  readonly recordId: number | null;
}

/** The answer for one query. */
export interface QueryAnswer {
  readonly matched: boolean;
  /** A `match:verdict` key learns only `matched`: no banks, entries or distances. */
  readonly verdictOnly: boolean;
  readonly hits: readonly MatchHitView[];
}

/** Matches validated hashes against the banks: locally (the data folder) or through the API. */
export interface HashMatcher {
  readonly mode: 'local' | 'remote';
  /** Hash items one call may carry, counting each dihedral variant (see {@link cost}). */
  readonly maxBatch: number;
  /** Items a query takes in a call. */
  cost(query: MatchQuery): number;
  /** Answers in the order of `queries`. */
  match(queries: readonly MatchQuery[]): Promise<QueryAnswer[]>;
  close(): Promise<void>;
}

/** Options of {@link openHashMatcher}. */
export interface HashMatcherOptions {
  /** Only report matches in these banks (names). */
  readonly banks?: readonly string[];
}

/**
 * Opens the matcher of a target. Local mode loads every active entry of the data folder into an
 * in-memory index (the server's own engine) and records matches there as the server would.
 */
export async function openHashMatcher(
  target: Target,
  options: HashMatcherOptions = {},
): Promise<HashMatcher> {
  if (target.kind === 'remote') return remoteMatcher(target.client, options);
  const store = await openLocalStore(target, { create: false });
  try {
    const engine = new MatchEngine(store);
    await engine.load();
    return localMatcher(engine, store, options);
  } catch (error) {
    await store.close();
    throw error;
  }
}

function localMatcher(engine: MatchEngine, store: HashlineStore, options: HashMatcherOptions): HashMatcher {
  const service = new MatchService(engine, store);
  return {
    mode: 'local',
    maxBatch: MAX_MATCH_BATCH,
    cost: () => 1,
    async match(queries) {
      const answers = await service.match(
        { id: 'cli', verdictOnly: false },
        queries.map((q) => ({
          signalType: q.signalType,
          value: q.value,
          quality: q.quality,
          ...(q.variants ? { variants: q.variants } : {}),
        })),
        { source: 'hash', ...(options.banks ? { banks: options.banks } : {}) },
      );
      return answers.map(toQueryAnswer);
    },
    close: () => store.close(),
  };
}

/**
 * `POST /v1/match` takes plain hashes, so a PDQ query's dihedral variants travel as extra PDQ
 * items; their hits are folded back into the query's answer, labelled with the variant, keeping
 * the closest hit per entry.
 */
function remoteMatcher(client: HashlineClient, options: HashMatcherOptions): HashMatcher {
  return {
    mode: 'remote',
    maxBatch: MAX_MATCH_BATCH,
    cost: (query) => 1 + (query.variants?.length ?? 0),
    async match(queries) {
      const items: { signalType: SignalName; value: string; quality?: number }[] = [];
      const owners: { query: number; variant: string | undefined }[] = [];
      queries.forEach((query, index) => {
        items.push({
          signalType: query.signalType,
          value: query.value,
          ...(query.quality !== null ? { quality: query.quality } : {}),
        });
        owners.push({ query: index, variant: undefined });
        for (const variant of query.variants ?? []) {
          items.push({
            signalType: 'pdq',
            value: variant.value,
            ...(query.quality !== null ? { quality: query.quality } : {}),
          });
          owners.push({ query: index, variant: variant.name });
        }
      });
      const { results } = await client.post<{ results: MatchAnswer[] }>('/v1/match', {
        hashes: items,
        ...(options.banks ? { banks: options.banks } : {}),
      });
      const merged = queries.map(() => ({
        matched: false,
        verdictOnly: false,
        hits: new Map<number, MatchHitView>(),
      }));
      results.forEach((answer, i) => {
        const owner = owners[i]!;
        const target = merged[owner.query]!;
        const view = toQueryAnswer(answer);
        target.matched ||= view.matched;
        target.verdictOnly ||= view.verdictOnly;
        for (const hit of view.hits) {
          const labelled = owner.variant === undefined ? hit : { ...hit, variant: owner.variant };
          const known = target.hits.get(hit.entryId);
          if (!known || labelled.distance < known.distance) target.hits.set(hit.entryId, labelled);
        }
      });
      return merged.map((m) => ({
        matched: m.matched,
        verdictOnly: m.verdictOnly,
        hits: [...m.hits.values()],
      }));
    },
    close: async () => undefined,
  };
}

function toQueryAnswer(answer: MatchAnswer): QueryAnswer {
  if (!('matches' in answer)) return { matched: answer.matched, verdictOnly: true, hits: [] };
  return {
    matched: answer.matched,
    verdictOnly: false,
    hits: answer.matches.map((m) => ({
      bank: m.bank,
      bankKind: m.bankKind,
      signalType: answer.signalType,
      entryId: m.entryId,
      distance: m.distance,
      ...(m.variant !== undefined ? { variant: m.variant } : {}),
      classification: m.classification,
      actions: m.actions,
      recordId: answer.recordId,
    })),
  };
}
