import { expect, test } from 'vitest';
import { formatAbuseReport, runAbuse } from './abuse-runner.js';

// The short version of `npm run test:abuse` that `npm test` runs: every target, a few hundred
// inputs, the same seed; 0 crashes and 0 hangs.
test('abuse smoke: hostile images, hash lists, JSON and XML bodies end in answers or clean refusals', async () => {
  const report = await runAbuse({
    images: 240,
    mediaUploads: 40,
    hashLists: 300,
    jsonBodies: 300,
    xmlBodies: 20,
  });
  console.log(formatAbuseReport(report));
  for (const [target, counts] of Object.entries(report.targets)) {
    expect(counts.crashes, `${target}: ${report.crashSamples.join('; ')}`).toBe(0);
    expect(counts.hangs, target).toBe(0);
    expect(counts.inputs, target).toBeGreaterThan(0);
  }
  // Some inputs get through and most are refused: the mutations reach past the first check.
  expect(report.targets['hashing pool (images)']!.accepted).toBeGreaterThan(0);
  expect(report.targets['hashing pool (images)']!.refused).toBeGreaterThan(0);
}, 300_000);
