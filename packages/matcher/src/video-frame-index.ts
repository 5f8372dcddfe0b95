import {
  PDQ_HASH_WORDS,
  type PdqHashInput,
  checkId,
  checkRadius,
  pdqHashToWords,
  wordsToPdqHash,
} from './hash-words.js';
import { type RebuildSource, LiveIndex } from './live-index.js';
import { MatcherError } from './matcher-error.js';
import { type PdqIndexOptions, type SerializedPdqIndex, PdqIndex } from './pdq-index.js';

/**
 * What one query video found in one banked video: how many of the query's frames had a close
 * frame in it, how many of its frames were close to some query frame, out of how many.
 */
export interface VideoFrameHit {
  readonly videoId: number;
  /** Distinct query frames (by position in the query) within the radius of some frame of the video. */
  readonly queryFramesMatched: number;
  /** Distinct frames of the video within the radius of some query frame. */
  readonly videoFramesMatched: number;
  /** Frames the video holds in the index. */
  readonly videoFrameCount: number;
  /** The smallest distance seen between a query frame and a frame of the video. */
  readonly minDistance: number;
}

/** One frame of a banked video close to a single image hash. */
export interface VideoFrameImageHit {
  readonly videoId: number;
  /** Position of the frame among the video's indexed frames (0-based, in the order added). */
  readonly frameIndex: number;
  readonly distance: number;
}

/**
 * A {@link VideoFrameIndex} as plain data (typed arrays and numbers): the frame index's base as
 * {@link PdqIndex.serialize} gives it, the changes since, and the video table. For snapshots.
 */
export interface SerializedVideoFrameIndex {
  readonly base: SerializedPdqIndex;
  readonly removedFrameIds: Uint32Array;
  readonly deltaFrameIds: Uint32Array;
  readonly deltaHashes: Uint32Array;
  /** The videos: id, first frame id, frame count (frames of a video have consecutive ids). */
  readonly videoIds: Uint32Array;
  readonly videoStarts: Uint32Array;
  readonly videoCounts: Uint32Array;
  readonly nextFrameId: number;
}

/** Keeps the hit only when the frame's video accepts the distance (per-bank thresholds). */
export type VideoHitFilter = (videoId: number, distance: number) => boolean;

const NO_VIDEO = 0;

/**
 * The frames of many videos in one exact PDQ radius index (multi-index hashing over every frame,
 * a live delta for changes), each frame mapping back to its video: the frame id space is the
 * index's own, so video ids (bank entry ids) need not be contiguous and never collide with it.
 * A video's frames get consecutive frame ids when added; replacing a video gives it new ones.
 * Memory per frame is the PDQ index's per hash plus 4 bytes (frame → video).
 */
export class VideoFrameIndex {
  private frames: LiveIndex;
  /** Frame id → video id + 1 (0: no video), grown as frame ids are handed out. */
  private owners: Uint32Array;
  private readonly videos = new Map<number, { readonly start: number; readonly count: number }>();
  private nextFrameId: number;
  private frameTotal = 0;

  private constructor(frames: LiveIndex, owners: Uint32Array, nextFrameId: number) {
    this.frames = frames;
    this.owners = owners;
    this.nextFrameId = nextFrameId;
  }

  /** An empty index. */
  static empty(): VideoFrameIndex {
    return new VideoFrameIndex(new LiveIndex(), new Uint32Array(1024), 0);
  }

  /**
   * Builds the index of many videos at once: video `i` is `videoIds[i]` with `frameCounts[i]`
   * frames whose hashes follow each other in `hashes` (8 words per frame, as `PdqIndex.build`).
   */
  static build(
    videoIds: Uint32Array,
    frameCounts: Uint32Array,
    hashes: Uint32Array,
    options: PdqIndexOptions = {},
  ): VideoFrameIndex {
    if (videoIds.length !== frameCounts.length) {
      throw new MatcherError('MATCHER_INVALID_INPUT', 'videoIds and frameCounts differ in length');
    }
    let total = 0;
    for (const count of frameCounts) total += count;
    if (hashes.length !== total * PDQ_HASH_WORDS) {
      throw new MatcherError('MATCHER_INVALID_INPUT', 'hashes must hold 8 words per frame');
    }
    const frameIds = new Uint32Array(total);
    for (let i = 0; i < total; i++) frameIds[i] = i;
    const index = new VideoFrameIndex(
      new LiveIndex(PdqIndex.build(frameIds, hashes, options)),
      new Uint32Array(Math.max(1024, total)),
      total,
    );
    let start = 0;
    for (let i = 0; i < videoIds.length; i++) {
      index.register(videoIds[i]!, start, frameCounts[i]!);
      start += frameCounts[i]!;
    }
    return index;
  }

