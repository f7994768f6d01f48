import { describe, expect, it } from 'vitest';
import {
  adoptionOf,
  claimCandidates,
  claimTaken,
  claimDeadlineSeconds,
  claimPatch,
  poolCounts,
  poolFitsLimits,
  staleIdleAgents,
  tokenPath,
  type AdoptionFacts,
  type AgentRegistration,
  type IdleAgentState,
} from './pool-claims.js';

const reg = (pod: string, options: { status?: string; tags?: string[]; port?: number; address?: string } = {}): AgentRegistration => ({
  Service: { ID: `idle-${pod}`, Address: options.address ?? '10.0.0.1', Port: options.port ?? 7000, Tags: options.tags ?? ['idle'], Meta: { pod } },
  Checks: [{ Status: options.status ?? 'passing' }],
});
const agent = (job: string, createdAtMs: number, extra: Partial<IdleAgentState> = {}): IdleAgentState => ({ job, pod: `${job}-p`, ip: '10.0.0.1', phase: 'Running', createdAtMs, ended: false, ...extra });

describe('claimCandidates', () => {
  const own = [agent('b', 2), agent('a', 1), agent('c', 3)];
  it.each([
    ['our idle pods, oldest first', [reg('b-p'), reg('a-p')], new Set<string>(), ['a', 'b']],
    ['not a rogue registration naming a pod we did not create', [reg('rogue-p'), reg('a-p')], new Set<string>(), ['a']],
    ['not a registration without the idle tag', [reg('a-p', { tags: [] })], new Set<string>(), []],
    ['not a critical registration', [reg('a-p', { status: 'critical' })], new Set<string>(), []],
    ['not an agent being claimed', [reg('a-p'), reg('b-p')], new Set(['a']), ['b']],
    ['one candidate per pod, however often it is registered', [reg('a-p'), reg('a-p', { port: 7001 })], new Set<string>(), ['a']],
    ['not a registration naming our pod at another address', [reg('a-p', { address: '10.9.9.9' }), reg('b-p')], new Set<string>(), ['b']],
  ])('%s', (_what, registrations, busy, jobs) => {
    expect(claimCandidates(registrations, own, busy).map((candidate) => candidate.job)).toEqual(jobs);
  });

  it('skips pods not running or ended, and builds the claim URL', () => {
    const states = [agent('a', 1, { phase: 'Pending' }), agent('b', 2, { ended: true }), agent('c', 3, { ip: 'fd00::1' })];
    expect(claimCandidates([reg('a-p'), reg('b-p'), reg('c-p', { address: 'fd00::1', port: 9 })], states, new Set())).toEqual([{ job: 'c', pod: 'c-p', url: 'http://[fd00::1]:9' }]);
  });
});

describe('staleIdleAgents and poolCounts', () => {
  const now = 100_000;
  const own = [
    agent('young', now - 1000, { phase: 'Pending' }),
    agent('alive', now - 90_000),
    agent('silent', now - 90_000),
    agent('failed', now - 1000, { phase: 'Failed' }),
    agent('ended', now - 1000, { ended: true }),
    agent('unregistered', now - 90_000, { pod: undefined, phase: undefined }),
  ];
  const registrations = [reg('alive-p'), reg('silent-p', { status: 'critical' })];
  it('deletes the ended and those past the grace without a passing registration', () => {
    expect(staleIdleAgents(own, registrations, now, 60_000).map((entry) => entry.job)).toEqual(['silent', 'failed', 'ended', 'unregistered']);
  });
  it('counts the registered as idle and the young as starting', () => {
    expect(poolCounts(own, staleIdleAgents(own, registrations, now, 60_000), registrations)).toEqual({ idle: 1, starting: 1 });
  });
});

describe('poolFitsLimits', () => {
  it.each([
    [{ cpu: '2', memory: '4Gi' }, true],
    [{ cpu: '1', memory: '2Gi' }, true],
    [{ cpu: '500m', memory: '4Gi' }, false],
    [{ cpu: '2', memory: '1Gi' }, false],
  ])('limits %o fit a pool of 1 cpu and 2Gi: %s', (limits, fits) => {
    expect(poolFitsLimits(limits, { cpu: '1', memory: '2Gi' }).fits).toBe(fits);
  });
});

