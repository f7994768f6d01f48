import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { helm } from '../support/helm.js';
import {
  byKind,
  chartDir,
  envOf,
  findOne,
  podTemplate,
  readRepoFile,
  RELEASE_NAMESPACE,
  parseManifests,
  RELEASE,
  renderChart,
  repoRoot,
  schemaProblems,
  valueSets,
  valuesArgs,
  type Container,
  type Manifest,
} from './manifests.js';
import { orchestratorKubernetesCalls, permissionsOfRules } from './orchestrator-calls.js';

/** Environment variables that carry credentials: they must come from a Secret, never as a plain value. */
const CREDENTIAL_ENV = /^(DATABASE_URL|REDIS_URL|FACTORY_ENCRYPTION_KEY|FACTORY_ADMIN_TOKEN|FACTORY_CONSUL_TOKEN|GITHUB_APP_(ID|PRIVATE_KEY|CLIENT_ID|CLIENT_SECRET|WEBHOOK_SECRET))$/;

/** Uppercase string literals and process.env reads in an app's (and its workspace packages') non-test sources: the environment it can read. */
function envNamesReadBy(app: string): Set<string> {
  const names = new Set<string>();
  const sources = listSources(app).map(readRepoFile).join('\n');
  for (const match of sources.matchAll(/['"`]([A-Z][A-Z0-9_]{2,})['"`]|process\.env\.([A-Z][A-Z0-9_]+)/g)) names.add((match[1] ?? match[2]) as string);
  return names;
}

function listSources(app: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(`${dir}/${entry.name}`) : entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [`${dir}/${entry.name}`] : [],
    );
  // The app's own sources and those of the workspace packages it depends on (e.g. @factoryci/github-app reads GITHUB_*).
  const manifest = JSON.parse(readRepoFile(`apps/${app}/package.json`)) as { dependencies?: Record<string, string> };
  const packages = Object.keys(manifest.dependencies ?? {})
    .filter((name) => name.startsWith('@factoryci/'))
    .map((name) => `packages/${name.slice('@factoryci/'.length)}/src`);
  return [`apps/${app}/src`, ...packages].flatMap(walk);
}

function containersOf(manifest: Manifest): Container[] {
  const spec = podTemplate(manifest).spec;
  return [...(spec.initContainers ?? []), ...spec.containers];
}

const workloadKinds = ['Deployment', 'Job'];

describe.each(valueSets())('the chart with $name values', ({ files }) => {
  let rendered: Promise<Manifest[]> | undefined;
  const manifests = () => (rendered ??= renderChart(files));

  it('passes helm lint --strict', async () => {
    const result = await helm(['lint', '--strict', chartDir, '--namespace', RELEASE_NAMESPACE, ...valuesArgs(files)]);
    expect(result.stderr + result.stdout).toContain('0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it('renders only objects that are valid against the Kubernetes schemas, with no unknown fields', async () => {
    const all = await manifests();
    expect(all.length).toBeGreaterThan(8);
    expect(all.flatMap(schemaProblems)).toEqual([]);
    const names = all.map((manifest) => `${manifest.kind}/${manifest.metadata.namespace}/${manifest.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
    for (const manifest of all) if (manifest.kind !== 'Namespace') expect(manifest.metadata.namespace, manifest.metadata.name).toBeTruthy();
  });

  it('runs every container as non-root, without privilege escalation or capabilities, on a read-only root', async () => {
    const workloads = (await manifests()).filter((manifest) => workloadKinds.includes(manifest.kind));
    expect(workloads.length).toBeGreaterThanOrEqual(3);
    for (const workload of workloads) {
      const pod = podTemplate(workload).spec;
      expect(pod.securityContext?.runAsNonRoot, workload.metadata.name).toBe(true);
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
      for (const container of containersOf(workload)) {
        const context = container.securityContext;
        expect(context?.allowPrivilegeEscalation, container.name).toBe(false);
        expect(context?.privileged ?? false).toBe(false);
        expect(context?.capabilities?.drop).toContain('ALL');
        expect(context?.capabilities?.add ?? []).toEqual([]);
        expect(context?.readOnlyRootFilesystem).toBe(true);
        if (context?.runAsUser !== undefined) expect(context.runAsUser).toBeGreaterThan(0);
        expect(container.resources?.requests?.memory, container.name).toBeTruthy();
        expect(container.resources?.limits?.memory, container.name).toBeTruthy();
      }
    }
  });

  it('probes the API and the orchestrator on /healthz through a declared container port', async () => {
    const all = await manifests();
    for (const deployment of byKind(all, 'Deployment')) {
      const [container] = podTemplate(deployment).spec.containers;
      if (!container) throw new Error('no container');
      for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
        expect(probe?.httpGet?.path, deployment.metadata.name).toBe('/healthz');
        expect(container.ports?.map((port) => port.name)).toContain(probe?.httpGet?.port);
      }
    }
    const api = podTemplate(findOne(all, 'Deployment', '-api')).spec.containers[0] as Container;
    expect(api.livenessProbe?.httpGet?.path).toBe('/healthz');
    // the orchestrator listens where it is probed
    const orchestrator = podTemplate(findOne(all, 'Deployment', '-orchestrator')).spec.containers[0] as Container;
    const healthPort = orchestrator.ports?.find((port) => port.name === 'health')?.containerPort;
    expect(envOf(orchestrator).get('FACTORY_HEALTH_PORT')?.value).toBe(String(healthPort));
    for (const probe of [orchestrator.startupProbe, orchestrator.readinessProbe, orchestrator.livenessProbe]) expect(probe?.httpGet).toMatchObject({ path: '/healthz', port: 'health' });
  });

  it('gives the orchestrator exactly the Kubernetes permissions its code uses, in the runs namespace only', async () => {
    const all = await manifests();
    expect(byKind(all, 'ClusterRole')).toEqual([]);
    expect(byKind(all, 'ClusterRoleBinding')).toEqual([]);
    const roles = byKind(all, 'Role');
    expect(roles).toHaveLength(1);
    const role = roles[0] as Manifest & { rules: Parameters<typeof permissionsOfRules>[0] };
    const orchestrator = findOne(all, 'Deployment', '-orchestrator');
    const env = envOf(podTemplate(orchestrator).spec.containers[0] as Container);
    const runsNamespace = env.get('FACTORY_K8S_NAMESPACE')?.value;
    expect(role.metadata.namespace).toBe(runsNamespace);
    for (const rule of role.rules) {
      expect(rule.resourceNames).toBeUndefined();
      for (const field of [rule.apiGroups, rule.resources, rule.verbs]) expect(field).not.toContain('*');
    }
    const used = orchestratorKubernetesCalls();
    expect(used.length).toBeGreaterThanOrEqual(5);
    expect(permissionsOfRules(role.rules)).toEqual(used);

    const binding = findOne(all, 'RoleBinding', '-orchestrator') as Manifest & {
      roleRef: { kind: string; name: string };
      subjects: { kind: string; name: string; namespace: string }[];
    };
    expect(binding.metadata.namespace).toBe(runsNamespace);
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: podTemplate(orchestrator).spec.serviceAccountName, namespace: RELEASE_NAMESPACE }]);
    // only the orchestrator holds a token; the API, the migrations and the agents run without one
    for (const workload of all.filter((manifest) => workloadKinds.includes(manifest.kind) && manifest !== orchestrator)) {
      expect(podTemplate(workload).spec.automountServiceAccountToken, workload.metadata.name).toBe(false);
    }
    for (const account of byKind(all, 'ServiceAccount')) {
      const automount = (account as { automountServiceAccountToken?: boolean }).automountServiceAccountToken;
      expect(automount, account.metadata.name).toBe(account.metadata.name === podTemplate(orchestrator).spec.serviceAccountName);
    }
  });

  it('migrates the database in a pre-install,pre-upgrade hook Job that runs before the Deployments', async () => {
    const all = await manifests();
    const hooks = all.filter((manifest) => manifest.metadata.annotations?.['helm.sh/hook']);
    expect(hooks.map((hook) => `${hook.kind}/${hook.metadata.name}`)).toEqual([`Job/${findOne(all, 'Job', '-migrate').metadata.name}`]);
    const job = hooks[0] as Manifest;
    const annotations = job.metadata.annotations ?? {};
    expect((annotations['helm.sh/hook'] ?? '').split(',').sort()).toEqual(['pre-install', 'pre-upgrade']);
    expect(Number(annotations['helm.sh/hook-weight'])).toBeLessThan(0);
    expect(annotations['helm.sh/hook-delete-policy']).toContain('before-hook-creation');
    // pre-install/pre-upgrade hooks complete before Helm creates or updates any non-hook object: the Deployments
    // must therefore not be hooks themselves
    for (const deployment of byKind(all, 'Deployment')) expect(deployment.metadata.annotations?.['helm.sh/hook']).toBeUndefined();
    const spec = job.spec as { backoffLimit: number; template: { spec: { restartPolicy: string } } };
    expect(spec.template.spec.restartPolicy).toBe('Never');
    const container = podTemplate(job).spec.containers[0] as Container;
    expect(container.command).toEqual(['node', 'packages/db/dist/migrate-command.js']);
    expect(readRepoFile('packages/db/src/migrate-command.ts')).toContain('DATABASE_URL');
    const api = podTemplate(findOne(all, 'Deployment', '-api')).spec.containers[0] as Container;
    expect(container.image).toBe(api.image);
    expect([...envOf(container).keys()]).toEqual(['DATABASE_URL']);
  });

  it('is installed by helm itself hook first: the migration Job in HOOKS, the Deployments after it in the manifest', async () => {
    const result = await helm(['install', RELEASE, chartDir, '--namespace', RELEASE_NAMESPACE, '--dry-run=client', ...valuesArgs(files)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const hooksAt = result.stdout.indexOf('\nHOOKS:\n');
    const manifestAt = result.stdout.indexOf('\nMANIFEST:\n');
    expect(hooksAt).toBeGreaterThan(0);
    expect(manifestAt).toBeGreaterThan(hooksAt);
    const hooks = parseManifests(result.stdout.slice(hooksAt + 8, manifestAt));
    const notesAt = result.stdout.indexOf('\nNOTES:\n');
    const installed = parseManifests(result.stdout.slice(manifestAt + 11, notesAt > 0 ? notesAt : undefined));
    expect(hooks.map((hook) => hook.kind)).toEqual(['Job']);
    expect(hooks[0]?.metadata.name).toMatch(/-migrate$/);
    const order = installed.map((manifest) => manifest.kind);
    expect(order.filter((kind) => kind === 'Deployment')).toHaveLength(2);
    expect(order).not.toContain('Job');
    // Helm applies the manifest in this order: a created runs namespace comes before anything placed in it
    if (order.includes('Namespace')) expect(order.indexOf('Namespace')).toBe(0);
  });

  it('references every credential from a Secret and renders no Secret of its own', async () => {
    const all = await manifests();
    expect(byKind(all, 'Secret')).toEqual([]);
    expect(byKind(all, 'ConfigMap')).toEqual([]);
    let credentials = 0;
    for (const workload of all.filter((manifest) => workloadKinds.includes(manifest.kind))) {
      for (const container of containersOf(workload)) {
        for (const entry of container.env ?? []) {
          if (!CREDENTIAL_ENV.test(entry.name)) continue;
          credentials += 1;
          expect(entry.value, `${container.name} ${entry.name}`).toBeUndefined();
          expect(entry.valueFrom?.secretKeyRef?.name, `${container.name} ${entry.name}`).toMatch(/^[a-z0-9][-a-z0-9.]*$/);
          expect(entry.valueFrom?.secretKeyRef?.key).toBeTruthy();
        }
      }
    }
    expect(credentials).toBeGreaterThanOrEqual(8);
    const api = envOf(podTemplate(findOne(all, 'Deployment', '-api')).spec.containers[0] as Container);
    for (const required of ['DATABASE_URL', 'REDIS_URL', 'FACTORY_ENCRYPTION_KEY', 'FACTORY_ADMIN_TOKEN']) expect(api.has(required), required).toBe(true);
  });

  it('sets only environment variables the apps read, and everything the API requires', async () => {
    const all = await manifests();
    for (const app of ['api', 'orchestrator']) {
      const container = podTemplate(findOne(all, 'Deployment', `-${app}`)).spec.containers[0] as Container;
      const read = envNamesReadBy(app);
      const extra = new Set(((container.env ?? []) as { name: string }[]).map((entry) => entry.name));
      const userExtra = new Set(['NODE_EXTRA_CA_CERTS']); // from the value sets' extraEnv
      const unread = [...extra].filter((name) => !read.has(name) && !userExtra.has(name));
      expect(unread, app).toEqual([]);
    }
    const apiConfig = readRepoFile('apps/api/src/config.ts');
    const requiredByApi = [...apiConfig.matchAll(/required\('([A-Z_]+)'/g)].map((match) => match[1]);
    expect(requiredByApi.length).toBeGreaterThanOrEqual(3);
    const apiEnv = envOf(podTemplate(findOne(all, 'Deployment', '-api')).spec.containers[0] as Container);
    for (const name of requiredByApi) expect(apiEnv.has(name as string), name).toBe(true);
  });
});

describe('Consul in the chart', () => {
  it('registers the API in Consul (at its pod IP, one instance per pod) exactly when Consul is on', async () => {
    let withConsul = 0;
    for (const { name, files } of valueSets()) {
      const all = await renderChart(files);
      const env = envOf(podTemplate(findOne(all, 'Deployment', '-api')).spec.containers[0] as Container);
      const consulOn = envOf(podTemplate(findOne(all, 'Deployment', '-orchestrator')).spec.containers[0] as Container).has('FACTORY_CONSUL_URL');
      expect(env.has('FACTORY_CONSUL_URL'), name).toBe(consulOn);
      if (!consulOn) continue;
      withConsul += 1;
      expect((env.get('FACTORY_API_ADVERTISE_ADDRESS')?.valueFrom as { fieldRef?: { fieldPath?: string } } | undefined)?.fieldRef?.fieldPath, name).toBe('status.podIP');
      expect((env.get('FACTORY_API_SERVICE_ID')?.valueFrom as { fieldRef?: { fieldPath?: string } } | undefined)?.fieldRef?.fieldPath, name).toBe('metadata.name');
    }
    expect(withConsul).toBeGreaterThanOrEqual(1);
  });
});

describe('helm/factory-ci/README.md', () => {
  it('has a row in its values table for every value (down to two levels)', () => {
    const readme = readRepoFile('helm/factory-ci/README.md');
    const values = parse(readRepoFile('helm/factory-ci/values.yaml')) as Record<string, unknown>;
    const missing: string[] = [];
    const walk = (object: Record<string, unknown>, prefix: string, depth: number): void => {
      for (const [key, value] of Object.entries(object)) {
        const path = prefix ? `${prefix}.${key}` : key;
        // the key itself, a row of its sub-keys (`key.sub`), or its parent's row
        if (!readme.includes(`\`${path}`) && !readme.includes(`\`${prefix}\``)) missing.push(path);
        if (depth < 1 && value && typeof value === 'object' && !Array.isArray(value)) walk(value as Record<string, unknown>, path, depth + 1);
      }
    };
    walk(values, '', 0);
    expect(missing).toEqual([]);
  });
});
