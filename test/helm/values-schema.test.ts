import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { helm } from '../support/helm.js';
import { chartDir, RELEASE, RELEASE_NAMESPACE } from './manifests.js';

const scratch = mkdtempSync(join(tmpdir(), 'factoryci-helm-'));

/** Bad value sets, each with the part of helm's message that must name the problem. */
const rejected: { name: string; values: Record<string, unknown>; message: RegExp }[] = [
  { name: 'a misspelt top-level key', values: { imagePullSecret: ['x'] }, message: /additional propert.*imagePullSecret/ },
  { name: 'replicas as a word', values: { api: { replicas: 'two' } }, message: /\/api\/replicas/ },
  { name: 'a database Secret without a name', values: { database: { urlSecret: { name: '', key: 'url' } } }, message: /\/database\/urlSecret\/name/ },
  { name: 'an inline database URL instead of a Secret', values: { database: { url: 'mysql://root:pw@db/factoryci' } }, message: /\/database.*additional propert.*url/ },
  { name: 'privilege escalation', values: { securityContext: { allowPrivilegeEscalation: true } }, message: /\/securityContext\/allowPrivilegeEscalation/ },
  { name: 'running as root', values: { podSecurityContext: { runAsNonRoot: false, runAsUser: 0 } }, message: /\/podSecurityContext\/runAs/ },
  { name: 'the GitHub App without its slug', values: { github: { app: { enabled: true } } }, message: /\/github\/app\/slug/ },
  { name: 'Consul on without an address', values: { consul: { enabled: true } }, message: /\/consul/ },
  { name: 'a CPU limit that is not a quantity', values: { runner: { runLimits: { maxCpu: 'lots' } } }, message: /\/runner\/runLimits\/maxCpu/ },
  { name: 'a default agent memory that is not a quantity', values: { runner: { defaultResources: { memory: '2GB' } } }, message: /\/runner\/defaultResources\/memory/ },
  { name: 'a truncated image digest', values: { runner: { image: { repository: 'ghcr.io/factoryci/agent', digest: 'sha256:abc' } } }, message: /\/runner\/image\/digest/ },
  { name: 'an Ingress without a host', values: { ingress: { enabled: true } }, message: /\/ingress\/host|\/ingress.*host/ },
  { name: 'a runs namespace that is not a DNS label', values: { runner: { namespace: 'CI_Runs' } }, message: /\/runner\/namespace/ },
  { name: 'a ServiceMonitor switch that is not a boolean', values: { metrics: { serviceMonitor: { enabled: 'sometimes' } } }, message: /\/metrics\/serviceMonitor\/enabled/ },
  { name: 'a scrape interval that is not a duration', values: { metrics: { serviceMonitor: { interval: '30 seconds' } } }, message: /\/metrics\/serviceMonitor\/interval/ },
  { name: 'a negative warm pool', values: { runner: { pool: { size: -1 } } }, message: /\/runner\/pool\/size/ },
  { name: 'a warm pool size as a word', values: { runner: { pool: { size: 'two' } } }, message: /\/runner\/pool\/size/ },
  { name: 'a warm pool larger than the orchestrator takes', values: { runner: { pool: { size: 101 } } }, message: /\/runner\/pool\/size/ },
  { name: 'a git CIDR without a prefix length', values: { networkPolicy: { agent: { gitCidrs: ['140.82.112.0'] } } }, message: /\/networkPolicy\/agent\/gitCidrs\/0/ },
];

/** Value sets the schema accepts but the templates refuse, with a message that says why. */
const refusedByTemplates: { name: string; values: Record<string, unknown>; message: RegExp }[] = [
  { name: 'a quota on the release namespace', values: { runner: { quota: { enabled: true } } }, message: /runner.quota needs a runs namespace of its own/ },
  { name: 'a warm pool without Consul', values: { runner: { pool: { size: 2 } } }, message: /runner.pool.size needs Consul/ },
  { name: 'Consul without a way for agents to reach it', values: { consul: { enabled: true, address: 'http://consul:8500' } }, message: /consul.agentEgress needs/ },
];

function valuesFile(name: string, values: Record<string, unknown>): string {
  const file = join(scratch, `${name.replace(/\W+/g, '-')}.yaml`);
  writeFileSync(file, stringify(values));
  return file;
}

describe.concurrent('values.schema.json and the templates reject bad values', () => {
  it.each(rejected)('helm lint and helm template refuse $name', async ({ name, values, message }) => {
    const file = valuesFile(name, values);
    const [lint, template] = await Promise.all([
      helm(['lint', chartDir, '-f', file]),
      helm(['template', RELEASE, chartDir, '--namespace', RELEASE_NAMESPACE, '-f', file]),
    ]);
    expect(lint.code).not.toBe(0);
    expect(lint.stdout + lint.stderr).toMatch(message);
    expect(template.code).not.toBe(0);
    expect(template.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(template.stderr).toMatch(message);
    expect(template.stdout).toBe('');
  });

  it.each(refusedByTemplates)('helm template refuses $name', async ({ name, values, message }) => {
    const template = await helm(['template', RELEASE, chartDir, '--namespace', RELEASE_NAMESPACE, '-f', valuesFile(name, values)]);
    expect(template.code).not.toBe(0);
    expect(template.stderr).toMatch(message);
  });

  it('accepts the same keys when they are right (the refusals above are about the values, not the keys)', async () => {
    const file = valuesFile('good', {
      api: { replicas: 1 },
      github: { app: { enabled: true, slug: 'my-ci' } },
      consul: { enabled: true, address: 'http://consul:8500', agentEgress: { cidrs: ['10.0.0.0/8'] } },
      runner: { namespace: 'ci-runs', runLimits: { maxCpu: '500m' }, image: { repository: 'ghcr.io/factoryci/agent', digest: `sha256:${'a'.repeat(64)}` }, quota: { enabled: true } },
      ingress: { enabled: true, host: 'ci.example.com' },
      networkPolicy: { agent: { gitCidrs: ['140.82.112.0/20'] } },
    });
    const template = await helm(['template', RELEASE, chartDir, '--namespace', RELEASE_NAMESPACE, '-f', file]);
    expect(template.stderr).toBe('');
    expect(template.code).toBe(0);
    expect(template.stdout).toContain('kind: ResourceQuota');
  });
});
