/**
 * A small Kubernetes stand-in: the subset of the API server that FactoryCI's Kubernetes runner uses (batch/v1 Jobs,
 * core/v1 Pods, watch streams, pod logs) over real HTTP with Kubernetes' paths, bodies and status codes, plus the part
 * of a job controller and kubelet that matters to a runner: creating a Job creates its one pod, and the pod's container
 * command runs as a local process group with the container's env. Conventions (see docs/runners.md):
 *
 * - The image is ignored, except: an image containing `does-not-exist` cannot be pulled (waiting `ErrImagePull`, then
 *   `ImagePullBackOff`); an image that is not a valid reference (e.g. upper case) is `InvalidImageName`.
 * - The one node has the labels in `nodeLabels`; a pod whose nodeSelector does not match them stays Pending with
 *   PodScheduled=False, reason Unschedulable.
 * - `resources.limits.memory` is enforced: the process group's resident memory is sampled and the group is SIGKILLed
 *   with reason OOMKilled (exit code 137) when it exceeds the limit.
 * - `activeDeadlineSeconds` is enforced: the Job fails with reason DeadlineExceeded and its pod is deleted.
 * - A failed pod fails its Job (reason BackoffLimitExceeded): the stand-in never retries, as with backoffLimit 0.
 * - The process runs in a fresh temporary directory (its HOME, mode 0711) with the container's env, PATH from the
 *   stand-in, and `status.podIP` = 127.0.0.1.
 * - core/v1 Secrets can be created, read and deleted; a Secret owned by a Job (ownerReferences) is garbage-collected
 *   with it unless the Job is deleted with propagationPolicy Orphan.
 * - Volumes: each of the pod's `emptyDir` volumes is a directory (0777) in the pod's directory; a `secret` volume is a
 *   directory (0755) holding the Secret's keys (or its `items`) as files of mode `items[].mode`, `defaultMode` or
 *   0644, owned by the stand-in's uid. The container does not start until every non-optional Secret exists (the pod
 *   waits in ContainerCreating, as the kubelet does). There is no mount namespace: each `volumeMounts[].mountPath`
 *   is rewritten to its directory wherever it appears as a path in the container's command, args, env values and
 *   `workingDir` (which becomes the cwd when it is under a mount; the pod's directory otherwise).
 * - When the stand-in runs as root, a container's `securityContext.capabilities` (drop ALL, add some) become the
 *   process's bounding set (so that root in the container has only those) and `allowPrivilegeEscalation: false` sets
 *   no_new_privs, through util-linux `setpriv`, as a container runtime does. Its uid stays the stand-in's.
 * - With `startContainers: false`, a scheduled pod's container waits in ContainerCreating for good (no process).
 * - Jobs and pods take a JSON merge patch (`application/merge-patch+json`, RFC 7386) of their labels and annotations,
 *   and a Job of its `spec.activeDeadlineSeconds` (counted from its start, as the job controller does); any other
 *   patch is refused (415 for another patch type, 422 for other fields). A `metadata.resourceVersion` in the patch is
 *   a precondition: 409 Conflict when the object's is another.
 * - `failRequests(matches, code)` is a test hook that answers chosen requests for one Job, pod or Secret (a PATCH seen with
 *   its body) with an error Status (default 503) and leaves the object unchanged, until the function it returns is
 *   called.
 * - `evict(podName)` is a test hook that evicts a running pod as the kubelet does under node pressure;
 *   `dropWatches()` ends every open watch stream; `compact()` forgets the watch history so far, as etcd's compaction
 *   does: a watch from an older resourceVersion then gets a `410 Gone` Status as an ERROR event (reason `Expired`,
 *   "too old resource version") and its stream ends, as the API server answers. Watches select by label and field
 *   selectors (equality-based) and send BOOKMARK events only when asked (`allowWatchBookmarks`) and then only
 *   through `bookmark()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQuantity } from '../../../apps/orchestrator/src/quantity.js';
import { groupRssBytes, killGroup } from './processes.js';
import { parseSelector, UnsupportedSelectorError, type Selector } from './selectors.js';

type Json = Record<string, unknown>;
type Resource = 'jobs' | 'pods';

interface Meta {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  labels: Record<string, string>;
  deletionTimestamp?: string;
  ownerReferences?: Json[];
  [key: string]: unknown;
}

interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}

interface Volume {
  name: string;
  emptyDir?: Json;
  secret?: { secretName?: string; defaultMode?: number; optional?: boolean; items?: { key: string; path: string; mode?: number }[] };
  [key: string]: unknown;
}

export interface StandinSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: Meta;
  type: string;
  immutable?: boolean;
  data: Record<string, string>;
}

interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  volumeMounts?: VolumeMount[];
  securityContext?: { capabilities?: { drop?: string[]; add?: string[] }; allowPrivilegeEscalation?: boolean; [key: string]: unknown };
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  [key: string]: unknown;
}

interface PodSpec {
  containers: Container[];
  volumes?: Volume[];
  nodeSelector?: Record<string, string>;
  nodeName?: string;
  [key: string]: unknown;
}

interface Condition {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastTransitionTime: string;
  lastProbeTime?: string | null;
}

interface ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: Json;
}

export interface StandinPod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: Meta;
  spec: PodSpec;
  status: {
    phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
    reason?: string;
    message?: string;
    conditions: Condition[];
    containerStatuses?: ContainerStatus[];
    hostIP?: string;
    podIP?: string;
    startTime?: string;
  };
}

export interface StandinJob {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: Meta;
  spec: {
    template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
    backoffLimit?: number;
    activeDeadlineSeconds?: number;
    ttlSecondsAfterFinished?: number;
    selector?: Json;
    [key: string]: unknown;
  };
  status: {
    active?: number;
    ready?: number;
    succeeded?: number;
    failed?: number;
    startTime?: string;
    completionTime?: string;
    conditions?: Condition[];
  };
}

type StoredObject = StandinJob | StandinPod;

interface WatchEvent {
  rv: number;
  resource: Resource;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: StoredObject;
}

interface Watcher {
  resource: Resource;
  namespace: string;
  labels: Selector;
  fields: Selector;
  response: ServerResponse;
  bookmarks: boolean;
}

interface PodProcess {
  child?: ChildProcess;
  log: Buffer[];
  workdir?: string;
  oomKilled: boolean;
  deleting: boolean;
  timers: NodeJS.Timeout[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

/** A request for one Job, pod or Secret as a fault hook sees it (a PATCH with its parsed body). */
export interface FaultableRequest {
  method: string;
  path: string;
  body?: Record<string, unknown>;
}

