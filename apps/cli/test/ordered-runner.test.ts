import { describe, expect, it } from 'vitest';
import { runInOrder } from '../src/hash/ordered-runner.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runInOrder', () => {
  it('reports in item order although tasks finish out of order', async () => {
    const items = Array.from({ length: 40 }, (_, i) => i);
    const reported: number[] = [];
    await runInOrder(
      items,
      async (item) => {
        await delay((item * 7) % 11); // scrambled completion order
        return item * 10;
      },
      (outcome, item) => {
        expect(outcome).toEqual({ ok: true, value: item * 10 });
        reported.push(item);
      },
      { concurrency: 4, window: 8 },
    );
    expect(reported).toEqual(items);
  });

  it('passes failures to report in place and keeps going', async () => {
    const seen: string[] = [];
    await runInOrder(
      ['a', 'bad', 'c'],
      async (item) => {
        if (item === 'bad') throw new Error('boom');
        return item.toUpperCase();
      },
      (outcome) => {
        seen.push(outcome.ok ? outcome.value : `error:${(outcome.error as Error).message}`);
      },
      { concurrency: 2, window: 2 },
    );
    expect(seen).toEqual(['A', 'error:boom', 'C']);
  });

  it('never runs more than `concurrency` tasks or starts past the window', async () => {
    let running = 0;
    let maxRunning = 0;
    let maxLead = 0;
    let reportedCount = 0;
    await runInOrder(
      Array.from({ length: 30 }, (_, i) => i),
      async (item) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        maxLead = Math.max(maxLead, item - reportedCount);
        // item 0 is slow, so everything else piles up behind it until the window is full
        await delay(item === 0 ? 30 : 1);
        running--;
        return item;
      },
      () => {
        reportedCount++;
      },
      { concurrency: 3, window: 5 },
    );
    expect(maxRunning).toBeLessThanOrEqual(3);
    expect(maxLead).toBeLessThan(5);
    expect(reportedCount).toBe(30);
  });

  it('resolves at once for no items', async () => {
    await expect(
      runInOrder(
        [],
        async () => 1,
        () => undefined,
        { concurrency: 2, window: 2 },
      ),
    ).resolves.toBe(undefined);
  });
});
