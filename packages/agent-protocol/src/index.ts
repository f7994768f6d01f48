/**
 * `@factoryci/agent-protocol`: the agent ↔ API protocol (docs/agent-protocol.md). Every `/agent/v1/*` body and answer
 * is declared here once, as a JSON schema; its TypeScript type is derived from the schema (json-schema-to-ts). The API
 * validates and serialises with these schemas, the agent builds its bodies from these types and checks the API's
 * answer with the same schema.
 */
export * from './routes.js';
export * from './limits.js';
export { nameSchema, commitSchema, secretNameSchema } from './keywords.js';
export * from './run-info.js';
export * from './inputs.js';
export * from './plan.js';
export * from './secrets.js';
export * from './status.js';
export * from './logs.js';
export * from './answers.js';
export * from './validate.js';
export * from './log-cap.js';
