import { describe, expect, it } from 'vitest';
import { checkRunBody, runPageUrl, summary, type CheckRunTree } from './summary.js';

const workflow = (over: Partial<CheckRunTree> = {}): CheckRunTree =>
  ({
    id: '6f1c2a9e-0000-4000-8000-000000000001',
    number: 3,
    event: 'push',
    branch: 'main',
    tag: null,
    prNumber: null,
    ref: 'refs/heads/main',
    sha: 'a'.repeat(40),
    status: 'queued',
    statusReason: null,
    createdAt: new Date('2026-12-06T10:00:00Z'),
    startedAt: null,
    finishedAt: null,
    pipelines: [],
    ...over,
  }) as CheckRunTree;

describe('the check run of a workflow', () => {
  it.each(['queued', 'running', 'success', 'failure'] as const)('links a %s run to its page when PUBLIC_URL is set, and not without', (status) => {
    const w = workflow({ status, finishedAt: status === 'success' || status === 'failure' ? new Date() : null });
    expect(checkRunBody(w, 'https://ci.example.com').details_url).toBe('https://ci.example.com/runs/6f1c2a9e-0000-4000-8000-000000000001');
    expect(checkRunBody(w, null)).not.toHaveProperty('details_url');
  });

  it('the page is PUBLIC_URL + /runs/<workflow id>', () => {
    expect(runPageUrl('https://ci.example.com/factory', 'w1')).toBe('https://ci.example.com/factory/runs/w1');
    expect(runPageUrl(null, 'w1')).toBeUndefined();
  });

  it('shows a reused pipeline as reused, with its reason', () => {
    const pipeline = { name: 'build', status: 'reused', reason: 'succeeded in the workflow re-run; not run again', stages: [] };
    const text = summary(workflow({ pipelines: [pipeline] as unknown as CheckRunTree['pipelines'] }));
    expect(text).toContain('- ♻️ **build**: reused (succeeded in the workflow re-run; not run again)');
  });

  it('concludes skipped when the workflow ran no pipeline, else by its status', () => {
    const p = (status: string) => ({ name: status, status, reason: null, stages: [] });
    const cases: { status: CheckRunTree['status']; pipelines: string[]; conclusion: string }[] = [
      { status: 'success', pipelines: ['skipped', 'skipped'], conclusion: 'skipped' },
      { status: 'success', pipelines: [], conclusion: 'skipped' },
      { status: 'success', pipelines: ['success', 'skipped'], conclusion: 'success' },
      { status: 'success', pipelines: ['reused', 'skipped'], conclusion: 'success' },
      { status: 'failure', pipelines: ['failure', 'skipped'], conclusion: 'failure' },
      { status: 'error', pipelines: [], conclusion: 'failure' },
      { status: 'cancelled', pipelines: ['skipped'], conclusion: 'cancelled' },
    ];
    for (const c of cases) {
      const body = checkRunBody(workflow({ status: c.status, finishedAt: new Date(), pipelines: c.pipelines.map(p) as unknown as CheckRunTree['pipelines'] }), null);
      expect([c.status, c.pipelines, body.conclusion]).toEqual([c.status, c.pipelines, c.conclusion]);
    }
    expect(checkRunBody(workflow({ status: 'success', finishedAt: new Date(), pipelines: [p('skipped')] as unknown as CheckRunTree['pipelines'] }), null).output?.title).toBe(
      '#3 skipped: no pipeline runs for this event',
    );
    const skipped = checkRunBody(workflow({ status: 'success', finishedAt: new Date(), pipelines: [p('skipped')] as unknown as CheckRunTree['pipelines'] }), null).output?.summary;
    expect(skipped?.split('\n')[0]).toMatch(/\): \*\*skipped \(no pipeline runs for this event\)\*\*$/);
    const ran = checkRunBody(workflow({ status: 'success', finishedAt: new Date(), pipelines: [p('success')] as unknown as CheckRunTree['pipelines'] }), null).output?.summary;
    expect(ran?.split('\n')[0]).toMatch(/\): \*\*success\*\*$/);
  });
});
