// Forwarding (issue 5 parts 1 and 4): routing rules, referral records and packages, and the
// CyberTipline report builder.
export * from './referral-vocabulary.js';
export * from './referral-config.js';
export * from './referral-rules.js';
export * from './referral-records.js';
export * from './referral-document-labels.js';
export * from './referral-package.js';
export * from './referral.service.js';
export * from './cybertipline-vocabulary.js';
export * from './cybertipline-builder.js';
export * from './cybertipline-validator.js';
export * from './cybertipline-submission.js';
export * from './cybertipline.service.js';
