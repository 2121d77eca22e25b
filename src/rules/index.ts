/** The rules core: pure functions over a period's policy. No I/O, no clock (time is an argument), money in 分. */
export * from './claim-checks.js';
export * from './claim-window.js';
export * from './dates.js';
export * from './deadlines.js';
export * from './eligibility.js';
export * from './fees.js';
export * from './id-number.js';
export * from './mask.js';
export * from './money.js';
export * from './participation.js';
export * from './policy.js';
export * from './ranking.js';
export * from './reconcile.js';
export * from './subsidy.js';
export * from './targets.js';
export * from './year-report.js';
