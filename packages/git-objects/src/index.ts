/**
 * Git's objects as FactoryCI reads them from a long-lived `git cat-file --batch-command` (the orchestrator's per
 * repository, apps/orchestrator/src/processing/git-objects.ts; the agent's per workspace,
 * apps/agent/src/server/git-objects.ts): the answers and tree objects (formats.ts, pure), and a commit's `.factory/`
 * files read through them (factory-files.ts).
 */
export * from './formats.js';
export * from './factory-files.js';
