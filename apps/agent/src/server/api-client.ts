import { AGENT_PATHS, encodeLogFrames, LOG_FRAMES_CONTENT_TYPE, logFramesQuery, type LogFramesBatch } from '@factoryci/agent-protocol';
import type { Logger } from 'pino';

/**
 * The agent's HTTP client for the API's `/agent/v1/` routes (docs/agent-protocol.md). Every request carries the run
 * token as a bearer token and is retried with exponential backoff (with jitter) on network errors, timeouts, 5xx,
 * 408 and 429, until it has failed for `giveUpAfterMs`; any other 4xx is final. The token is never logged.
 */

/** Where the API is: a fixed URL, or looked up (Consul) again after a request could not reach it. */
export interface ApiLocator {
  url(): Promise<string>;
  /** The last URL did not answer: look it up again next time. */
  invalidate(): void;
}

export function fixedApiLocator(url: string): ApiLocator {
  return { url: async () => url, invalidate: () => {} };
}

/** Caches a looked-up URL until it is invalidated. */
export function cachedApiLocator(lookup: () => Promise<string>): ApiLocator {
  let cached: Promise<string> | undefined;
  return {
    url() {
      cached ??= lookup().catch((error: unknown) => {
        cached = undefined;
        throw error;
      });
      return cached;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/** The API answered with a status that retrying cannot change (4xx other than 408/429). */
export class ApiRejectedError extends Error {
  constructor(
    readonly status: number,
    readonly route: string,
    readonly body: string,
  ) {
    super(`${route} was rejected with HTTP ${status}${body ? `: ${body.slice(0, 500)}` : ''}`);
    this.name = 'ApiRejectedError';
  }

  /** The answer's machine-readable `error` code (the API's error answer), when the body is one. */
  get code(): string | undefined {
    try {
      const answer = JSON.parse(this.body) as { error?: unknown };
      return typeof answer?.error === 'string' ? answer.error : undefined;
    } catch {
      return undefined;
    }
  }
}

/** The API could not be reached (or kept failing) for longer than the client may wait. */
export class ApiUnreachableError extends Error {
  constructor(
    readonly route: string,
    readonly failingForMs: number,
    options: { cause?: unknown },
  ) {
    super(`${route} kept failing for ${Math.round(failingForMs / 1000)} s: ${describe(options.cause)}`, options);
    this.name = 'ApiUnreachableError';
  }
}

export interface AgentApiClientOptions {
  locator: ApiLocator;
  token: string;
  logger: Logger;
  /** How long one request may keep failing before the client gives up. Default 10 minutes. */
  giveUpAfterMs?: number;
  /** Timeout of one attempt. Default 30 s. */
  attemptTimeoutMs?: number;
  /** First and longest pause between attempts. Default 200 ms and 10 s. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface AgentApiClient {
  /**
   * Sends a request (retried as described) and returns the parsed JSON answer (undefined for an empty body). A body
   * that is a Uint8Array goes as it is (application/octet-stream), any other as JSON.
   */
  request<T = unknown>(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<T>;
  /** POST /agent/v1/log-frames: the batch's chunks as frames (deflated), its names and first seq in the query (docs/agent-protocol.md). */
  postLogs(batch: LogFramesBatch): Promise<unknown>;
  /** From now on, no request retries past `atMs` (Date.now() based), e.g. while shutting down on SIGTERM. */
  limitRetriesUntil(atMs: number): void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class RetryableResponse extends Error {
  constructor(readonly status: number, body: string) {
    super(`HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

export function createAgentApiClient(options: AgentApiClientOptions): AgentApiClient {
  const giveUpAfterMs = options.giveUpAfterMs ?? 10 * 60_000;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 30_000;
  const initialBackoffMs = options.initialBackoffMs ?? 200;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  let hardLimit = Number.POSITIVE_INFINITY;

  async function attempt(method: string, path: string, body: unknown): Promise<unknown> {
    const base = await options.locator.url();
    let response: Response;
    try {
      response = await fetch(new URL(path, base), {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': body instanceof Uint8Array ? LOG_FRAMES_CONTENT_TYPE : 'application/json' }),
        },
        ...(body === undefined ? {} : { body: body instanceof Uint8Array ? (body as Uint8Array<ArrayBuffer>) : JSON.stringify(body) }),
        signal: AbortSignal.timeout(Math.max(1000, Math.min(attemptTimeoutMs, hardLimit - Date.now()))),
      });
    } catch (error) {
      options.locator.invalidate();
      throw error;
    }
    const text = await response.text();
    if (response.ok) return text === '' ? undefined : JSON.parse(text);
    if (response.status >= 500 || response.status === 408 || response.status === 429) throw new RetryableResponse(response.status, text);
    throw new ApiRejectedError(response.status, `${method} ${path}`, text);
  }

  const client: AgentApiClient = {
    async request<T>(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<T> {
      const route = `${method} ${path}`;
      const firstAt = Date.now();
      let backoff = initialBackoffMs;
      for (let tries = 1; ; tries++) {
        try {
          return (await attempt(method, path, body)) as T;
        } catch (error) {
          if (error instanceof ApiRejectedError) throw error;
          const failingFor = Date.now() - firstAt;
          const until = Math.min(firstAt + giveUpAfterMs, hardLimit);
          const pause = Math.min(backoff, until - Date.now());
          if (pause <= 0) throw new ApiUnreachableError(route, failingFor, { cause: error });
          // Warn on the first failures, then only now and then: a long outage must not flood the log.
          if (tries <= 3 || tries % 10 === 0) {
            options.logger.warn({ route, tries, retryInMs: Math.round(pause), error: describe(error) }, 'API request failed; retrying');
          }
          await sleep(pause * (0.75 + Math.random() * 0.25));
          backoff = Math.min(backoff * 2, maxBackoffMs);
        }
      }
    },
    postLogs(batch) {
      // encoded once, whatever the retries; each chunk deflated when that is smaller (the API stores it so)
      return client.request('POST', `${AGENT_PATHS.logFrames}?${logFramesQuery(batch)}`, encodeLogFrames(batch.chunks.map((chunk) => chunk.data), { deflate: true }));
    },
    limitRetriesUntil(atMs) {
      hardLimit = Math.min(hardLimit, atMs);
    },
  };
  return client;
}
