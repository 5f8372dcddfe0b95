import { describe, expect, it } from 'vitest';
import { PdqIndex, VideoFrameIndex, rebuildIndex, type VideoFrameHit } from '../src/index.js';
import { distance, flipBits, pack, randomHash, rng } from './oracle.js';

type Videos = Map<number, Uint8Array[]>;

/** Brute force, independent of the index: every query frame against every frame of every video. */
function bruteVideoHits(videos: Videos, query: readonly Uint8Array[], radius: number): VideoFrameHit[] {
  const out: VideoFrameHit[] = [];
  for (const [videoId, frames] of [...videos].sort((a, b) => a[0] - b[0])) {
    let queryFramesMatched = 0;
    const matchedFrames = new Set<number>();
    let minDistance = Infinity;
    for (const q of query) {
      let hit = false;
      frames.forEach((f, i) => {
        const d = distance(q, f);
        if (d <= radius) {
          hit = true;
          matchedFrames.add(i);
          minDistance = Math.min(minDistance, d);
        }
      });
      if (hit) queryFramesMatched++;
    }
    if (queryFramesMatched > 0) {
      out.push({
        videoId,
        queryFramesMatched,
        videoFramesMatched: matchedFrames.size,
        videoFrameCount: frames.length,
        minDistance,
      });
    }
  }
  return out;
}

/** Videos built around a few "scenes" so that videos share near-duplicate frames. */
function makeVideos(next: () => number, count: number): { videos: Videos; scenes: Uint8Array[] } {
  const scenes = Array.from({ length: 12 }, () => randomHash(next));
  const videos: Videos = new Map();
  for (let v = 0; v < count; v++) {
    const frames: Uint8Array[] = [];
    const length = 1 + (next() % 20);
    for (let f = 0; f < length; f++) {
      frames.push(
        next() % 3 === 0 ? randomHash(next) : flipBits(scenes[next() % scenes.length]!, next() % 40, next),
      );
    }
    videos.set(v * 7 + 3, frames);
  }
  return { videos, scenes };
}

function buildIndex(videos: Videos): VideoFrameIndex {
  const ids = Uint32Array.from(videos.keys());
  const counts = Uint32Array.from([...videos.values()].map((f) => f.length));
  const { hashes } = pack([...videos.values()].flat().map((h, i) => [i, h] as const));
  // MIH even at this size, so the multi-index path is what is compared with brute force.
  return VideoFrameIndex.build(ids, counts, hashes, { strategy: 'mih' });
}

describe('VideoFrameIndex', () => {
  it('finds what brute force finds, built at once, changed live, rebuilt and restored', () => {
    const next = rng(20261207);
    const { videos, scenes } = makeVideos(next, 150);
    const index = buildIndex(videos);
    expect(index.stats().baseStrategy).toBe('mih');
    let nonEmpty = 0;
    const queries = () =>
      Array.from({ length: 20 }, () =>
        Array.from({ length: 1 + (next() % 12) }, () =>
          next() % 4 === 0 ? randomHash(next) : flipBits(scenes[next() % scenes.length]!, next() % 30, next),
        ),
      );
    const check = (candidate: VideoFrameIndex) => {
      for (const query of queries()) {
        for (const radius of [0, 16, 31]) {
          const expected = bruteVideoHits(videos, query, radius);
          if (expected.length > 0) nonEmpty++;
          expect(candidate.queryVideo(query, radius)).toEqual(expected);
        }
      }
    };
    check(index);
    expect(index.videoCount).toBe(videos.size);
    expect(index.frameCount).toBe([...videos.values()].flat().length);

    // Live changes: replace some videos, remove others, add new ones.
    const ids = [...videos.keys()];
    for (let i = 0; i < 40; i++) {
      const id = ids[next() % ids.length]!;
      if (i % 3 === 0) {
        index.remove(id);
        videos.delete(id);
      } else {
        const frames = Array.from({ length: 1 + (next() % 10) }, () =>
          flipBits(scenes[next() % 12]!, next() % 40, next),
        );
        index.add(id, frames);
        videos.set(id, frames);
      }
    }
    index.add(100_000, [scenes[0]!]);
    videos.set(100_000, [scenes[0]!]);
    check(index);
    expect(index.frameCount).toBe([...videos.values()].flat().length);

    const restored = VideoFrameIndex.fromSerialized(index.serialize());
    check(restored);

    const source = index.rebuildSource();
    index.swapBase(rebuildIndex(source), source.version);
    check(index);
    check(VideoFrameIndex.fromSerialized(index.serialize()));
    expect(nonEmpty).toBeGreaterThan(100); // the comparison is not vacuous
  });

  it('a single image finds the banked frames close to it, with their position in the video', () => {
    const next = rng(7);
    const a = [randomHash(next), randomHash(next), randomHash(next)];
    const index = VideoFrameIndex.empty();
    index.add(5, a);
    index.add(9, [randomHash(next), a[2]!]);
    expect(index.queryImage(flipBits(a[2]!, 10, next), 31)).toEqual([
      { videoId: 5, frameIndex: 2, distance: 10 },
      { videoId: 9, frameIndex: 1, distance: 10 },
    ]);
    expect(index.queryImage(a[2]!, 31, (videoId) => videoId !== 5)).toEqual([
      { videoId: 9, frameIndex: 1, distance: 0 },
    ]);
  });

  it('counts each banked frame once however many query frames reach it', () => {
    const next = rng(11);
    const frame = randomHash(next);
    const index = VideoFrameIndex.empty();
    index.add(1, [frame, randomHash(next)]);
    const [hit] = index.queryVideo([frame, flipBits(frame, 3, next), randomHash(next)], 31);
    expect(hit).toEqual({
      videoId: 1,
      queryFramesMatched: 2,
      videoFramesMatched: 1,
      videoFrameCount: 2,
      minDistance: 0,
    });
  });

  it('refuses a bad hash before changing anything', () => {
    const index = VideoFrameIndex.empty();
    index.add(1, [randomHash(rng(3))]);
    expect(() => index.add(1, ['zz'])).toThrow(/hex/);
    expect(index.framesOf(1)).toBe(1);
    expect(PdqIndex.empty().size).toBe(0);
  });
});
