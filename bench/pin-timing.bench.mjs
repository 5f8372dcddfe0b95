// Self-submission status checks (issue 15, finding 6): how long an unknown case, an existing case
// with a wrong PIN and a locked case take to answer, over the compiled domain and storage on
// SQLite, with the server's scrypt PIN hasher. Requests are interleaved (unknown, existing,
// locked, ...) so load changes hit all three alike. The existing case with a wrong PIN is the
// baseline; the ratios say whether the timing still tells them apart (before the fix: unknown
// 70–92 ms vs existing 37–56 ms, two scrypt runs vs one). The machine is shared: absolute times
// move with the load printed before and after; compare the ratios.
//   npm run build -w @hashline/domain -w @hashline/storage -w @hashline/server && node bench/pin-timing.bench.mjs [rounds]
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BankService, MatchEngine, SelfSubmissionService, luhnCheckDigit } from '@hashline/domain';
import { openSqliteStore } from '@hashline/storage';
import { scryptPinHasher } from '@hashline/server';

const rounds = Number(process.argv[2] ?? 40);
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p90 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)];

const store = await openSqliteStore({
  file: join(mkdtempSync(join(tmpdir(), 'hashline-pin-bench-')), 'b.db'),
});
const engine = new MatchEngine(store);
await engine.load();
const service = new SelfSubmissionService({
  store,
  banks: new BankService(store, engine),
  pins: scryptPinHasher,
  random: (n) => crypto.getRandomValues(new Uint8Array(n)),
  clock: { now: () => new Date() },
});
const hex = (n) => Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString('hex');
const image = () => ({ pdq: hex(32), quality: 90, md5: hex(16), sha256: hex(32) });
const wrong = (pin) => (pin === '00000000' ? '11111111' : '00000000');

const existing = await service.submit({ caseType: 'minor', images: [image()] });
const locked = await service.submit({ caseType: 'minor', images: [image()] });
for (let i = 0; i < 5; i++)
  await service.status({ caseNumber: locked.caseNumber, pin: wrong(locked.pin) }).catch(() => {});
const unknownCase = () => {
  const payload = String(Math.floor(Math.random() * 1e12)).padStart(12, '0');
  return payload + luhnCheckDigit(payload);
};

async function timed(body) {
  const started = performance.now();
  const outcome = await service.status(body).then(
    () => 'ok',
    (error) => `${error.code}:${error.message}`,
  );
  return { ms: performance.now() - started, outcome };
}

console.log(`PIN timing on SQLite, ${rounds} rounds; load average before: ${load()}`);
await timed({ caseNumber: unknownCase(), pin: '12345678' }); // warm-up (the dummy hash is made once)
const times = { unknown: [], existing: [], locked: [] };
const outcomes = { unknown: new Set(), existing: new Set(), locked: new Set() };
for (let round = 0; round < rounds; round++) {
  for (const kind of ['unknown', 'existing', 'locked']) {
    const body =
      kind === 'unknown'
        ? { caseNumber: unknownCase(), pin: '12345678' }
        : kind === 'existing'
          ? { caseNumber: existing.caseNumber, pin: wrong(existing.pin) }
          : { caseNumber: locked.caseNumber, pin: locked.pin };
    const { ms, outcome } = await timed(body);
    times[kind].push(ms);
    outcomes[kind].add(outcome);
    // Keep the existing case below its lock (not timed): only wrong-PIN checks are measured.
    if (kind === 'existing')
      await store.updateCase(existing.caseNumber, { failedPinAttempts: 0, lockedUntil: null });
  }
}
const base = median(times.existing);
for (const kind of ['unknown', 'existing', 'locked']) {
  console.log(
    `${kind.padEnd(8)} median ${median(times[kind]).toFixed(1)} ms, p90 ${p90(times[kind]).toFixed(1)} ms, ` +
      `ratio to existing ${(median(times[kind]) / base).toFixed(2)}; answers: ${[...outcomes[kind]].join(' | ')}`,
  );
}
console.log(`load average after: ${load()}`);
await store.close();
