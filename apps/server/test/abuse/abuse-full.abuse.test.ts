import { expect, test } from 'vitest';
import { formatAbuseReport, runAbuse } from './abuse-runner.js';

// `npm run test:abuse` (vitest.abuse.config.ts): the full run, ≥ 100,000 mutated images. Not in
// `npm test` (abuse-smoke.test.ts is its short version there). Counts can be scaled with
// HASHLINE_ABUSE_SCALE (default 1) and the seed set with HASHLINE_ABUSE_SEED (default 15).
test('abuse: 0 crashes, 0 hangs, memory bounded', async () => {
  const scale = Number(process.env.HASHLINE_ABUSE_SCALE ?? '1');
  const seed = Number(process.env.HASHLINE_ABUSE_SEED ?? '15');
  const n = (count: number) => Math.max(1, Math.round(count * scale));
  const report = await runAbuse(
    {
      images: n(100_000),
      mediaUploads: n(2_000),
      hashLists: n(20_000),
      jsonBodies: n(20_000),
      xmlBodies: n(1_000),
    },
    { seed, log: (line) => console.log(line) },
  );
  console.log(formatAbuseReport(report));
  for (const [target, counts] of Object.entries(report.targets)) {
    expect(counts.crashes, `${target}: ${report.crashSamples.join('; ')}`).toBe(0);
    expect(counts.hangs, target).toBe(0);
  }
  // Bounded: two decoder threads at the 160 MB decoded budget each, plus the process itself.
  expect(report.peakRssMiB).toBeLessThan(1_500);
}, 3_600_000);
