/**
 * `@hashline/domain/testing`: in-memory fakes of the domain ports for unit tests of services
 * and routes. Isomorphic like the rest of the domain.
 * @packageDocumentation
 */
export { createMemoryStore } from './memory-store.js';
export { createManualClock, type ManualClock } from './manual-clock.js';
export { createMemorySelfSubmissionStore } from './memory-self-submission-store.js';
export { createMemoryHotlineStore, type MemoryHotlineStoreOptions } from './memory-hotline-store.js';
export {
  createMemoryStatisticsStore,
  type MemoryStatistics,
  type MemoryStatisticsStoreOptions,
} from './memory-statistics-store.js';
export { createMemoryReferralStore } from './memory-referral-store.js';
export { createMemoryTakedownStore } from './memory-takedown-store.js';
export { createMemoryExchangeStore } from './memory-exchange-store.js';
export {
  seedStatisticsReports,
  demoStatisticsReports,
  SEED_ASSESSMENT,
  type SeedReport,
  type SeedUrl,
  type SeedMedia,
} from './statistics-fixture.js';
export {
  seedAssessedCase,
  FIXTURE_ASSESSMENT,
  type CaseSeedMedia,
  type CaseSeedUrl,
  type SeededCase,
} from './hotline-case-fixture.js';
export { createMemoryImportJobStore } from './memory-import-job-store.js';
