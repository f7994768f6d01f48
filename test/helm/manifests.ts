import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { parseAllDocuments } from 'yaml';
import { helm } from '../support/helm.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const chartDir = join(repoRoot, 'helm', 'factory-ci');
export const valuesDir = fileURLToPath(new URL('./values/', import.meta.url));
export const RELEASE = 'factoryci';
export const RELEASE_NAMESPACE = 'ci-system';

/** A rendered Kubernetes object (only what the tests read is typed). */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** The realistic value sets beside the defaults: name -> values file. */
export function valueSets(): { name: string; files: string[] }[] {
  const files = readdirSync(valuesDir)
    .filter((file) => file.endsWith('.yaml'))
    .sort();
  return [{ name: 'defaults', files: [] }, ...files.map((file) => ({ name: file.replace(/\.yaml$/, ''), files: [join(valuesDir, file)] }))];
}

export function valuesArgs(files: string[], extra: string[] = []): string[] {
  return [...files.flatMap((file) => ['-f', file]), ...extra];
}

/** `helm template` of the chart; throws with helm's own message when it fails. */
export async function renderChart(files: string[], extra: string[] = []): Promise<Manifest[]> {
  const result = await helm(['template', RELEASE, chartDir, '--namespace', RELEASE_NAMESPACE, ...valuesArgs(files, extra)]);
  if (result.code !== 0) throw new Error(`helm template failed (${result.code}): ${result.stderr}`);
  return parseManifests(result.stdout);
}

export function parseManifests(text: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new Error(`rendered YAML does not parse: ${document.errors[0]?.message}`);
    const value = document.toJS({ maxAliasCount: 0 }) as Manifest | null;
    if (value !== null) manifests.push(value);
  }
  return manifests;
}

type Validatable = new (data: Record<string, unknown>) => { validate(): void };
const MODELS: Record<string, Validatable> = {
  'apps/v1/Deployment': Deployment as unknown as Validatable,
  'batch/v1/Job': Job as unknown as Validatable,
  'networking.k8s.io/v1/Ingress': Ingress as unknown as Validatable,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as Validatable,
  'rbac.authorization.k8s.io/v1/Role': Role as unknown as Validatable,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding as unknown as Validatable,
  'v1/LimitRange': LimitRange as unknown as Validatable,
  'v1/Namespace': Namespace as unknown as Validatable,
  'v1/ResourceQuota': ResourceQuota as unknown as Validatable,
  'v1/Service': Service as unknown as Validatable,
  'v1/ServiceAccount': ServiceAccount as unknown as Validatable,
};

/**
 * Problems of one object against the Kubernetes schemas: kubernetes-models' validation (types, required fields,
 * enums, formats), plus unknown fields, which that validation lets through but the API server rejects (or drops, a
 * silent hole when it is a security setting): every key is checked against @kubernetes/client-node's type map.
 */
export function schemaProblems(manifest: Manifest): string[] {
  const key = `${manifest.apiVersion}/${manifest.kind}`;
  const Model = MODELS[key];
  if (!Model) return [`${key}: no schema known to the tests`];
  const problems: string[] = [];
  try {
    new Model(manifest as unknown as Record<string, unknown>).validate();
  } catch (error) {
    problems.push(`${key} ${manifest.metadata?.name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const typeName = `V1${manifest.kind}`;
  unknownFields(manifest, typeName, `${manifest.kind}/${manifest.metadata?.name}`, problems);
  return problems;
}

interface AttributeType {
  baseName: string;
  type: string;
}
type ModelClass = { getAttributeTypeMap(): AttributeType[] };

function modelClass(type: string): ModelClass | undefined {
  const candidate = (k8s as unknown as Record<string, unknown>)[type];
  return typeof candidate === 'function' && 'getAttributeTypeMap' in candidate ? (candidate as unknown as ModelClass) : undefined;
}

function unknownFields(value: unknown, type: string, path: string, problems: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((item, index) => unknownFields(item, array[1] as string, `${path}[${index}]`, problems));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object') for (const [entry, item] of Object.entries(value)) unknownFields(item, map[1] as string, `${path}.${entry}`, problems);
    return;
  }
  const model = modelClass(type);
  if (!model || typeof value !== 'object' || Array.isArray(value)) return;
  const attributes = model.getAttributeTypeMap();
  for (const [field, item] of Object.entries(value as Record<string, unknown>)) {
    const attribute = attributes.find((candidate) => candidate.baseName === field);
    if (!attribute) problems.push(`${path}.${field}: unknown field of ${type}`);
    else unknownFields(item, attribute.type, `${path}.${field}`, problems);
  }
}

export function byKind(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter((manifest) => manifest.kind === kind);
}

/* Shapes of the parts of pods the rules read. */
export interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: unknown } }[];
  ports?: { name?: string; containerPort: number }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
}
export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  containers: Container[];
  initContainers?: Container[];
}
export interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: PodSpec;
}

/** The pod template of a Deployment or Job. */
export function podTemplate(manifest: Manifest): PodTemplate {
  const spec = manifest.spec as { template?: PodTemplate } | undefined;
  if (!spec?.template) throw new Error(`${manifest.kind}/${manifest.metadata.name} has no pod template`);
  return spec.template;
}

export function envOf(container: Container): Map<string, NonNullable<Container['env']>[number]> {
  return new Map((container.env ?? []).map((entry) => [entry.name, entry]));
}

export function findOne(manifests: Manifest[], kind: string, nameSuffix: string): Manifest {
  const found = manifests.filter((manifest) => manifest.kind === kind && manifest.metadata.name.endsWith(nameSuffix));
  if (found.length !== 1) throw new Error(`expected one ${kind} named *${nameSuffix}, found ${found.length}`);
  return found[0] as Manifest;
}

export function readRepoFile(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}
