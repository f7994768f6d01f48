import { describe, expect, it } from 'vitest';
import { pipelineMayReceiveSecrets } from './secrets.js';

describe('pipelineMayReceiveSecrets', () => {
  it.each([
    // a trusted run: every pipeline
    [null, 'deploy', true],
    [null, 'test (node=18)', true],
    // an untrusted run: the listed pipelines and their matrix copies
    [['deploy'], 'deploy', true],
    [['test'], 'test (node=18)', true],
    [['test'], 'test (node=18, db=mysql)', true],
    [['test (node=18)'], 'test (node=18)', true],
    [['test (node=18)'], 'test (node=20)', false],
    [['test (node=18)'], 'test', false],
    [['deploy'], 'build', false],
    [['test'], 'testing', false],
    [['test'], 'testing (node=18)', false],
    [[], 'deploy', false],
  ] as const)('%j, %s → %s', (allowed, pipeline, may) => {
    expect(pipelineMayReceiveSecrets(allowed, pipeline)).toBe(may);
  });
});
