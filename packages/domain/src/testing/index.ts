/**
 * `@hashline/domain/testing`: in-memory fakes of the domain ports for unit tests of services
 * and routes. Isomorphic like the rest of the domain.
 * @packageDocumentation
 */
export { createMemoryStore } from './memory-store.js';
export { createManualClock, type ManualClock } from './manual-clock.js';
export { createMemorySelfSubmissionStore } from './memory-self-submission-store.js';
