export * from './status.js';
export * from './events.js';
export * from './verdict.js';
export * from './workflow-transitions.js';
export * from './step-transitions.js';
export * from './reports.js';
export * from './config-sha.js';
export * from './run-times.js';
