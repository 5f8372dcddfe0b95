export * from './self-submission-case.js';
export * from './case-number.js';
export * from './self-submission.service.js';
