import { availableParallelism } from 'node:os';
import type { HashingPoolOptions } from '@hashline/media-node';
import type { ServerConfig } from '../config.js';
import { videoPoolOptions } from './video-uploads.js';

/**
 * The hashing pool's options from the settings: workers, isolation, time limit, decoder limits,
 * and the bounds of fair media work (issue 15): the queue, each key's share of the workers and
 * the decoded-size budget of one image.
 */
export function hashingPoolOptions(config: ServerConfig): HashingPoolOptions {
  const threads = config.hashingThreads > 0 ? config.hashingThreads : Math.min(4, availableParallelism());
  return {
    threads,
    isolation: config.hashingIsolation,
    timeoutMs: config.hashingTimeoutMs,
    decode: {
      maxBytes: config.maxUploadBytes,
      maxPixels: config.maxPixels,
      maxDecodedBytes: config.media.decodedBudgetBytes,
    },
    video: videoPoolOptions(config.video),
    maxQueued: config.media.queueLimit,
    maxPerOwner: Math.max(1, Math.ceil((threads * config.media.perKeyPercent) / 100)),
  };
}
