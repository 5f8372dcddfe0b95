import type { HashExchangeClient, HashExchangePage } from '@hashline/domain';

/** An abort signal that never fires. */
export const NEVER_ABORTED = { aborted: false };

/**
 * Fetches pages from `checkpoint` until the client says it caught up (or `limit` pages), as one
 * exchange run would: the pages, the last checkpoint and every record in order.
 */
export async function syncAll(c: HashExchangeClient, checkpoint: string | null = null, limit = 100) {
  const pages: HashExchangePage[] = [];
  for (let i = 0; i < limit; i++) {
    const page = await c.fetchPage(checkpoint, NEVER_ABORTED);
    pages.push(page);
    checkpoint = page.checkpoint;
    if (page.caughtUp) break;
  }
  return { pages, checkpoint, records: pages.flatMap((p) => p.records) };
}
