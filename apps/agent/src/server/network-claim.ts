/**
 * The network claim source of a pooled agent (`FACTORY_AGENT_CLAIM=network`: an idle pod of the Kubernetes pool;
 * docs/runners.md, "Warm agents on Kubernetes"; docs/security.md, "The claim channel"). Beside the stdin source
 * (claim.ts): the agent reads its claim key from a file only it can read, listens on a port, and registers in Consul
 * as an idle `factory-agent` instance (tag `idle`, meta `pod`) whose TTL check it heart-beats. It takes one claim:
 * `POST /claim` with `{"sealed":"…"}`, the run id and run token sealed under its key for its pod. A claim that does not
 * open is refused (403) and the agent goes on waiting; once claimed it refuses every further claim (409). While
 * waiting it answers a probe (`{"probe":"…"}`, a nonce sealed under its key) with the nonce sealed as `waiting`, so that
 * an adopting orchestrator learns that it never took a claim. It answers a
 * good claim with the claim's nonce sealed under its key (proof that it holds it), deregisters the idle instance and
 * runs the claimed run.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CLAIM_KEY_BYTES,
  CLAIM_PATH,
  ClaimSealError,
  consulFromUrl,
  consulServiceRegistration,
  IDLE_POD_META,
  IDLE_TAG,
  idleInstanceId,
  MAX_CLAIM_BODY_BYTES,
  openClaim,
  openProbe,
  sealClaimMessage,
  type ServiceRegistration,
} from '@factoryci/discovery';
import { ClaimError, NETWORK_CLAIM_ENV, parseClaim, type Claim } from './claim.js';

/** The claim key in `path`: exactly CLAIM_KEY_BYTES bytes; throws ClaimError otherwise. */
export async function readClaimKey(path: string): Promise<Buffer> {
  let key: Buffer;
  try {
    key = await readFile(path);
  } catch (error) {
    throw new ClaimError(`${NETWORK_CLAIM_ENV.keyFile} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (key.length !== CLAIM_KEY_BYTES) throw new ClaimError(`${NETWORK_CLAIM_ENV.keyFile} ${path}: holds no claim key (${key.length} bytes, not ${CLAIM_KEY_BYTES})`);
  return key;
}

/** What the idle registration is: passed in so that the source does not know Consul's client. */
export interface IdleRegistrationRequest {
  id: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
}

export interface NetworkClaimOptions {
  key: Buffer;
  pod: string;
  /** Where to listen (the pod's IP) and on which port (0: any free one; the registration says which). */
  host: string;
  port: number;
  /** Registers the idle instance (and heart-beats it) until stopped. */
  register(request: IdleRegistrationRequest): Promise<ServiceRegistration>;
  /** What the agent should say: a refused claim, a failed deregistration. */
  log?(message: string): void;
}

export interface NetworkClaimSource {
  /** The port the agent listens on. */
  port: number;
  /** Resolves with the one claim taken; the idle registration is gone and the listener closed by then. */
  claim: Promise<Claim>;
  /** Stops listening and deregisters without a claim. */
  close(): Promise<void>;
}

type Answer = { status: number; body: Record<string, unknown>; claim?: Claim };

/** The answer to one claim body (pure but for the seal's random nonce). */
export function answerClaim(key: Buffer, pod: string, body: string, alreadyClaimed: boolean): Answer {
  if (alreadyClaimed) return { status: 409, body: { error: 'already_claimed' } };
  let sealed: unknown;
  let probe: unknown;
  try {
    ({ sealed, probe } = (JSON.parse(body) as { sealed?: unknown; probe?: unknown } | null) ?? {});
  } catch {
    return { status: 400, body: { error: 'bad_request', message: 'the body is not JSON' } };
  }
  if (typeof probe === 'string') {
    try {
      return { status: 200, body: { sealed: sealClaimMessage(key, 'waiting', pod, openProbe(key, pod, probe)) } };
    } catch (error) {
      if (error instanceof ClaimSealError) return { status: 403, body: { error: 'refused', message: 'the probe does not open with this pod\'s key' } };
      throw error;
    }
  }
  if (typeof sealed !== 'string') return { status: 400, body: { error: 'bad_request', message: 'the body has no sealed claim' } };
  try {
    const opened = openClaim(key, pod, sealed);
    const claim = parseClaim(JSON.stringify({ runId: opened.runId, token: opened.token }));
    return { status: 200, body: { sealed: sealClaimMessage(key, 'answer', pod, { runId: opened.runId, nonce: opened.nonce }) }, claim };
  } catch (error) {
    if (error instanceof ClaimSealError) return { status: 403, body: { error: 'refused', message: 'the claim does not open with this pod\'s key' } };
    if (error instanceof ClaimError) return { status: 400, body: { error: 'bad_request', message: error.message } };
    throw error;
  }
}

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_CLAIM_BODY_BYTES) {
        resolve(undefined);
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Listens and registers; the claim resolves once one good claim arrived. */
export async function startNetworkClaim(options: NetworkClaimOptions): Promise<NetworkClaimSource> {
  let claimed = false;
  let resolveClaim: (claim: Claim) => void = () => {};
  const claim = new Promise<Claim>((resolve) => {
    resolveClaim = resolve;
  });
  const server = createServer((request, response) => {
    const send = (status: number, body: Record<string, unknown>) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if ((request.url ?? '').split('?')[0] !== CLAIM_PATH) return send(404, { error: 'not_found' });
    if (request.method !== 'POST') return send(405, { error: 'method_not_allowed' });
    readBody(request).then(
      (body) => {
        if (body === undefined) return send(413, { error: 'too_large' });
        const answer = answerClaim(options.key, options.pod, body, claimed);
        if (answer.status !== 200) options.log?.(`refused a claim (${answer.status} ${String(answer.body.error)})`);
        if (answer.claim) claimed = true;
        send(answer.status, answer.body);
        if (answer.claim) resolveClaim(answer.claim);
      },
      () => send(400, { error: 'bad_request' }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const stopServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  let registration: ServiceRegistration;
  try {
    registration = await options.register({ id: idleInstanceId(options.pod), address: options.host, port, tags: [IDLE_TAG], meta: { [IDLE_POD_META]: options.pod } });
  } catch (error) {
    await stopServer();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  // a deregistration Consul refuses does not stop the agent: its heartbeats have stopped, the instance turns critical
  const close = () =>
    (stopped ??= Promise.all([
      registration.stop().catch((error: unknown) => options.log?.(`could not deregister the idle instance (${(error as Error).message})`)),
      stopServer(),
    ]).then(() => undefined));
  return {
    port,
    claim: claim.then(async (taken) => {
      await close();
      return taken;
    }),
    close,
  };
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The network source as a pod's agent starts it: its key from FACTORY_AGENT_CLAIM_KEY_FILE (read before anything
 * else, so that a pod without its key fails at once), listening on FACTORY_AGENT_ADDRESS, registered in the Consul at
 * `consulUrl` with the TTL of FACTORY_CONSUL_TTL_SECONDS (default 15 s). Settings were checked by checkClaimSettings.
 */
export async function startPodNetworkClaim(env: Env, consulUrl: string, key: Buffer, log: (message: string) => void): Promise<NetworkClaimSource> {
  const consul = consulFromUrl(consulUrl);
  const ttl = Number(env.FACTORY_CONSUL_TTL_SECONDS || '15');
  return startNetworkClaim({
    key,
    pod: env[NETWORK_CLAIM_ENV.podName] ?? '',
    host: env.FACTORY_AGENT_ADDRESS || '127.0.0.1',
    port: 0,
    log,
    async register(request) {
      const registration = consulServiceRegistration({ consul, service: 'factory-agent', ...request, ttlSeconds: Number.isFinite(ttl) && ttl > 0 ? ttl : 15 });
      await registration.start();
      return registration;
    },
  });
}
