export * from './settings.js';
export * from './client.js';
