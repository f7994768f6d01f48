/**
 * The claim channel of a pooled agent on Kubernetes (docs/runners.md, "Warm agents on Kubernetes"; docs/security.md,
 * "The claim channel"): what the orchestrator and an idle agent agree on. Each idle pod has a random 32-byte claim key
 * (a Secret of its own, mounted into the agent only). The orchestrator sends the claim — the run id and the run token
 * — sealed with AES-256-GCM under that key (a fresh 96-bit nonce each time); the agent answers with the claim's nonce
 * sealed under the same key, which proves it holds the key. The purpose (`claim` or `answer`) and the pod's name are
 * the additional data, so that an answer cannot be replayed as a claim nor a claim for one pod be opened by another.
 * The key is no API credential: it only protects this one exchange.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** The Consul tag of an idle agent's registration (service `factory-agent`). */
export const IDLE_TAG = 'idle';
/** The registration's meta field holding the idle agent's pod name. */
export const IDLE_POD_META = 'pod';
/** The Consul service id of an idle agent: `idle-` and its pod name. */
export const idleInstanceId = (podName: string): string => `idle-${podName}`;
/**
 * Where the idle agent takes its claim: `POST` with `{"sealed":"…"}`; and its probe, `{"probe":"…"}` (a nonce sealed
 * for purpose `probe`), which only a waiting agent answers, with the nonce sealed for purpose `waiting`.
 */
export const CLAIM_PATH = '/claim';
/**
 * Sends a sealed claim (`{"sealed":"…"}`) or probe (`{"probe":"…"}`) to the claim channel of the idle agent at `url`,
 * giving up after `timeoutMs`: the status it answered and the sealed answer in its body, if it gave one.
 */
export async function postToClaimChannel(url: string, body: { sealed: string } | { probe: string }, timeoutMs: number): Promise<{ status: number; sealed: string | undefined }> {
  const response = await fetch(`${url}${CLAIM_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const answer = (await response.json().catch(() => ({}))) as { sealed?: unknown };
  return { status: response.status, sealed: typeof answer.sealed === 'string' ? answer.sealed : undefined };
}
/** The claim key's length: AES-256. */
export const CLAIM_KEY_BYTES = 32;
/** The longest claim body an agent reads. */
export const MAX_CLAIM_BODY_BYTES = 16 * 1024;

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'factoryci-claim-v1';

export type SealPurpose = 'claim' | 'answer' | 'probe' | 'waiting';

/** What the orchestrator sends: the run, its token, the pod it is meant for, and a nonce the answer must return. */
export interface SealedClaim {
  runId: string;
  token: string;
  pod: string;
  nonce: string;
}

/** What the agent answers: the claim's run and nonce. */
export interface ClaimAnswer {
  runId: string;
  nonce: string;
}

/** A sealed message did not open: wrong key, wrong pod or purpose, or changed on the way. */
export class ClaimSealError extends Error {
  constructor(message = 'the sealed message does not open with this key') {
    super(message);
    this.name = 'ClaimSealError';
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== CLAIM_KEY_BYTES) throw new ClaimSealError(`a claim key has ${CLAIM_KEY_BYTES} bytes, not ${key.length}`);
}

const additionalData = (purpose: SealPurpose, pod: string) => Buffer.from(`${VERSION}\n${purpose}\n${pod}`, 'utf8');

/** `value` as JSON sealed under `key` for `pod` and `purpose`: base64url of nonce, ciphertext and tag. */
export function sealClaimMessage(key: Buffer, purpose: SealPurpose, pod: string, value: unknown): string {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(additionalData(purpose, pod));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
}

/** The JSON value sealed in `sealed`; throws ClaimSealError unless it opens under `key` for `pod` and `purpose`. */
export function openClaimMessage(key: Buffer, purpose: SealPurpose, pod: string, sealed: string): unknown {
  checkKey(key);
  if (typeof sealed !== 'string' || !/^[A-Za-z0-9_-]+$/.test(sealed)) throw new ClaimSealError('the sealed message is not base64url');
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length < NONCE_BYTES + TAG_BYTES + 2) throw new ClaimSealError('the sealed message is too short');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES));
  decipher.setAAD(additionalData(purpose, pod));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  let text: string;
  try {
    text = Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new ClaimSealError();
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ClaimSealError('the sealed message holds no JSON');
  }
}

const strings = (value: unknown, keys: readonly string[]): Record<string, string> | undefined => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  return keys.every((name) => typeof record[name] === 'string' && (record[name] as string).length > 0) ? (record as Record<string, string>) : undefined;
};

/** The claim sealed in `sealed` for `pod`; throws ClaimSealError when it does not open or is not a claim for `pod`. */
export function openClaim(key: Buffer, pod: string, sealed: string): SealedClaim {
  const value = strings(openClaimMessage(key, 'claim', pod, sealed), ['runId', 'token', 'pod', 'nonce']);
  if (!value) throw new ClaimSealError('the sealed claim lacks its run id, token, pod or nonce');
  if (value.pod !== pod) throw new ClaimSealError('the claim is meant for another pod');
  return { runId: value.runId as string, token: value.token as string, pod: value.pod, nonce: value.nonce as string };
}

/** The answer sealed in `sealed` by `pod`; throws ClaimSealError unless it opens and returns `expected`'s run and nonce. */
export function openAnswer(key: Buffer, pod: string, sealed: string, expected: ClaimAnswer): ClaimAnswer {
  const value = strings(openClaimMessage(key, 'answer', pod, sealed), ['runId', 'nonce']);
  if (!value || value.runId !== expected.runId || value.nonce !== expected.nonce) throw new ClaimSealError('the answer does not return the claim');
  return { runId: value.runId as string, nonce: value.nonce as string };
}

/** A fresh claim for `pod`: its nonce is random. */
export function newClaim(run: { runId: string; token: string }, pod: string): SealedClaim {
  return { runId: run.runId, token: run.token, pod, nonce: randomBytes(16).toString('base64url') };
}

/**
 * A probe: whether the agent still waits for its claim (an orchestrator adopting a pool Job not marked claimed asks).
 * Sealed, so that only the holder of the pod's key can say it waits.
 */
export function newProbe(): { nonce: string } {
  return { nonce: randomBytes(16).toString('base64url') };
}

/** The probe sealed in `sealed` for `pod`; throws ClaimSealError unless it opens as one. */
export function openProbe(key: Buffer, pod: string, sealed: string): { nonce: string } {
  const value = strings(openClaimMessage(key, 'probe', pod, sealed), ['nonce']);
  if (!value) throw new ClaimSealError('the sealed probe lacks its nonce');
  return { nonce: value.nonce as string };
}

/** Whether `sealed` is `pod`'s answer that it waits, to the probe with `nonce`. */
export function opensAsWaiting(key: Buffer, pod: string, sealed: string, nonce: string): boolean {
  try {
    return strings(openClaimMessage(key, 'waiting', pod, sealed), ['nonce'])?.nonce === nonce;
  } catch (error) {
    if (error instanceof ClaimSealError) return false;
    throw error;
  }
}
