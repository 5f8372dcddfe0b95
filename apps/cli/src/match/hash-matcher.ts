import {
  MAX_MATCH_BATCH,
  MatchEngine,
  MatchService,
  type Classification,
  type HashlineStore,
  type MatchAnswer,
  type VideoMatchAnswer,
} from '@hashline/domain';
import type { VpdqFrame } from '@hashline/pdq';
import type { HashlineClient } from '../remote/hashline-client.js';
import { openLocalStore, type Target } from '../target/target.js';
import type { MatchQuery, SignalName } from './match-subject.js';

/** One matched bank entry. */
export interface MatchHitView {
  readonly bank: string;
  readonly bankKind: string;
  /** The query's signal type (an answer from the API may name any of the server's). */
  readonly signalType: SignalName | 'vpdq';
  readonly entryId: number;
  readonly distance: number;
  /** The variant that matched (rot90, flipx, ..., or trim), when not the image as it is. */
  readonly variant?: string;
  readonly classification: Classification;
  readonly actions: readonly string[];
  /** The match record the server stored. */
  readonly recordId: number | null;
  /** A video hit (`vpdq`): the share of the query's usable frames that matched this banked video. */
  readonly queryMatchPercent?: number;
  /** A video hit (`vpdq`): the share of the banked video's usable frames that the query matched. */
  readonly comparedMatchPercent?: number;
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
  /** Queries one call may carry. */
  readonly maxBatch: number;
  /** Names of the banks answers may come from, as far as known (to size the output table). */
  readonly bankNames: readonly string[];
  /** Answers in the order of `queries`. */
  match(queries: readonly MatchQuery[]): Promise<QueryAnswer[]>;
  /** Matches a video's vPDQ frames against the banked videos (locally, or `POST /v1/match/video`). */
  matchVideo(frames: readonly VpdqFrame[]): Promise<QueryAnswer>;
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
    const bankNames = (await store.listBanks()).map((bank) => bank.name);
    return localMatcher(engine, store, options, bankNames);
  } catch (error) {
    await store.close();
    throw error;
  }
}

function localMatcher(
  engine: MatchEngine,
  store: HashlineStore,
  options: HashMatcherOptions,
  bankNames: readonly string[],
): HashMatcher {
  const service = new MatchService(engine, store);
  return {
    mode: 'local',
    maxBatch: MAX_MATCH_BATCH,
    bankNames,
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
    async matchVideo(frames) {
      const answer = await service.matchVideo({ id: 'cli', verdictOnly: false }, frames, {
        source: 'hash',
        ...(options.banks ? { banks: options.banks } : {}),
      });
      return toVideoAnswer(answer);
    },
    close: () => store.close(),
  };
}

/** Sends the queries to `POST /v1/match`, dihedral variants included (one query each, as locally). */
function remoteMatcher(client: HashlineClient, options: HashMatcherOptions): HashMatcher {
  return {
    mode: 'remote',
    maxBatch: MAX_MATCH_BATCH,
    bankNames: options.banks ?? [],
    async match(queries) {
      const { results } = await client.post<{ results: MatchAnswer[] }>('/v1/match', {
        hashes: queries.map((query) => ({
          signalType: query.signalType,
          value: query.value,
          ...(query.quality !== null ? { quality: query.quality } : {}),
          ...(query.variants?.length ? { variants: query.variants } : {}),
        })),
        ...(options.banks ? { banks: options.banks } : {}),
      });
      return results.map(toQueryAnswer);
    },
    async matchVideo(frames) {
      const answer = await client.post<VideoMatchAnswer>('/v1/match/video', {
        frames,
        ...(options.banks ? { banks: options.banks } : {}),
      });
      return toVideoAnswer(answer);
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

function toVideoAnswer(answer: VideoMatchAnswer): QueryAnswer {
  if (!('matches' in answer)) return { matched: answer.matched, verdictOnly: true, hits: [] };
  return {
    matched: answer.matched,
    verdictOnly: false,
    hits: answer.matches.map((m) => ({
      bank: m.bank,
      bankKind: m.bankKind,
      signalType: 'vpdq',
      entryId: m.entryId,
      distance: m.distance,
      classification: m.classification,
      actions: m.actions,
      recordId: answer.recordId,
      queryMatchPercent: m.queryMatchPercent,
      comparedMatchPercent: m.comparedMatchPercent,
    })),
  };
}