  /**
   * An index over a frame base built elsewhere (e.g. in a worker thread, by `PdqIndex.build` over
   * frame ids 0..n−1 in video order): video `i` is `videoIds[i]` with the next `frameCounts[i]` ids.
   */
  static withBase(base: PdqIndex, videoIds: Uint32Array, frameCounts: Uint32Array): VideoFrameIndex {
    let total = 0;
    for (const count of frameCounts) total += count;
    if (videoIds.length !== frameCounts.length || total !== base.size) {
      throw new MatcherError('MATCHER_INVALID_INPUT', 'the video table does not describe the frame base');
    }
    const index = new VideoFrameIndex(new LiveIndex(base), new Uint32Array(Math.max(1024, total)), total);
    let start = 0;
    for (let i = 0; i < videoIds.length; i++) {
      index.register(videoIds[i]!, start, frameCounts[i]!);
      start += frameCounts[i]!;
    }
    return index;
  }

  /** Restores an index from {@link serialize}'s output. */
  static fromSerialized(s: SerializedVideoFrameIndex): VideoFrameIndex {
    const live = new LiveIndex(PdqIndex.fromSerialized(s.base));
    for (const id of s.removedFrameIds) live.remove(id);
    if (s.deltaHashes.length !== s.deltaFrameIds.length * PDQ_HASH_WORDS) {
      throw new MatcherError('MATCHER_INVALID_INPUT', 'video frame delta of unequal length');
    }
    for (let i = 0; i < s.deltaFrameIds.length; i++) {
      live.add(s.deltaFrameIds[i]!, wordsToPdqHash(s.deltaHashes, i * PDQ_HASH_WORDS));
    }
    const index = new VideoFrameIndex(live, new Uint32Array(Math.max(1024, s.nextFrameId)), s.nextFrameId);
    if (s.videoIds.length !== s.videoStarts.length || s.videoIds.length !== s.videoCounts.length) {
      throw new MatcherError('MATCHER_INVALID_INPUT', 'video table of unequal length');
    }
    for (let i = 0; i < s.videoIds.length; i++) {
      if (s.videoStarts[i]! + s.videoCounts[i]! > s.nextFrameId) {
        throw new MatcherError('MATCHER_INVALID_INPUT', 'a video names frame ids beyond the last handed out');
      }
      index.register(s.videoIds[i]!, s.videoStarts[i]!, s.videoCounts[i]!);
    }
    return index;
  }

  /** The whole state as plain data (the base's arrays are not copied). */
  serialize(): SerializedVideoFrameIndex {
    const source = this.frames.rebuildSource();
    const n = this.videos.size;
    const videoIds = new Uint32Array(n);
    const videoStarts = new Uint32Array(n);
    const videoCounts = new Uint32Array(n);
    let i = 0;
    for (const [id, { start, count }] of this.videos) {
      videoIds[i] = id;
      videoStarts[i] = start;
      videoCounts[i++] = count;
    }
    return {
      base: this.frames.baseIndex.serialize(),
      removedFrameIds: source.removedIds,
      deltaFrameIds: source.deltaIds,
      deltaHashes: source.deltaHashes,
      videoIds,
      videoStarts,
      videoCounts,
      nextFrameId: this.nextFrameId,
    };
  }

  /** Videos in the index. */
  get videoCount(): number {
    return this.videos.size;
  }

  /** Frames in the index, over all videos. */
  get frameCount(): number {
    return this.frameTotal;
  }

  /** Whether the video is in the index. */
  has(videoId: number): boolean {
    return this.videos.has(videoId);
  }

  /** Frames the video holds (0 if absent). */
  framesOf(videoId: number): number {
    return this.videos.get(videoId)?.count ?? 0;
  }

