import { describe, expect, it } from 'vitest';
import { loadConfigFromFiles, planToJson, planWorkflow, type FactoryConfig, type PlanContext } from './index.js';

const pipeline = (name: string, extra = '') =>
  `pipeline "${name}" {\n${extra}\n  stage "s" {\n    execution "e" {\n      command = "echo ${name}"\n    }\n  }\n}\n`;

const load = (content: string): Promise<FactoryConfig> => loadConfigFromFiles([{ path: '.factory/main.hcl', content }]);

async function planOf(content: string, ctx: PlanContext) {
  const plan = planWorkflow(await load(content), ctx);
  return { run: plan.pipelines.map((p) => p.name), skipped: plan.skipped.map((s) => `${s.name}: ${s.reason}: ${s.message}`) };
}

describe('filter semantics', () => {
  it('runs a pipeline without filter on every event', async () => {
    for (const ctx of [{ event: 'push', branch: 'x' }, { event: 'pull_request', branch: 'main' }, { event: 'tag', tag: 'v1' }] as const) {
      expect(await planOf(pipeline('a'), ctx)).toEqual({ run: ['a'], skipped: [] });
    }
  });

  it('matches events', async () => {
    const config = pipeline('a', '  filter { events = ["pull_request", "tag"] }');
    expect(await planOf(config, { event: 'push', branch: 'main' })).toEqual({
      run: [],
      skipped: ['a: events: event "push" is not one of ["pull_request", "tag"]'],
    });
    expect((await planOf(config, { event: 'pull_request', branch: 'main' })).run).toEqual(['a']);
  });

  it('matches branches as globs against the pushed branch or the target branch of a pull request', async () => {
    const config = pipeline('a', '  filter { branches = ["main", "release/*"] }');
    expect((await planOf(config, { event: 'push', branch: 'release/1.2' })).run).toEqual(['a']);
    expect((await planOf(config, { event: 'pull_request', branch: 'main' })).run).toEqual(['a']);
    expect(await planOf(config, { event: 'push', branch: 'release/1.2/hotfix' })).toEqual({
      run: [],
      skipped: ['a: branches: branch "release/1.2/hotfix" matches none of ["main", "release/*"]'],
    });
    expect((await planOf(config, { event: 'push' })).skipped).toEqual(['a: branches: the event has no branch; the filter allows branches ["main", "release/*"]']);
    expect((await planOf(config, { event: 'tag', tag: 'v1' })).skipped).toEqual([
      'a: branches: event "tag" has no branch; the filter only allows branches ["main", "release/*"]',
    ]);
  });

  it('matches tags on the tag event only; branches and tags together allow either', async () => {
    const tagsOnly = pipeline('a', '  filter { tags = ["v*"] }');
    expect((await planOf(tagsOnly, { event: 'tag', tag: 'v1.0.0' })).run).toEqual(['a']);
    expect((await planOf(tagsOnly, { event: 'tag', branch: 'v2' })).run).toEqual(['a']);
    expect((await planOf(tagsOnly, { event: 'tag', tag: 'nightly' })).skipped).toEqual(['a: tags: tag "nightly" matches none of ["v*"]']);
    expect((await planOf(tagsOnly, { event: 'push', branch: 'main' })).skipped).toEqual([
      'a: tags: event "push" is not a tag; the filter only allows tags ["v*"]',
    ]);
    const both = pipeline('a', '  filter {\n    branches = ["main"]\n    tags = ["v*"]\n  }');
    expect((await planOf(both, { event: 'push', branch: 'main' })).run).toEqual(['a']);
    expect((await planOf(both, { event: 'tag', tag: 'v1' })).run).toEqual(['a']);
    expect((await planOf(both, { event: 'push', branch: 'dev' })).run).toEqual([]);
  });

  it('matches paths when any changed path matches, or when the changed paths are unknown', async () => {
    const config = pipeline('a', '  filter { paths = ["src/**", "*.json"] }');
    expect((await planOf(config, { event: 'push', branch: 'main' })).run).toEqual(['a']);
    expect((await planOf(config, { event: 'push', branch: 'main', changedPaths: ['README.md', 'src/a/b.ts'] })).run).toEqual(['a']);
    expect((await planOf(config, { event: 'push', branch: 'main', changedPaths: ['src/.env'] })).run).toEqual(['a']);
    expect((await planOf(config, { event: 'push', branch: 'main', changedPaths: ['./src/a.ts'] })).run).toEqual(['a']);
    expect((await planOf(config, { event: 'push', branch: 'main', changedPaths: ['docs/a.md', 'x/package.json'] })).skipped).toEqual([
      'a: paths: none of the 2 changed paths matches ["src/**", "*.json"]',
    ]);
    expect((await planOf(config, { event: 'push', branch: 'main', changedPaths: [] })).skipped).toEqual([
      'a: paths: no path changed; the filter needs a change in ["src/**", "*.json"]',
    ]);
  });

  it('requires every given condition to hold, and reports the first that does not', async () => {
    const config = pipeline('a', '  filter {\n    events = ["push"]\n    branches = ["main"]\n    paths = ["src/**"]\n  }');
    expect((await planOf(config, { event: 'push', branch: 'main', changedPaths: ['src/x'] })).run).toEqual(['a']);
    expect((await planOf(config, { event: 'pull_request', branch: 'dev', changedPaths: ['x'] })).skipped[0]).toMatch(/^a: events:/);
    expect((await planOf(config, { event: 'push', branch: 'dev', changedPaths: ['x'] })).skipped[0]).toMatch(/^a: branches:/);
    expect((await planOf(config, { event: 'push', branch: 'main', changedPaths: ['x'] })).skipped[0]).toMatch(/^a: paths:/);
  });
});