export interface KubernetesStandinOptions {
  /** Labels of the stand-in's one node, matched against nodeSelectors. */
  nodeLabels?: Record<string, string>;
  /** How long a pod stays in ErrImagePull before ImagePullBackOff. */
  imagePullBackOffAfterMs?: number;
  /** Grace between SIGTERM and SIGKILL when a pod is deleted. */
  terminationGraceMs?: number;
  /** How often memory use is sampled against the memory limit. */
  memorySampleMs?: number;
  /**
   * false: scheduled pods wait in ContainerCreating for good and no process is started (a node that never gets to
   * start them), for measuring the API side alone (the dispatch bench). Default true.
   */
  startContainers?: boolean;
}

export interface KubernetesStandin {
  url: string;
  requests: RecordedRequest[];
  jobs(namespace?: string): StandinJob[];
  pods(namespace?: string): StandinPod[];
  secrets(namespace?: string): StandinSecret[];
  /** The directory standing for a running pod's volume `name` (its files as the container sees them), if any. */
  podVolumeDir(podName: string, volume: string): string | undefined;
  /** The pid (= process group id) of a pod's running container process, if any. */
  podPid(name: string): number | undefined;
  /** Evicts a running pod as the kubelet does under node pressure: phase Failed, reason Evicted. */
  evict(podName: string): void;
  /** Ends every open watch stream, as an API server restart or a load balancer timeout does. */
  dropWatches(): void;
  /** How many watch streams are open. */
  openWatches(): number;
  /** Forgets the watch history so far: a watch from an older resourceVersion gets 410 Gone. */
  compact(): void;
  /** Sends a BOOKMARK (the current resourceVersion) on each open watch that allowed bookmarks. */
  bookmark(): void;
  /**
   * Answers the requests for one Job, pod or Secret that `matches` picks with `code` (default 503, as an overloaded API server) and leaves
   * the object unchanged, until the returned function is called.
   */
  failRequests(matches: (request: FaultableRequest) => boolean, code?: number): () => void;
  close(): Promise<void>;
}

const NODE_NAME = 'standin-node';
const STANDIN_IP = '127.0.0.1';
const IMAGE_REFERENCE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * `text` with each mount path that appears in it as a path (at its start, or after a character that cannot be part of
 * a path, and followed by `/`, a quote, a separator or the end) replaced by the directory standing for it. A path
 * below a mount path that exists on this machine stays as it is: the stand-in runs the host's files as the image's, and
 * a checkout or a test's directory under `/tmp` is such a file (in a real pod it would be inside the image, not under
 * the volume), whereas the pod's own paths (`/workspace`, `/tmp/x` made in the pod, the token file) do not exist here.
 */
