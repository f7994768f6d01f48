/**
 * The API client: openapi-fetch over the generated `paths` (schema.d.ts), so every call's path, query, body and answer
 * are the API's own types. Credentials: a pasted token (kept in localStorage, sent as a bearer token) or the session
 * cookie of a signed-in user (whose CSRF token goes with every state-changing request).
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

const TOKEN_KEY = 'factoryci.token';
const CSRF_COOKIE = 'factory_csrf';
const CHANGES_STATE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const savedToken = (): string | null => localStorage.getItem(TOKEN_KEY);
export function saveToken(token: string | null): void {
  if (token === null) localStorage.removeItem(TOKEN_KEY);
  else localStorage.setItem(TOKEN_KEY, token);
}

function csrfToken(): string | null {
  const cookie = document.cookie.split('; ').find((part) => part.startsWith(`${CSRF_COOKIE}=`));
  return cookie ? decodeURIComponent(cookie.slice(CSRF_COOKIE.length + 1)) : null;
}

/** The headers that say who is calling: the bearer token when one was pasted, else the session's CSRF token. */
export function credentialHeaders(method: string): Record<string, string> {
  const token = savedToken();
  if (token) return { authorization: `Bearer ${token}` };
  const csrf = CHANGES_STATE.has(method.toUpperCase()) ? csrfToken() : null;
  return csrf ? { 'x-csrf-token': csrf } : {};
}

/** Told of every 401, so the app can send the person to the sign-in page. */
let onUnauthorized: () => void = () => undefined;
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

const credentials: Middleware = {
  onRequest({ request }) {
    for (const [name, value] of Object.entries(credentialHeaders(request.method))) request.headers.set(name, value);
    return request;
  },
  onResponse({ response, request }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith('/auth/')) onUnauthorized();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: location.origin, credentials: 'same-origin' });
api.use(credentials);

/** An answer that was not 2xx, with the API's `{error, message}` (or what the network said). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Unwraps an openapi-fetch answer: its data, or an ApiFailure that says what went wrong. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let answer: { data?: T; error?: unknown; response: Response };
  try {
    answer = await call;
  } catch (error) {
    throw new ApiFailure(0, 'network', `FactoryCI could not be reached (${(error as Error).message}): check your connection and retry`);
  }
  const { data, error, response } = answer;
  if (response.ok) return data as T;
  const body = (error ?? {}) as { error?: string; message?: string };
  throw new ApiFailure(response.status, body.error ?? 'error', body.message ?? `${response.status} ${response.statusText}`);
}