describe('planning order and dependencies', () => {
  it('orders pipelines topologically, declaration order among ready ones', async () => {
    const config = [
      pipeline('deploy', '  depends_on = ["test", "build"]'),
      pipeline('test', '  depends_on = ["build"]'),
      pipeline('lint'),
      pipeline('build'),
      pipeline('docs'),
    ].join('');
    const plan = planWorkflow(await load(config), { event: 'push', branch: 'main' });
    expect(plan.pipelines.map((p) => p.name)).toEqual(['lint', 'build', 'test', 'deploy', 'docs']);
    expect(plan.pipelines.find((p) => p.name === 'deploy')?.dependsOn).toEqual(['test', 'build']);
  });

  it('skips a pipeline whose dependency is skipped, transitively', async () => {
    const config = [
      pipeline('build', '  filter { branches = ["main"] }'),
      pipeline('deploy', '  depends_on = ["build"]'),
      pipeline('notify', '  depends_on = ["deploy"]'),
      pipeline('lint'),
    ].join('');
    expect(await planOf(config, { event: 'push', branch: 'dev' })).toEqual({
      run: ['lint'],
      skipped: [
        'build: branches: branch "dev" matches none of ["main"]',
        'deploy: dependency: depends on skipped pipeline "build"',
        'notify: dependency: depends on skipped pipeline "deploy"',
      ],
    });
  });
});

describe('plan JSON', () => {
  it('is a stable document with null for absent values and secrets by name', async () => {
    const config = await loadConfigFromFiles([
      { path: '.factory/a.hcl', content: 'runner {\n  image = "node:20"\n}\n' },
      {
        path: '.factory/b.hcl',
        content: [
          'pipeline "deploy" {',
          '  env = { A = "1" }',
          '  timeout = "1m"',
          '  filter { branches = ["main"] }',
          '  stage "ship" {',
          '    execution "helm" {',
          '      command = "./deploy.sh"',
          '      secrets = ["KUBECONFIG_B64"]',
          '      working_dir = "./deploy/"',
          '      env = { B = true }',
          '    }',
          '  }',
          '}',
          pipeline('pr', '  filter { events = ["pull_request"] }'),
        ].join('\n'),
      },
    ]);
    const json = planToJson(planWorkflow(config, { event: 'push', branch: 'main' }));
    expect(json).toEqual({
      version: 1,
      context: { event: 'push', branch: 'main', tag: null, changedPaths: null },
      runner: { image: 'node:20', cpu: null, memory: null, services: [] },
      order: ['deploy'],
      pipelines: [
        {
          name: 'deploy',
          location: '.factory/b.hcl:1:1',
          dependsOn: [],
          env: { A: '1' },
          timeoutMs: 60_000,
          when: 'on_success',
          matrix: null,
          stages: [
            {
              name: 'ship',
              location: '.factory/b.hcl:5:3',
              when: 'on_success',
              executions: [
                {
                  name: 'helm',
                  location: '.factory/b.hcl:6:5',
                  command: './deploy.sh',
                  env: { B: 'true' },
                  secrets: ['KUBECONFIG_B64'],
                  timeoutMs: 60_000,
                  workingDir: 'deploy',
                  allowFailure: false,
                  retry: null,
                  matrix: null,
                },
              ],
            },
          ],
        },
      ],
      skipped: [{ name: 'pr', reason: 'events', message: 'event "push" is not one of ["pull_request"]' }],
      schedules: [],
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
