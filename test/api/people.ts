/** People for the API tests: users made through the admin API, signed in through POST /auth/login or a token. */
import { adminHeaders, type ApiHarness } from './harness.js';

export const PASSWORD = 'a long enough password';

export interface TestUser {
  id: string;
  login: string;
}

export async function createUser(api: ApiHarness, login: string, options: { admin?: boolean; password?: string; githubLogin?: string } = {}): Promise<TestUser> {
  const res = await api.app.inject({
    method: 'POST',
    url: '/users',
    headers: adminHeaders,
    payload: { login, password: options.password ?? PASSWORD, admin: options.admin ?? false },
  });
  if (res.statusCode !== 201) throw new Error(`POST /users: ${res.statusCode} ${res.body}`);
  const user = res.json() as TestUser;
  // The GitHub sign-in (built beside this) links a GitHub login; here it is test data written directly.
  if (options.githubLogin) await api.database.db.user.update({ where: { id: user.id }, data: { githubLogin: options.githubLogin } });
  return user;
}

export interface Session {
  /** The Cookie header of the session (factory_session and factory_csrf). */
  cookie: string;
  csrf: string;
  /** Headers of a state-changing request of this session. */
  headers: { cookie: string; 'x-csrf-token': string };
}

/** The Set-Cookie values of an answer, by name. */
export function setCookies(res: { headers: Record<string, unknown> }): Map<string, string> {
  const raw = res.headers['set-cookie'];
  const lines = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  return new Map(lines.map((line) => {
    const [pair = ''] = line.split(';');
    const at = pair.indexOf('=');
    return [pair.slice(0, at), line];
  }));
}

const cookieValue = (line: string | undefined): string => line?.split(';')[0]?.split('=').slice(1).join('=') ?? '';

export async function signIn(api: ApiHarness, login: string, password = PASSWORD): Promise<Session> {
  const res = await api.app.inject({ method: 'POST', url: '/auth/login', payload: { login, password } });
  if (res.statusCode !== 200) throw new Error(`POST /auth/login: ${res.statusCode} ${res.body}`);
  const cookies = setCookies(res);
  const session = cookieValue(cookies.get('factory_session'));
  const csrf = cookieValue(cookies.get('factory_csrf'));
  const cookie = `factory_session=${session}; factory_csrf=${csrf}`;
  return { cookie, csrf, headers: { cookie, 'x-csrf-token': csrf } };
}

/** A personal access token of the signed-in user, as Authorization headers. */
export async function createToken(api: ApiHarness, session: Session, body: { name: string; expires_in_days?: number } = { name: 'test' }): Promise<{ id: string; token: string; headers: { authorization: string } }> {
  const res = await api.app.inject({ method: 'POST', url: '/user/tokens', headers: session.headers, payload: body });
  if (res.statusCode !== 201) throw new Error(`POST /user/tokens: ${res.statusCode} ${res.body}`);
  const created = res.json() as { id: string; token: string };
  return { ...created, headers: { authorization: `Bearer ${created.token}` } };
}
