import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './manifests.js';

/** One permission in RBAC terms. */
export interface Permission {
  group: string;
  resource: string;
  verb: string;
}

const VERBS: Record<string, string> = {
  create: 'create',
  list: 'list',
  read: 'get',
  delete: 'delete',
  deleteCollection: 'deletecollection',
  patch: 'patch',
  replace: 'update',
};
/** Kinds (and subresources) of @kubernetes/client-node's method names -> API group and resource. */
const RESOURCES: Record<string, { group: string; resource: string }> = {
  Job: { group: 'batch', resource: 'jobs' },
  JobStatus: { group: 'batch', resource: 'jobs/status' },
  Pod: { group: '', resource: 'pods' },
  PodLog: { group: '', resource: 'pods/log' },
  PodStatus: { group: '', resource: 'pods/status' },
  Event: { group: '', resource: 'events' },
  Secret: { group: '', resource: 'secrets' },
  ConfigMap: { group: '', resource: 'configmaps' },
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * Every Kubernetes API call the orchestrator's source makes, read from the code itself: the typed client calls
 * (`batch.createNamespacedJob`, `core.readNamespacedPodLog`, ...) and the paths given to `Watch.watch`. Throws on a
 * call it cannot translate, so that a new kind of call fails the RBAC test instead of slipping past it.
 */
export function orchestratorKubernetesCalls(): Permission[] {
  const found = new Map<string, Permission>();
  const add = (permission: Permission) => found.set(`${permission.group}|${permission.resource}|${permission.verb}`, permission);
  for (const file of sourceFiles(join(repoRoot, 'apps', 'orchestrator', 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\.(create|list|read|deleteCollection|delete|patch|replace)Namespaced([A-Z]\w*?)(?:ForAllNamespaces)?\(/g)) {
      const verb = VERBS[match[1] as string];
      const resource = RESOURCES[match[2] as string];
      if (!verb || !resource) throw new Error(`${file}: cannot translate ${match[0]} into RBAC terms; extend orchestrator-calls.ts`);
      add({ ...resource, verb });
    }
    if (/\.watch\(/.test(text) && /new Watch\(/.test(text)) {
      for (const match of text.matchAll(/['`]\/(api\/v1|apis\/([a-z0-9.-]+)\/v\w+)\/namespaces\/\$\{\w+\}\/([a-z]+)['`]/g)) {
        add({ group: match[2] ?? '', resource: match[3] as string, verb: 'watch' });
      }
    }
  }
  return [...found.values()].sort((a, b) => `${a.group}|${a.resource}|${a.verb}`.localeCompare(`${b.group}|${b.resource}|${b.verb}`));
}

/** The permissions a Role's rules grant, one entry per group × resource × verb. */
export function permissionsOfRules(rules: { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] }[]): Permission[] {
  const found = new Map<string, Permission>();
  for (const rule of rules) {
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        for (const verb of rule.verbs) found.set(`${group}|${resource}|${verb}`, { group, resource, verb });
      }
    }
  }
  return [...found.values()].sort((a, b) => `${a.group}|${a.resource}|${a.verb}`.localeCompare(`${b.group}|${b.resource}|${b.verb}`));
}
