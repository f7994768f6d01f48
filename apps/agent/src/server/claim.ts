/**
 * A pooled agent's claim (docs/runners.md, "Warm agents"): the local runner starts idle agents ahead of work with
 * `FACTORY_AGENT_CLAIM=stdin` and no run token. Such an agent loads its modules and the configuration parser, then
 * waits for one line on its standard input — a pipe only the orchestrator holds the other end of — naming its run and
 * carrying the run token: `{"runId":"…","token":"…"}`. It runs that one workflow and exits. When the pipe closes
 * without a line (the orchestrator stopped, or shrank its pool), it exits with `UNCLAIMED_EXIT` having asked nothing.
 *
 * The orchestrator's side is apps/orchestrator/src/local/agent-pool.ts (keep both in step; test/security/
 * sandbox-env-names.test.ts checks that they agree).
 */
import type { Readable } from 'node:stream';

/** The variable that makes `factory-agent run` a pooled agent: `stdin`, or `network` (network-claim.ts). */
export const CLAIM_ENV = 'FACTORY_AGENT_CLAIM';

/**
 * The variables of the network source: the claim key's file and the pod's name (the orchestrator's side:
 * apps/orchestrator/src/kubernetes/idle-agent-job.ts; keep both in step).
 */
export const NETWORK_CLAIM_ENV = { keyFile: 'FACTORY_AGENT_CLAIM_KEY_FILE', podName: 'FACTORY_AGENT_POD_NAME' } as const;

/** The exit code of a pooled agent whose claim channel closed before it was claimed (EX_TEMPFAIL). */
export const UNCLAIMED_EXIT = 75;

/** The longest claim line read; a longer one is refused (a run id and a run token are well under 1 KiB). */
export const MAX_CLAIM_BYTES = 16 * 1024;

export interface Claim {
  runId: string;
  token: string;
}

export class ClaimError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClaimError';
  }
}

const RUN_ID = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** The claim of one line of text (pure); throws ClaimError when it is not `{"runId","token"}` with usable values. */
export function parseClaim(line: string): Claim {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ClaimError('the claim is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ClaimError('the claim is not an object');
  const { runId, token } = value as Record<string, unknown>;
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) throw new ClaimError('the claim has no valid runId');
  if (typeof token !== 'string' || token.length === 0 || /\s/.test(token)) throw new ClaimError('the claim has no valid token');
  return { runId, token };
}

/** The claim line as the orchestrator writes it (pure). */
export function claimLine(claim: Claim): string {
  return `${JSON.stringify({ runId: claim.runId, token: claim.token })}\n`;
}

/**
 * Reads the first line of `input` (without its newline); undefined when the stream ends before a whole line (the
 * orchestrator is gone). Rejects with ClaimError past `maxBytes`. Stops reading once the line is in.
 */
export function readClaimLine(input: Readable, maxBytes = MAX_CLAIM_BYTES): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (action: () => void) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.pause();
      action();
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      const newline = text.indexOf('\n');
      if (newline >= 0) return finish(() => resolve(text.slice(0, newline)));
      if (Buffer.byteLength(text) > maxBytes) finish(() => reject(new ClaimError(`the claim is longer than ${maxBytes} bytes`)));
    };
    const onEnd = () => finish(() => resolve(undefined));
    const onError = () => finish(() => resolve(undefined));
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onError);
    input.resume();
  });
}