export function rewriteMounts(text: string, mounts: readonly (readonly [string, string])[], hostHas: (path: string) => boolean = existsSync): string {
  if (mounts.length === 0) return text;
  const dirs = new Map(mounts);
  const alternatives = [...dirs.keys()].sort((a, b) => b.length - a.length).map((path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // one pass, so that a directory put in for one mount path is not rewritten again for another
  const pattern = new RegExp(`(^|[\\s"'=:,;(])(${alternatives.join('|')})((?:/[^\\s"':,;)]*)?)(?=$|[\\s"':,;)])`, 'g');
  return text.replace(pattern, (match: string, before: string, path: string, rest: string) =>
    rest !== '' && rest !== '/' && hostHas(`${path}${rest}`) ? match : `${before}${dirs.get(path) ?? path}${rest}`,
  );
}

export async function startKubernetesStandin(options: KubernetesStandinOptions = {}): Promise<KubernetesStandin> {
  const nodeLabels = options.nodeLabels ?? { 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': NODE_NAME };
  const backOffAfter = options.imagePullBackOffAfterMs ?? 200;
  const grace = options.terminationGraceMs ?? 1000;
  const memorySample = options.memorySampleMs ?? 50;
  const startContainers = options.startContainers ?? true;

  let resourceVersion = 1;
  const store: Record<Resource, Map<string, StoredObject>> = { jobs: new Map(), pods: new Map() };
  const secrets = new Map<string, StandinSecret>();
  let history: WatchEvent[] = [];
  /** A watch from a resourceVersion below this one asks for history that was compacted away. */
  let compactedBefore = 0;
  const watchers = new Set<Watcher>();
  const processes = new Map<string, PodProcess>();
  const jobTimers = new Map<string, NodeJS.Timeout[]>();
  const requests: RecordedRequest[] = [];
  const faults = new Set<{ matches: (request: FaultableRequest) => boolean; code: number }>();
  /** The status a fault hook answers `request` with, if one picks it. */
  const faultFor = (request: FaultableRequest): number | undefined => [...faults].find((fault) => fault.matches(request))?.code;
  let closed = false;

  const now = () => new Date().toISOString();
  const key = (namespace: string, name: string) => `${namespace}/${name}`;
  const clone = <T>(value: T): T => structuredClone(value);

  function emit(resource: Resource, type: WatchEvent['type'], object: StoredObject): void {
    resourceVersion += 1;
    object.metadata.resourceVersion = String(resourceVersion);
    const event: WatchEvent = { rv: resourceVersion, resource, type, object: clone(object) };
    history.push(event);
    for (const watcher of watchers) {
      if (matches(watcher, event)) writeEvent(watcher.response, event);
    }
  }

  function matches(watcher: Pick<Watcher, 'resource' | 'namespace' | 'labels' | 'fields'>, event: WatchEvent): boolean {
    const meta = event.object.metadata;
    return (
      watcher.resource === event.resource &&
      watcher.namespace === meta.namespace &&
      watcher.labels(meta.labels) &&
      watcher.fields({ 'metadata.name': meta.name, 'metadata.namespace': meta.namespace })
    );
  }

  function writeEvent(response: ServerResponse, event: Pick<WatchEvent, 'type' | 'object'>): void {
    response.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
  }

  function put(resource: Resource, object: StoredObject, type: 'ADDED' | 'MODIFIED'): void {
    store[resource].set(key(object.metadata.namespace, object.metadata.name), object);
    emit(resource, type, object);
  }

  function remove(resource: Resource, object: StoredObject): void {
    if (!store[resource].delete(key(object.metadata.namespace, object.metadata.name))) return;
    object.metadata.deletionTimestamp ??= now();
    emit(resource, 'DELETED', object);
  }

  // ---- job controller and kubelet ----

  function createJob(namespace: string, body: Json): StandinJob {
    const input = body as unknown as StandinJob;
    const uid = randomUUID();
    const selectorLabels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': input.metadata.name };
    const job: StandinJob = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        ...input.metadata,
        namespace,
        uid,
        resourceVersion: '',
        creationTimestamp: now(),
        generation: 1,
        labels: { ...(input.metadata.labels ?? {}) },
      },
      spec: {
        backoffLimit: 6,
        completions: 1,
        parallelism: 1,
        ...input.spec,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
        template: {
          ...input.spec.template,
          metadata: { ...input.spec.template.metadata, labels: { ...input.spec.template.metadata?.labels, ...selectorLabels } },
        },
      },
      status: {},
    };
    put('jobs', job, 'ADDED');
    setImmediate(() => startJob(job));
    return job;
  }

  function startJob(job: StandinJob): void {
    if (closed || !store.jobs.has(key(job.metadata.namespace, job.metadata.name))) return;
    job.status = { ...job.status, startTime: now(), active: 1, ready: 0 };
    put('jobs', job, 'MODIFIED');
    const deadline = job.spec.activeDeadlineSeconds;
    if (deadline !== undefined) {
      const timer = setTimeout(() => failJob(job, 'DeadlineExceeded', 'Job was active longer than specified deadline'), deadline * 1000);
      jobTimers.set(key(job.metadata.namespace, job.metadata.name), [timer]);
    }
    createPod(job);
  }

  function createPod(job: StandinJob): void {
    const name = `${job.metadata.name}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    const pod: StandinPod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: job.metadata.namespace,
        uid: randomUUID(),
        resourceVersion: '',
        creationTimestamp: now(),
        labels: { ...job.spec.template.metadata?.labels, 'job-name': job.metadata.name, 'controller-uid': job.metadata.uid },
        ownerReferences: [
          { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, uid: job.metadata.uid, controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: clone(job.spec.template.spec),
      status: { phase: 'Pending', conditions: [] },
    };
    processes.set(key(pod.metadata.namespace, name), { log: [], oomKilled: false, deleting: false, timers: [] });
    put('pods', pod, 'ADDED');
    setImmediate(() => schedulePod(pod));
  }

  function schedulePod(pod: StandinPod): void {
    if (closed || !store.pods.has(key(pod.metadata.namespace, pod.metadata.name))) return;
    const wanted = Object.entries(pod.spec.nodeSelector ?? {});
    if (wanted.some(([label, value]) => nodeLabels[label] !== value)) {
      pod.status.conditions = [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
          lastTransitionTime: now(),
          lastProbeTime: null,
        },
      ];
      put('pods', pod, 'MODIFIED');
      return;
    }
    const container = pod.spec.containers[0] as Container;
    pod.spec.nodeName = NODE_NAME;
    pod.status = {
      phase: 'Pending',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now() },
        { type: 'Initialized', status: 'True', lastTransitionTime: now() },
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now() },
      ],
      hostIP: STANDIN_IP,
      podIP: STANDIN_IP,
      startTime: now(),
      containerStatuses: [containerStatus(container, { waiting: { reason: 'ContainerCreating' } })],
    };
    put('pods', pod, 'MODIFIED');
    const image = container.image ?? '';
    if (!IMAGE_REFERENCE.test(image)) {
      setWaiting(pod, 'InvalidImageName', `Failed to apply default image tag "${image}": couldn't parse image reference "${image}": invalid reference format`);
    } else if (image.includes('does-not-exist')) {
      setWaiting(pod, 'ErrImagePull', `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": not found`);
      const process = processes.get(key(pod.metadata.namespace, pod.metadata.name));
      process?.timers.push(setTimeout(() => setWaiting(pod, 'ImagePullBackOff', `Back-off pulling image "${image}"`), backOffAfter));
    } else if (startContainers) {
      setImmediate(() => runContainer(pod, container));
    }
  }

  function containerStatus(container: Container, state: Json): ContainerStatus {
    return { name: container.name, image: container.image ?? '', imageID: '', ready: false, started: false, restartCount: 0, state };
  }

  function setWaiting(pod: StandinPod, reason: string, message: string): void {
    if (!store.pods.has(key(pod.metadata.namespace, pod.metadata.name))) return;
    const container = pod.spec.containers[0] as Container;
    pod.status.containerStatuses = [containerStatus(container, { waiting: { reason, message } })];
    put('pods', pod, 'MODIFIED');
  }

  function resolveEnv(pod: StandinPod, container: Container): Record<string, string> {
    const fields: Record<string, string> = {
      'status.podIP': STANDIN_IP,
      'status.hostIP': STANDIN_IP,
      'metadata.name': pod.metadata.name,
      'metadata.namespace': pod.metadata.namespace,
      'spec.nodeName': NODE_NAME,
    };
    const env: Record<string, string> = {};
    for (const entry of container.env ?? []) {
      const fieldPath = entry.valueFrom?.fieldRef?.fieldPath;
      env[entry.name] = fieldPath !== undefined ? (fields[fieldPath] ?? '') : (entry.value ?? '');
    }
    return env;
  }

  /** The `setpriv` prefix that gives the process the container's capabilities and no_new_privs (as root only). */
  function containerPrivileges(container: Container): string[] {
    const context = container.securityContext;
    if (process.geteuid?.() !== 0 || !context) return [];
    const capabilities = context.capabilities;
    const dropsAll = capabilities?.drop?.some((name) => name.toUpperCase() === 'ALL') ?? false;
    const flags = [
      ...(dropsAll ? [`--bounding-set=${['-all', ...(capabilities?.add ?? []).map((name) => `+${name.toLowerCase().replace(/^cap_/, '')}`)].join(',')}`, '--inh-caps=-all'] : []),
      ...(context.allowPrivilegeEscalation === false ? ['--no-new-privs'] : []),
    ];
    return flags.length > 0 ? ['setpriv', ...flags, '--'] : [];
  }

  /** The name of a Secret a volume of the pod needs and that does not exist, or undefined. */
  function missingSecret(pod: StandinPod): string | undefined {
    for (const volume of pod.spec.volumes ?? []) {
      const wanted = volume.secret;
      if (!wanted || wanted.optional) continue;
      const name = wanted.secretName ?? '';
      const secret = secrets.get(key(pod.metadata.namespace, name));
      if (!secret) return name;
      for (const item of wanted.items ?? []) if (!(item.key in secret.data)) return `${name}" has no key "${item.key}`;
    }
    return undefined;
  }

  /** Makes the directory of each volume the container mounts; returns mount path -> directory, longest first. */
  function mountVolumes(pod: StandinPod, container: Container, podDir: string): [string, string][] {
    const volumes = new Map((pod.spec.volumes ?? []).map((volume) => [volume.name, volume]));
    const made = new Map<string, string>();
    for (const volume of volumes.values()) {
      const dir = join(podDir, 'volumes', volume.name);
      if (volume.emptyDir) {
        mkdirSync(dir, { recursive: true });
        chmodSync(dir, 0o777);
      } else if (volume.secret) {
        mkdirSync(dir, { recursive: true });
        chmodSync(dir, 0o755);
        const secret = secrets.get(key(pod.metadata.namespace, volume.secret.secretName ?? ''));
        const items = volume.secret.items ?? Object.keys(secret?.data ?? {}).map((name) => ({ key: name, path: name, mode: undefined }));
        for (const item of items) {
          const value = secret?.data[item.key];
          if (value === undefined) continue;
          const mode = item.mode ?? volume.secret.defaultMode ?? 0o644;
          const path = join(dir, item.path);
          writeFileSync(path, Buffer.from(value, 'base64'), { mode });
          chmodSync(path, mode);
        }
      } else {
        continue;
      }
      chmodSync(join(podDir, 'volumes'), 0o711);
      made.set(volume.name, dir);
    }
    const mounts: [string, string][] = [];
    for (const mount of container.volumeMounts ?? []) {
      const dir = made.get(mount.name);
      if (dir) mounts.push([mount.mountPath.replace(/\/+$/, ''), dir]);
    }
    return mounts.sort((a, b) => b[0].length - a[0].length);
  }

  function runContainer(pod: StandinPod, container: Container): void {
    const id = key(pod.metadata.namespace, pod.metadata.name);
    const state = processes.get(id);
    if (closed || !state || !store.pods.has(id)) return;
    const missing = missingSecret(pod);
    if (missing !== undefined) {
      // the kubelet keeps trying to mount it (FailedMount events, which the stand-in does not have) while the
      // container waits in ContainerCreating, until the pod is deleted
      state.timers.push(setTimeout(() => runContainer(pod, container), 50));
      return;
    }
    state.workdir = mkdtempSync(join(tmpdir(), 'k8s-standin-pod-'));
    chmodSync(state.workdir, 0o711);
    const mounts = mountVolumes(pod, container, state.workdir);
    const inPod = (text: string) => rewriteMounts(text, mounts);
    const argv = [...containerPrivileges(container), ...[...(container.command ?? []), ...(container.args ?? [])].map(inPod)];
    const startedAt = now();
    const [file, ...args] = argv;
    if (file === undefined) {
      finishPod(pod, container, { exitCode: 128, reason: 'StartError', message: 'the stand-in needs a container command', startedAt });
      return;
    }
    const workingDir = container.workingDir !== undefined ? inPod(container.workingDir) : undefined;
    const env = Object.fromEntries(Object.entries(resolveEnv(pod, container)).map(([name, value]) => [name, inPod(value)]));
    const child = spawn(file, args, {
      cwd: workingDir !== undefined && workingDir !== container.workingDir ? workingDir : state.workdir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: state.workdir, HOSTNAME: pod.metadata.name, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    state.child = child;
    child.stdout?.on('data', (chunk: Buffer) => state.log.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => state.log.push(chunk));
    child.on('error', (error) => {
      finishPod(pod, container, { exitCode: 128, reason: 'StartError', message: `exec: "${file}": ${error.message}`, startedAt });
    });
    child.on('spawn', () => {
      pod.status.phase = 'Running';
      pod.status.conditions = pod.status.conditions.map((condition) =>
        condition.type === 'Ready' ? { type: 'Ready', status: 'True', lastTransitionTime: now() } : condition,
      );
      pod.status.containerStatuses = [{ ...containerStatus(container, { running: { startedAt } }), ready: true, started: true }];
      put('pods', pod, 'MODIFIED');
      const job = ownerJob(pod);
      if (job) {
        job.status = { ...job.status, ready: 1 };
        put('jobs', job, 'MODIFIED');
      }
      const limit = container.resources?.limits?.memory;
      if (limit !== undefined && child.pid !== undefined) {
        const bytes = parseQuantity(limit, 'memory');
        const pgid = child.pid;
        const sampler = setInterval(() => {
          if (groupRssBytes(pgid) > bytes) {
            state.oomKilled = true;
            killGroup(pgid, 'SIGKILL');
            clearInterval(sampler);
          }
        }, memorySample);
        state.timers.push(sampler);
      }
    });
    child.on('exit', (code, signal) => {
      for (const timer of state.timers) clearInterval(timer);
      const exitCode = code ?? 128 + (SIGNALS[signal ?? ''] ?? 0);
      const reason = state.oomKilled ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error';
      const output = Buffer.concat(state.log).toString('utf8');
      finishPod(pod, container, {
        exitCode,
        reason,
        startedAt,
        ...(signal ? { signal: SIGNALS[signal] } : {}),
        ...(exitCode !== 0 && output ? { message: output.slice(-1024) } : {}),
      });
    });
  }

  function finishPod(pod: StandinPod, container: Container, terminated: Json & { exitCode: number }): void {
    const id = key(pod.metadata.namespace, pod.metadata.name);
    const state = processes.get(id);
    if (state?.workdir) rmSync(state.workdir, { recursive: true, force: true });
    if (!store.pods.has(id)) return;
    if (state?.deleting) {
      remove('pods', pod);
      return;
    }
    if (pod.status.reason === 'Evicted') {
      pod.status.containerStatuses = [containerStatus(container, { terminated: { ...terminated, finishedAt: now() } })];
      put('pods', pod, 'MODIFIED');
      return;
    }
    pod.status.phase = terminated.exitCode === 0 ? 'Succeeded' : 'Failed';
    pod.status.conditions = pod.status.conditions.map((condition) =>
      condition.type === 'Ready' ? { type: 'Ready', status: 'False', reason: 'PodCompleted', lastTransitionTime: now() } : condition,
    );
    pod.status.containerStatuses = [containerStatus(container, { terminated: { ...terminated, finishedAt: now() } })];
    put('pods', pod, 'MODIFIED');
    const job = ownerJob(pod);
    if (!job) return;
    if (terminated.exitCode === 0) completeJob(job);
    else failJob(job, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
  }

  function ownerJob(pod: StandinPod): StandinJob | undefined {
    const owner = pod.metadata.ownerReferences?.[0];
    const job = owner ? store.jobs.get(key(pod.metadata.namespace, String(owner.name))) : undefined;
    return job && job.metadata.uid === owner?.uid ? (job as StandinJob) : undefined;
  }

  function jobFinished(job: StandinJob): boolean {
    return (job.status.conditions ?? []).some((condition) => ['Complete', 'Failed'].includes(condition.type) && condition.status === 'True');
  }

  function completeJob(job: StandinJob): void {
    if (jobFinished(job)) return;
    const time = now();
    job.status = {
      ...job.status,
      active: 0,
      ready: 0,
      succeeded: 1,
      completionTime: time,
      conditions: [
        { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastTransitionTime: time, lastProbeTime: time },
        { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastTransitionTime: time, lastProbeTime: time },
      ],
    };
    afterFinish(job);
  }

  function failJob(job: StandinJob, reason: string, message: string): void {
    if (!store.jobs.has(key(job.metadata.namespace, job.metadata.name)) || jobFinished(job)) return;
    const time = now();
    job.status = {
      ...job.status,
      active: 0,
      ready: 0,
      failed: 1,
      conditions: [
        { type: 'FailureTarget', status: 'True', reason, message, lastTransitionTime: time, lastProbeTime: time },
        { type: 'Failed', status: 'True', reason, message, lastTransitionTime: time, lastProbeTime: time },
      ],
    };
    afterFinish(job);
    if (reason === 'DeadlineExceeded') {
      for (const pod of podsOf(job)) deletePod(pod);
    }
  }

  function afterFinish(job: StandinJob): void {
    const id = key(job.metadata.namespace, job.metadata.name);
    for (const timer of jobTimers.get(id) ?? []) clearTimeout(timer);
    put('jobs', job, 'MODIFIED');
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (ttl !== undefined) {
      const timer = setTimeout(() => deleteJob(job, 'Background'), ttl * 1000);
      timer.unref();
      jobTimers.set(id, [timer]);
    }
  }

  function podsOf(job: StandinJob): StandinPod[] {
    return [...store.pods.values()].filter(
      (pod) => pod.metadata.namespace === job.metadata.namespace && pod.metadata.ownerReferences?.[0]?.uid === job.metadata.uid,
    ) as StandinPod[];
  }

  /** Graceful deletion: SIGTERM to the group, SIGKILL after the grace period; the pod goes once the process is gone. */
  function deletePod(pod: StandinPod): void {
    const id = key(pod.metadata.namespace, pod.metadata.name);
    const state = processes.get(id);
    for (const timer of state?.timers ?? []) clearTimeout(timer);
    const pid = state?.child?.pid;
    const running = pid !== undefined && state?.child?.exitCode === null && state.child.signalCode === null;
    if (!running || !state) {
      remove('pods', pod);
      return;
    }
    if (state.deleting) return;
    state.deleting = true;
    pod.metadata.deletionTimestamp = now();
    pod.metadata.deletionGracePeriodSeconds = Math.ceil(grace / 1000);
    put('pods', pod, 'MODIFIED');
    killGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), grace);
    timer.unref();
    state.child?.once('exit', () => clearTimeout(timer));
  }

  function deleteJob(job: StandinJob, propagationPolicy: string): void {
    const id = key(job.metadata.namespace, job.metadata.name);
    if (!store.jobs.has(id)) return;
    for (const timer of jobTimers.get(id) ?? []) clearTimeout(timer);
    jobTimers.delete(id);
    const pods = podsOf(job);
    remove('jobs', job);
    if (propagationPolicy === 'Orphan') return;
    for (const pod of pods) deletePod(pod);
    // the garbage collector: dependents whose owner is gone
    for (const [id, secret] of secrets) {
      if (secret.metadata.namespace === job.metadata.namespace && secret.metadata.ownerReferences?.some((owner) => owner.uid === job.metadata.uid)) secrets.delete(id);
    }
  }

  function evict(podName: string): void {
    const pod = [...store.pods.values()].find((candidate) => candidate.metadata.name === podName) as StandinPod | undefined;
    if (!pod) throw new Error(`no pod ${podName}`);
    const state = processes.get(key(pod.metadata.namespace, podName));
    pod.status.phase = 'Failed';
    pod.status.reason = 'Evicted';
    pod.status.message = 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi.';
    put('pods', pod, 'MODIFIED');
    if (state?.child?.pid !== undefined) killGroup(state.child.pid, 'SIGKILL');
    const job = ownerJob(pod);
    if (job) failJob(job, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
  }

  /** Arms (again) a Job's deadline, counted from its start. */
  function armDeadline(job: StandinJob): void {
    const id = key(job.metadata.namespace, job.metadata.name);
    for (const timer of jobTimers.get(id) ?? []) clearTimeout(timer);
    jobTimers.delete(id);
    const deadline = job.spec.activeDeadlineSeconds;
    if (deadline === undefined || jobFinished(job)) return;
    const started = job.status.startTime ? Date.parse(job.status.startTime) : Date.now();
    const timer = setTimeout(() => failJob(job, 'DeadlineExceeded', 'Job was active longer than specified deadline'), Math.max(0, started + deadline * 1000 - Date.now()));
    jobTimers.set(id, [timer]);
  }

  function mergeLabels(current: Record<string, string> | undefined, patch: unknown): Record<string, string> | string {
    if (patch === undefined) return current ?? {};
    if (patch === null) return {};
    if (typeof patch !== 'object' || Array.isArray(patch)) return 'must be an object';
    const merged = { ...(current ?? {}) };
    for (const [name, value] of Object.entries(patch as Record<string, unknown>)) {
      if (value === null) delete merged[name];
      else if (typeof value === 'string') merged[name] = value;
      else return `${name}: must be a string`;
    }
    return merged;
  }

  /** A JSON merge patch of an object's labels and annotations (and a Job's activeDeadlineSeconds); a problem as text. */
  function applyPatch(resource: Resource, object: StoredObject, patch: Json): string | undefined {
    const { metadata, spec, ...rest } = patch as { metadata?: Json; spec?: Json };
    if (Object.keys(rest).length > 0) return `the stand-in patches only metadata and spec (got ${Object.keys(rest).join(', ')})`;
    const { labels, annotations, resourceVersion: expectedVersion, ...otherMeta } = metadata ?? {};
    if (expectedVersion !== undefined && expectedVersion !== object.metadata.resourceVersion) return 'conflict';
    if (Object.keys(otherMeta).length > 0) return `the stand-in patches only metadata.labels and metadata.annotations (got ${Object.keys(otherMeta).join(', ')})`;
    const { activeDeadlineSeconds, ...otherSpec } = spec ?? {};
    if (Object.keys(otherSpec).length > 0 || (resource === 'pods' && activeDeadlineSeconds !== undefined)) return 'the stand-in patches only a Job\'s spec.activeDeadlineSeconds';
    if (activeDeadlineSeconds !== undefined && (!Number.isInteger(activeDeadlineSeconds) || (activeDeadlineSeconds as number) <= 0)) return 'spec.activeDeadlineSeconds: must be greater than 0';
    const newLabels = mergeLabels(object.metadata.labels, labels);
    if (typeof newLabels === 'string') return `metadata.labels: ${newLabels}`;
    const newAnnotations = mergeLabels(object.metadata.annotations as Record<string, string> | undefined, annotations);
    if (typeof newAnnotations === 'string') return `metadata.annotations: ${newAnnotations}`;
    object.metadata.labels = newLabels;
    if (annotations !== undefined) object.metadata.annotations = newAnnotations;
    if (resource === 'jobs' && activeDeadlineSeconds !== undefined) {
      const job = object as StandinJob;
      job.spec.activeDeadlineSeconds = activeDeadlineSeconds as number;
      armDeadline(job);
    }
    return undefined;
  }

  // ---- HTTP ----

  function status(response: ServerResponse, code: number, reason: string, message: string, details: Json = {}): void {
    send(response, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 300 ? 'Success' : 'Failure', message, reason, details, code });
  }

  function send(response: ServerResponse, code: number, body: unknown): void {
    response.writeHead(code, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  }

  function list(resource: Resource, namespace: string, labels: Selector, fields: Selector): StoredObject[] {
    return [...store[resource].values()].filter((object) =>
      matches({ resource, namespace, labels, fields }, { rv: 0, resource, type: 'ADDED', object }),
    );
  }

  function startWatch(request: IncomingMessage, response: ServerResponse, resource: Resource, namespace: string, labels: Selector, fields: Selector, query: URLSearchParams): void {
    response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    response.flushHeaders();
    const watcher: Watcher = { resource, namespace, labels, fields, response, bookmarks: query.get('allowWatchBookmarks') === 'true' };
    const since = Number(query.get('resourceVersion') ?? '0');
    if (since > 0 && since < compactedBefore) {
      const message = `too old resource version: ${since} (${compactedBefore})`;
      response.write(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Expired', code: 410 } })}\n`);
      response.end();
      return;
    }
    if (since > 0) {
      for (const event of history) if (event.rv > since && matches(watcher, event)) writeEvent(response, event);
    } else {
      for (const object of list(resource, namespace, labels, fields)) writeEvent(response, { type: 'ADDED', object });
    }
    watchers.add(watcher);
    const timeout = Number(query.get('timeoutSeconds') ?? '0');
    const timer = timeout > 0 ? setTimeout(() => response.end(), timeout * 1000) : undefined;
    request.on('close', () => {
      watchers.delete(watcher);
      if (timer) clearTimeout(timer);
    });
  }

  async function readBody(request: IncomingMessage): Promise<Json> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as Json) : {};
  }

  /** core/v1 Secrets: create, get, delete (what the runner uses). */
  async function handleSecret(request: IncomingMessage, response: ServerResponse, method: string, namespace: string, name: string | undefined): Promise<void> {
    const details = (secretName: string) => ({ name: secretName, kind: 'secrets' });
    if (name === undefined) {
      if (method !== 'POST') return status(response, 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      const body = await readBody(request);
      const meta = body.metadata as { name?: string; namespace?: string; labels?: Record<string, string>; ownerReferences?: Json[] } | undefined;
      if (body.kind !== 'Secret' || !meta?.name) {
        return status(response, 422, 'Invalid', `Secret "${meta?.name ?? ''}" is invalid: metadata.name: Required value`, details(meta?.name ?? ''));
      }
      if (meta.namespace && meta.namespace !== namespace) {
        return status(response, 400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      }
      if (secrets.has(key(namespace, meta.name))) return status(response, 409, 'AlreadyExists', `secrets "${meta.name}" already exists`, details(meta.name));
      const data: Record<string, string> = {};
      for (const [entry, value] of Object.entries((body.data ?? {}) as Record<string, unknown>)) {
        if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
          return status(response, 400, 'BadRequest', `Secret in version "v1" cannot be handled as a Secret: illegal base64 data in data.${entry}`);
        }
        data[entry] = value;
      }
      for (const [entry, value] of Object.entries((body.stringData ?? {}) as Record<string, unknown>)) data[entry] = Buffer.from(String(value), 'utf8').toString('base64');
      resourceVersion += 1;
      const secret: StandinSecret = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          ...(meta as Partial<Meta>),
          name: meta.name,
          namespace,
          uid: randomUUID(),
          resourceVersion: String(resourceVersion),
          creationTimestamp: now(),
          labels: { ...(meta.labels ?? {}) },
        },
        type: typeof body.type === 'string' ? body.type : 'Opaque',
        ...(body.immutable === true ? { immutable: true } : {}),
        data,
      };
      secrets.set(key(namespace, meta.name), secret);
      return send(response, 201, secret);
    }
    const fault = faultFor({ method, path: `/api/v1/namespaces/${namespace}/secrets/${name}` });
    if (fault !== undefined) return status(response, fault, 'ServiceUnavailable', 'a fault the test asked for');
    const secret = secrets.get(key(namespace, name));
    if (!secret) return status(response, 404, 'NotFound', `secrets "${name}" not found`, details(name));
    if (method === 'GET') return send(response, 200, secret);
    if (method === 'DELETE') {
      secrets.delete(key(namespace, name));
      return status(response, 200, 'Deleted', '', { ...details(name), uid: secret.metadata.uid });
    }
    return status(response, 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://standin');
    const method = request.method ?? 'GET';
    requests.push({ method, path: url.pathname, query: url.searchParams });
    const secretPath = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(url.pathname);
    if (secretPath) return handleSecret(request, response, method, secretPath[1] ?? '', secretPath[2]);
    const jobPath = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?$/.exec(url.pathname);
    const podPath = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?(\/log)?$/.exec(url.pathname);
    const match = jobPath ?? podPath;
    if (!match) return status(response, 404, 'NotFound', 'the server could not find the requested resource');
    const resource: Resource = jobPath ? 'jobs' : 'pods';
    const kindName = resource === 'jobs' ? 'jobs.batch' : 'pods';
    const details = (name: string) => ({ name, ...(resource === 'jobs' ? { group: 'batch' } : {}), kind: resource });
    const [, namespace = '', name, log] = match;
    let labels: Selector;
    let fields: Selector;
    try {
      labels = parseSelector(url.searchParams.get('labelSelector'));
      fields = parseSelector(url.searchParams.get('fieldSelector'));
    } catch (error) {
      if (error instanceof UnsupportedSelectorError) return status(response, 400, 'BadRequest', error.message);
      throw error;
    }

    if (name === undefined) {
      if (method === 'GET') {
        const watch = url.searchParams.get('watch');
        if (watch === 'true' || watch === '1') return startWatch(request, response, resource, namespace, labels, fields, url.searchParams);
        const kind = resource === 'jobs' ? 'JobList' : 'PodList';
        return send(response, 200, {
          kind,
          apiVersion: resource === 'jobs' ? 'batch/v1' : 'v1',
          metadata: { resourceVersion: String(resourceVersion) },
          items: list(resource, namespace, labels, fields),
        });
      }
      if (method === 'POST' && resource === 'jobs') {
        const body = await readBody(request);
        const meta = body.metadata as { name?: string; namespace?: string } | undefined;
        const containers = (body.spec as { template?: { spec?: { containers?: unknown[] } } } | undefined)?.template?.spec?.containers;
        if (body.kind !== 'Job' || !meta?.name || !Array.isArray(containers) || containers.length === 0) {
          return status(response, 422, 'Invalid', `Job.batch "${meta?.name ?? ''}" is invalid: metadata.name, spec.template.spec.containers: Required value`, details(meta?.name ?? ''));
        }
        if (meta.namespace && meta.namespace !== namespace) {
          return status(response, 400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
        }
        if (store.jobs.has(key(namespace, meta.name))) {
          return status(response, 409, 'AlreadyExists', `jobs.batch "${meta.name}" already exists`, details(meta.name));
        }
        return send(response, 201, createJob(namespace, body));
      }
      return status(response, 405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }

    const patchBody = method === 'PATCH' ? await readBody(request) : undefined;
    const fault = faultFor({ method, path: url.pathname, ...(patchBody ? { body: patchBody } : {}) });
    if (fault !== undefined) return status(response, fault, 'ServiceUnavailable', 'a fault the test asked for');
    const object = store[resource].get(key(namespace, name));
    if (!object) return status(response, 404, 'NotFound', `${kindName} "${name}" not found`, details(name));
    if (log) {
      if (method !== 'GET') return status(response, 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      const pod = object as StandinPod;
      const waiting = pod.status.containerStatuses?.[0]?.state.waiting as { reason?: string } | undefined;
      if (!pod.status.containerStatuses || waiting) {
        const container = pod.spec.containers[0]?.name ?? '';
        return status(response, 400, 'BadRequest', `container "${container}" in pod "${name}" is waiting to start: ${waiting?.reason ?? 'ContainerCreating'}`);
      }
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(Buffer.concat(processes.get(key(namespace, name))?.log ?? []));
      return;
    }
    if (method === 'GET') return send(response, 200, object);
    if (method === 'PATCH') {
      const type = String(request.headers['content-type'] ?? '').split(';')[0]?.trim();
      if (type !== 'application/merge-patch+json') return status(response, 415, 'UnsupportedMediaType', `the stand-in takes only application/merge-patch+json (got "${type}")`);
      const problem = applyPatch(resource, object, patchBody ?? {});
      if (problem === 'conflict') return status(response, 409, 'Conflict', `Operation cannot be fulfilled on ${kindName} "${name}": the object has been modified; please apply your changes to the latest version and try again`, details(name));
      if (problem) return status(response, 422, 'Invalid', `${resource === 'jobs' ? 'Job.batch' : 'Pod'} "${name}" is invalid: ${problem}`, details(name));
      put(resource, object, 'MODIFIED');
      return send(response, 200, object);
    }
    if (method === 'DELETE') {
      const body = await readBody(request);
      const policy = String(url.searchParams.get('propagationPolicy') ?? body.propagationPolicy ?? 'Orphan');
      if (resource === 'jobs') {
        deleteJob(object as StandinJob, policy);
        return status(response, 200, 'Deleted', '', { ...details(name), uid: object.metadata.uid });
      }
      deletePod(object as StandinPod);
      const job = ownerJob(object as StandinPod);
      if (job && (object as StandinPod).status.phase !== 'Succeeded') failJob(job, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
      return send(response, 200, object);
    }
    return status(response, 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) status(response, 500, 'InternalError', String(error));
      else response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    jobs: (namespace) => [...store.jobs.values()].filter((job) => !namespace || job.metadata.namespace === namespace) as StandinJob[],
    pods: (namespace) => [...store.pods.values()].filter((pod) => !namespace || pod.metadata.namespace === namespace) as StandinPod[],
    secrets: (namespace) => [...secrets.values()].filter((secret) => !namespace || secret.metadata.namespace === namespace),
    podVolumeDir(podName, volume) {
      const state = [...processes.entries()].find(([id]) => id.endsWith(`/${podName}`))?.[1];
      return state?.workdir ? join(state.workdir, 'volumes', volume) : undefined;
    },
    podPid: (name) => [...processes.entries()].find(([id]) => id.endsWith(`/${name}`))?.[1].child?.pid,
    evict,
    openWatches: () => watchers.size,
    compact() {
      compactedBefore = resourceVersion;
      history = [];
    },
    bookmark() {
      for (const watcher of watchers) {
        if (!watcher.bookmarks) continue;
        const kind = watcher.resource === 'jobs' ? { apiVersion: 'batch/v1', kind: 'Job' } : { apiVersion: 'v1', kind: 'Pod' };
        watcher.response.write(`${JSON.stringify({ type: 'BOOKMARK', object: { ...kind, metadata: { resourceVersion: String(resourceVersion) } } })}\n`);
      }
    },
    failRequests(matches, code = 503) {
      const fault = { matches, code };
      faults.add(fault);
      return () => void faults.delete(fault);
    },
    dropWatches() {
      for (const watcher of watchers) watcher.response.end();
      watchers.clear();
    },
    async close() {
      closed = true;
      for (const state of processes.values()) {
        for (const timer of state.timers) clearTimeout(timer);
        const child = state.child;
        if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) killGroup(child.pid, 'SIGKILL');
        if (state.workdir) rmSync(state.workdir, { recursive: true, force: true });
      }
      for (const timers of jobTimers.values()) for (const timer of timers) clearTimeout(timer);
      for (const watcher of watchers) watcher.response.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
