import { describe, expect, it } from 'vitest';
import { attemptRunId } from './processing/attempts.js';
import { decodeRunHandle, encodeRunHandle, RunHandleTooLongError, UnknownRunnerKindError } from './run-handle.js';

describe('stored run handles', () => {
  it('round-trip kubernetes and local handles, retry run ids included', () => {
    const id = '0b7c5a8e-3f7d-4d6e-9a51-2f1c8d0e4b11';
    const kubernetes = { kind: 'kubernetes' as const, runId: attemptRunId(id, 2), namespace: 'ci', name: `factory-run-${id}-2` };
    expect(encodeRunHandle(kubernetes)).toBe(`kubernetes:ci/factory-run-${id}-2#${id}-2`);
    expect(decodeRunHandle(encodeRunHandle(kubernetes))).toEqual(kubernetes);
    const local = { kind: 'local' as const, runId: id, name: `/tmp/factoryci-runs/${id}` };
    expect(decodeRunHandle(encodeRunHandle(local))).toEqual(local);
  });

  it('refuses what it cannot store or did not write', () => {
    expect(() => encodeRunHandle({ kind: 'local', runId: 'r', name: `/${'x'.repeat(260)}` })).toThrow(/too long/);
    expect(decodeRunHandle('factory-run-abc')).toBeUndefined();
    expect(decodeRunHandle('kubernetes:no-namespace#r')).toBeUndefined();
  });

  it('keeps reading the values stored before the runner registry, as they were written', () => {
    const id = '0b7c5a8e-3f7d-4d6e-9a51-2f1c8d0e4b11';
    const stored: [string, object][] = [
      [`kubernetes:factoryci/factory-run-${id}#${id}`, { kind: 'kubernetes', runId: id, namespace: 'factoryci', name: `factory-run-${id}` }],
      [`kubernetes:ci/factory-run-${id}-2#${id}-2`, { kind: 'kubernetes', runId: `${id}-2`, namespace: 'ci', name: `factory-run-${id}-2` }],
      [`local:/tmp/factoryci-runs/${id}#${id}`, { kind: 'local', runId: id, name: `/tmp/factoryci-runs/${id}` }],
      // a run directory may hold ':' and '#': the run id is what follows the last '#'
      [`local:/srv/ci:runs/a#b/${id}#${id}`, { kind: 'local', runId: id, name: `/srv/ci:runs/a#b/${id}` }],
    ];
    for (const [text, handle] of stored) {
      expect(decodeRunHandle(text), text).toEqual(handle);
      expect(encodeRunHandle(decodeRunHandle(text) as never)).toBe(text);
    }
  });

  it('knows only the registered runner kinds', () => {
    expect(decodeRunHandle('docker:abc123#r')).toBeUndefined();
    expect(() => encodeRunHandle({ kind: 'docker', runId: 'r', name: 'abc123' })).toThrow(UnknownRunnerKindError);
    expect(() => encodeRunHandle({ kind: 'local', runId: 'r', name: `/${'x'.repeat(260)}` })).toThrow(RunHandleTooLongError);
  });
});
