/**
 * `npm run generate:validators`: writes @factoryci/agent-protocol's precompiled answer validators
 * (packages/agent-protocol/src/generated/answer-validators.ts) from its schemas. Run it after changing the run info's
 * or the secrets' schema; packages/agent-protocol/src/answer-validators.test.ts fails until it has been.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ANSWER_VALIDATORS_PATH, answerValidatorsSource } from '../packages/agent-protocol/src/answer-validators-source.js';

const target = fileURLToPath(new URL(`../packages/agent-protocol/${ANSWER_VALIDATORS_PATH}`, import.meta.url));
writeFileSync(target, answerValidatorsSource());
console.log(`wrote ${target}`);
