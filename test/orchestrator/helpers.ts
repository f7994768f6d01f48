import { connect, createServer, type Socket } from 'node:net';
import { ApiException, BatchV1Api, CoreV1Api, Watch } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { kubeConfigFor } from '../../apps/orchestrator/src/kubernetes/client.js';
import { createKubernetesRunner, type KubernetesRunnerOptions } from '../../apps/orchestrator/src/kubernetes/kubernetes-runner.js';
import type { RunStart } from '../../apps/orchestrator/src/runner.js';
import { startKubernetesStandin, type KubernetesStandin, type KubernetesStandinOptions } from '../standins/kubernetes/server.js';

/** Polls `check` every 20 ms until it holds; fails after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether any process of the group `pgid` is still alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface TcpSwitch {
  /** The port to connect to instead of the real one. */
  port: number;
  /** Off: new connections are refused and open ones cut, as an outage of the server behind it. */
  up: boolean;
  close(): Promise<void>;
}

/** A TCP forwarder to 127.0.0.1:`port` (MariaDB, Redis…) that can be switched off and on; it starts `up`. */
export async function startTcpSwitch(port: number, up = false): Promise<TcpSwitch> {
  const sockets = new Set<Socket>();
  const state = { up };
  const server = createServer((client) => {
    if (!state.up) return void client.destroy();
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    get up() {
      return state.up;
    },
    set up(value: boolean) {
      state.up = value;
      if (!value) for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The Kubernetes stand-in of one test file and the real client's APIs pointed at it. */
export interface StandinWithClients {
  standin: KubernetesStandin;
  batch: BatchV1Api;
  core: CoreV1Api;
  watch: Watch;
}

/**
 * Starts a Kubernetes stand-in before the file's tests and closes it after them (beforeAll/afterAll); what it returns
 * reads the stand-in and its clients once started.
 */
export function standinWithClients(options: KubernetesStandinOptions = {}): StandinWithClients {
  let started: StandinWithClients | undefined;
  beforeAll(async () => {
    const standin = await startKubernetesStandin(options);
    const config = kubeConfigFor({ server: standin.url });
    started = { standin, batch: config.makeApiClient(BatchV1Api), core: config.makeApiClient(CoreV1Api), watch: new Watch(config) };
  });
  afterAll(async () => {
    await started?.standin.close();
    started = undefined;
  });
  const get = (): StandinWithClients => {
    if (started === undefined) throw new Error('the Kubernetes stand-in is started in beforeAll: use it in a test');
    return started;
  };
  return {
    get standin() {
      return get().standin;
    },
    get batch() {
      return get().batch;
    },
    get core() {
      return get().core;
    },
    get watch() {
      return get().watch;
    },
  };
}

/** A Kubernetes runner on the stand-in at `url`, with short grace periods, running `command` as the agent. */
export function runnerOnStandin(url: string, namespace: string, command: string[], extra: Partial<KubernetesRunnerOptions> = {}) {
  return createKubernetesRunner({
    kubeConfig: kubeConfigFor({ server: url }),
    logger: pino({ level: 'silent' }),
    namespace,
    apiUrl: 'http://127.0.0.1:3000',
    command,
    pendingGraceMs: 400,
    rewatchDelayMs: 100,
    ...extra,
  });
}

/** Numbered run starts whose ids begin with `prefix` (unique across files and reruns), a run of one project each. */
export function runStarts(prefix: string, base: Partial<RunStart> = {}): (overrides?: Partial<RunStart>) => RunStart {
  let counter = 0;
  return (overrides = {}) => {
    counter += 1;
    return {
      runId: `${prefix}${counter}x${Date.now().toString(36)}`,
      projectId: 'proj1',
      runToken: `frt_token-${counter}.sig`,
      runner: { image: 'node:20-bookworm', cpu: '1', memory: '256Mi' },
      limits: { cpu: '2', memory: '1Gi', timeoutSeconds: 60 },
      ...base,
      ...overrides,
    };
  };
}

/** The Kubernetes Status a request was refused with; fails when it was not. */
export async function apiError(promise: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiException) return { code: error.code, body: JSON.parse(String(error.body)) as Record<string, unknown> };
    throw error;
  }
  throw new Error('expected the request to fail');
}