  /**
   * Adds a video with its frame hashes (the caller has filtered and deduplicated them: every
   * frame given counts in the video's percentage), replacing its frames if present.
   */
  add(videoId: number, frameHashes: readonly PdqHashInput[]): void {
    checkId(videoId);
    for (const hash of frameHashes) pdqHashToWords(hash); // validates every hash before any change
    this.remove(videoId);
    const start = this.nextFrameId;
    if (start + frameHashes.length > 0xffffffff) {
      throw new MatcherError('MATCHER_INVALID_INPUT', 'video frame ids exhausted; rebuild the index');
    }
    frameHashes.forEach((hash, i) => this.frames.add(start + i, hash));
    this.nextFrameId = start + frameHashes.length;
    this.register(videoId, start, frameHashes.length);
  }

  /** Removes a video and its frames (a no-op if absent). */
  remove(videoId: number): void {
    const video = this.videos.get(videoId);
    if (!video) return;
    for (let id = video.start; id < video.start + video.count; id++) {
      this.frames.remove(id);
      this.owners[id] = NO_VIDEO;
    }
    this.videos.delete(videoId);
    this.frameTotal -= video.count;
  }

  /**
   * Matches a query video, given as its frames' hashes (filtered and deduplicated by the caller:
   * each counts once), against every video: per video with at least one frame within `radius`
   * (and accepted by `accept`), the counts both sides' percentages are made of. Ordered by video id.
   */
  queryVideo(queryFrames: readonly PdqHashInput[], radius: number, accept?: VideoHitFilter): VideoFrameHit[] {
    checkRadius(radius);
    for (const hash of queryFrames) pdqHashToWords(hash); // validates every hash first
    const found = new Map<
      number,
      { lastQuery: number; queryFrames: number; frames: Set<number>; min: number }
    >();
    queryFrames.forEach((hash, queryIndex) => {
      for (const m of this.frames.query(hash, radius)) {
        const owner = this.owners[m.id]!;
        if (owner === NO_VIDEO) continue;
        const videoId = owner - 1;
        if (accept && !accept(videoId, m.distance)) continue;
        let hit = found.get(videoId);
        if (!hit) {
          hit = { lastQuery: -1, queryFrames: 0, frames: new Set(), min: m.distance };
          found.set(videoId, hit);
        }
        if (hit.lastQuery !== queryIndex) {
          hit.lastQuery = queryIndex;
          hit.queryFrames++;
        }
        hit.frames.add(m.id);
        if (m.distance < hit.min) hit.min = m.distance;
      }
    });
    return [...found]
      .map(([videoId, hit]) => ({
        videoId,
        queryFramesMatched: hit.queryFrames,
        videoFramesMatched: hit.frames.size,
        videoFrameCount: this.videos.get(videoId)!.count,
        minDistance: hit.min,
      }))
      .sort((a, b) => a.videoId - b.videoId);
  }

  /** Frames of banked videos within `radius` of a single image's hash, closest first. */
  queryImage(hash: PdqHashInput, radius: number, accept?: VideoHitFilter): VideoFrameImageHit[] {
    const out: VideoFrameImageHit[] = [];
    for (const m of this.frames.query(hash, radius)) {
      const owner = this.owners[m.id]!;
      if (owner === NO_VIDEO) continue;
      const videoId = owner - 1;
      if (accept && !accept(videoId, m.distance)) continue;
      out.push({ videoId, frameIndex: m.id - this.videos.get(videoId)!.start, distance: m.distance });
    }
    return out;
  }

  /** Whether the frame delta has grown enough to fold it into a new base. */
  needsRebuild(): boolean {
    return this.frames.needsRebuild();
  }

  /** The frame index's state for a background rebuild (see {@link LiveIndex.rebuildSource}). */
  rebuildSource(): RebuildSource {
    return this.frames.rebuildSource();
  }

  /** Installs a rebuilt frame base (see {@link LiveIndex.swapBase}). */
  swapBase(index: PdqIndex, appliedUpTo: number): void {
    this.frames.swapBase(index, appliedUpTo);
  }

  /** The frame index's counters. */
  stats(): ReturnType<LiveIndex['stats']> {
    return this.frames.stats();
  }

  private register(videoId: number, start: number, count: number): void {
    checkId(videoId);
    if (this.videos.has(videoId))
      throw new MatcherError('MATCHER_INVALID_INPUT', `video ${videoId} listed twice`);
    if (start + count > this.owners.length) {
      let length = this.owners.length;
      while (length < start + count) length *= 2;
      const grown = new Uint32Array(length);
      grown.set(this.owners);
      this.owners = grown;
    }
    this.owners.fill(videoId + 1, start, start + count);
    this.videos.set(videoId, { start, count });
    this.frameTotal += count;
  }
}