describe('the claim patches and the token path', () => {
  it('gives the Job the run labels and a deadline that counts the idle time', () => {
    expect(claimDeadlineSeconds(10_000, 12_500, 60)).toBe(63);
    expect(claimDeadlineSeconds(10_000, 9_000, 60)).toBe(60);
    expect(claimPatch({ runId: 'r1', projectId: 'p1' }, 63)).toEqual({
      metadata: { labels: { 'factoryci.dev/run-id': 'r1', 'factoryci.dev/project-id': 'p1' } },
      spec: { activeDeadlineSeconds: 63 },
    });
    expect(claimPatch({ runId: 'r1', projectId: 'p1' })).not.toHaveProperty('spec');
    expect(claimPatch({ runId: 'r1', projectId: 'p1' }, 5, '42')).toMatchObject({ metadata: { resourceVersion: '42' } });
  });

  it.each([
    [undefined, 'secret'],
    [{ 'factoryci.dev/run-id': 'r' }, 'secret'],
    [{ 'factoryci.dev/pool-agent': 'j', 'factoryci.dev/run-id': 'r' }, 'unclaimed'],
    [{ 'factoryci.dev/pool-agent': 'j', 'factoryci.dev/run-id': 'r', 'factoryci.dev/claimed': 'true' }, 'claimed'],
  ])('labels %o: %s', (labels, path) => {
    expect(tokenPath(labels)).toBe(path);
  });
});

describe('claimTaken: what Consul shows of an unmarked pool Job\'s agent', () => {
  const asRun = (runId: string, status = 'passing'): AgentRegistration => ({ Service: { ID: runId, Address: '10.0.0.1', Port: 7100, Tags: [], Meta: { runId } }, Checks: [{ Status: status }] });
  it.each([
    ['registered as the run: it took the claim', [asRun('r1')], 'taken'],
    ['registered as the run, critical (it stopped heart-beating): it took the claim all the same', [asRun('r1', 'critical')], 'taken'],
    ['registered as the run while its idle instance is still passing (the deregistration failed)', [reg('j-p'), asRun('r1')], 'taken'],
    ['its pod registered idle and passing: it never got the claim', [reg('j-p'), asRun('r2')], 'idle'],
    ['its idle instance critical: not known', [reg('j-p', { status: 'critical' })], 'unknown'],
    ['another pod idle: not known', [reg('other-p')], 'unknown'],
    ['nothing registered: not known', [], 'unknown'],
  ])('%s', (_what, registrations, taken) => {
    expect(claimTaken(registrations as AgentRegistration[], 'r1', ['j-p'])).toBe(taken);
  });
});

describe('adoptionOf', () => {
  it.each<[string, AdoptionFacts, 'adopt' | 'delete']>([
    ['an ended Job, whatever its agent got', { tokenPath: 'unclaimed', ended: true, claim: 'idle' }, 'adopt'],
    ['a fresh Job with its token Secret', { tokenPath: 'secret', ended: false, tokenSecret: true }, 'adopt'],
    ['a fresh Job without its token Secret', { tokenPath: 'secret', ended: false, tokenSecret: false }, 'delete'],
    ['a pool Job marked claimed', { tokenPath: 'claimed', ended: false }, 'adopt'],
    ['an unmarked pool Job whose agent took the claim', { tokenPath: 'unclaimed', ended: false, claim: 'taken' }, 'adopt'],
    ['an unmarked pool Job whose agent may have taken it', { tokenPath: 'unclaimed', ended: false, claim: 'unknown' }, 'adopt'],
    ['an unmarked pool Job whose agent is registered idle and still waits (never sent the claim)', { tokenPath: 'unclaimed', ended: false, claim: 'idle', waiting: true }, 'delete'],
    ['an unmarked pool Job whose agent is registered idle but does not say it waits', { tokenPath: 'unclaimed', ended: false, claim: 'idle', waiting: false }, 'adopt'],
    ['an unmarked pool Job whose agent is registered idle, not asked', { tokenPath: 'unclaimed', ended: false, claim: 'idle' }, 'adopt'],
  ])('%s: %s', (_what, facts, decision) => {
    expect(adoptionOf(facts)).toBe(decision);
  });
});
