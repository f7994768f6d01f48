import { describe, expect, it } from 'vitest';
import { manualReason, webhookStatus, type WebhookStatusInput } from './webhook-status.js';

type ProjectFacts = WebhookStatusInput['project'];
const project: ProjectFacts = { id: '11111111-2222-3333-4444-555555555555', githubFullName: 'acme/widgets', installationId: 7n, githubHookId: null };
const input = (over: Omit<Partial<WebhookStatusInput>, 'project'> & { project?: Partial<ProjectFacts> } = {}): WebhookStatusInput => ({
  publicUrl: 'https://ci.example.com',
  githubApp: true,
  ...over,
  project: { ...project, ...over.project },
});

describe('manualReason: why FactoryCI did not create the webhook (the first that holds)', () => {
  const cases: [string, WebhookStatusInput, RegExp | null][] = [
    ['created', input({ project: { githubHookId: 42n } }), null],
    ['created, even without PUBLIC_URL now', input({ publicUrl: null, project: { githubHookId: 42n } }), null],
    ['a file:// project', input({ project: { githubFullName: null, installationId: null } }), /not a repository on the configured GitHub/],
    ['no PUBLIC_URL', input({ publicUrl: null }), /PUBLIC_URL is not set/],
    ['no GitHub App', input({ githubApp: false }), /GitHub App is not configured/],
    ['App not installed', input({ project: { installationId: null } }), /not installed on acme\/widgets/],
    ['everything there, but no hook', input(), /creating it failed, or the URL changed/],
  ];
  for (const [name, given, reason] of cases) {
    it(name, () => {
      const said = manualReason(given);
      if (reason === null) expect(said).toBeNull();
      else expect(said).toMatch(reason);
    });
  }
});

describe('webhookStatus', () => {
  it('created: the hook id and the payload URL', () => {
    expect(webhookStatus(input({ project: { githubHookId: 42n } }))).toEqual({
      status: 'created',
      url: `https://ci.example.com/hooks/github/${project.id}`,
      content_type: 'json',
      events: ['push', 'pull_request'],
      hook_id: 42,
      message: 'FactoryCI created the webhook on acme/widgets',
    });
  });

  it('manual: what to add, with the reason; no URL without PUBLIC_URL', () => {
    expect(webhookStatus(input({ publicUrl: null }))).toMatchObject({ status: 'manual', url: null, hook_id: null, events: ['push', 'pull_request'], message: expect.stringMatching(/add the webhook by hand$/) });
    expect(webhookStatus(input({ project: { githubFullName: null } })).url).toBe(`https://ci.example.com/hooks/github/${project.id}`);
  });
});
