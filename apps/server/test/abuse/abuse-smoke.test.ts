import { expect, test } from 'vitest';
import { formatAbuseReport, runAbuse } from './abuse-runner.js';

// The short version of `npm run test:abuse` that `npm test` runs: every target, a hundred or so
// inputs, the same seed; 0 crashes and 0 hangs. Kept small (it took 37 s at load 25 with 240
// images and 300 JSON bodies; most of the JSON time is per body through the whole app).
test('abuse smoke: hostile images, hash lists, JSON and XML bodies end in answers or clean refusals', async () => {
  const report = await runAbuse({
    images: 120,
    mediaUploads: 20,
    hashLists: 300,
    jsonBodies: 100,
    xmlBodies: 10,
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
