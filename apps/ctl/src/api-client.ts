import type { Credentials } from './credentials.js';
import { ApiError, UnexpectedAnswerError, UnreachableError } from './errors.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  /** Aborts the request (and a stream being read). Ordinary requests also time out after `timeoutMs`. */
  signal?: AbortSignal;
}

/** The REST API with one server and token: JSON in and out, errors as ApiError / UnreachableError. */
export interface ApiClient {
  readonly server: string;
  /** A JSON answer (or undefined for 204). */
  json<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options?: RequestOptions): Promise<T>;
  /** A text answer (GET /execution/log); no timeout: a log may be long. */
  text(path: string, options?: RequestOptions): Promise<string>;
  /** A text answer passed on piece by piece as it arrives (a long log is never held whole); no timeout. */
  textPieces(path: string, options: RequestOptions, onPiece: (text: string) => void): Promise<void>;
  /** The response of a stream (GET /workflow/events), status checked, body unread; no timeout. */
  stream(path: string, options?: RequestOptions): Promise<Response>;
}

export interface ApiClientDeps {
  fetch: typeof fetch;
  /** How long an ordinary request may take (default 30 s). */
  timeoutMs?: number;
}

/** The URL of `path` on `server` (which may itself have a path) with the defined query values. Pure. */
export function requestUrl(server: string, path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const search = params.toString();
  return `${server}${path}${search ? `?${search}` : ''}`;
}

/** Why a fetch failed, in words: the network error's code (ECONNREFUSED, ENOTFOUND, …) when it has one. Pure. */
export function networkDetail(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const code = cause?.code;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'unknown host',
    EAI_AGAIN: 'host name lookup failed',
    ECONNRESET: 'connection reset',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
    UND_ERR_SOCKET: 'connection closed',
  };
  if (code) return `${words[code] ?? cause?.message ?? 'network error'} (${code})`;
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}

export function createApiClient(credentials: Credentials, deps: ApiClientDeps): ApiClient {
  const { server, token } = credentials;
  const timeoutMs = deps.timeoutMs ?? 30_000;

  async function send(method: string, path: string, options: RequestOptions, timed: boolean): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const signals = [options.signal, timed ? AbortSignal.timeout(timeoutMs) : undefined].filter((s): s is AbortSignal => s !== undefined);
    let response: Response;
    try {
      response = await deps.fetch(requestUrl(server, path, options.query), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new UnreachableError(server, networkDetail(error));
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  async function errorOf(response: Response): Promise<Error> {
    const text = await response.text().catch(() => '');
    let body: { error?: unknown; message?: unknown } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    if (body && typeof body.message === 'string') {
      return new ApiError(response.status, typeof body.error === 'string' ? body.error : 'error', body.message, server);
    }
    // not the API's error shape: a proxy in front (a gateway error, its own sign-in), or not a FactoryCI server at all
    if (response.status >= 500 || response.status === 401 || response.status === 403) {
      return new ApiError(response.status, 'error', response.statusText || `HTTP ${response.status}`, server);
    }
    return new UnexpectedAnswerError(server, `HTTP ${response.status} ${response.statusText}`.trim());
  }

  async function readBody(response: Response): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw new UnreachableError(server, `the answer was cut off: ${networkDetail(error)}`);
    }
  }

  return {
    server,
    async json<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
      const response = await send(method, path, { ...options, headers: { accept: 'application/json', ...options.headers } }, true);
      const text = await readBody(response);
      if (response.status === 204 || text === '') return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new UnexpectedAnswerError(server, `${method} ${path} answered ${response.status} with something that is not JSON`);
      }
    },
    async text(path, options = {}) {
      return readBody(await send('GET', path, options, false));
    },
    async textPieces(path, options, onPiece) {
      const response = await send('GET', path, options, false);
      if (!response.body) return;
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      try {
        for (let read = await reader.read(); !read.done; read = await reader.read()) onPiece(decoder.decode(read.value, { stream: true }));
      } catch (error) {
        throw new UnreachableError(server, `the answer was cut off: ${networkDetail(error)}`);
      }
      const rest = decoder.decode();
      if (rest) onPiece(rest);
    },
    stream(path, options = {}) {
      return send('GET', path, options, false);
    },
  };
}
