/**
 * A small GitHub stand-in: the subset of the REST API that FactoryCI uses, over real HTTP, with GitHub's paths, bodies
 * and status codes. Response bodies start from the examples of GitHub's own OpenAPI description (@octokit/openapi)
 * with this stand-in's state patched in. Every request is recorded so tests can assert on what was sent.
 *
 * Authentication is checked as GitHub does: App JWTs (RS256, verified with the App's public key, `iss` = App id,
 * at most 10 minutes long), installation tokens (scoped to the installation's repositories and permissions) and OAuth
 * user tokens (from the web flow's code exchange).
 *
 * The browser side of the OAuth web flow is played too: `GET /login/oauth/authorize` "signs in" the user the test chose
 * (`signInBrowserAs`) and redirects to the `redirect_uri` with a code (usable once, for 10 minutes) and the `state`, as
 * github.com does after the user authorised the App. Organisation roles and repository permissions are set by the test
 * (`setOrgMembership`, `setRepositoryPermission`).
 *
 * The App's webhook is played too: `sendAppWebhook` POSTs a signed delivery to the URL `setAppWebhook` set and records
 * the attempt (answered or not), which `GET /app/hook/deliveries` lists and `POST /app/hook/deliveries/{id}/attempts`
 * delivers again (same guid, new id).
 */
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes, randomUUID, verify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandinAccount {
  login: string;
  id: number;
  type: 'User' | 'Organization';
}

export interface StandinInstallation {
  id: number;
  account: StandinAccount;
  /** Full names ("owner/repo") of the repositories the installation may use. */
  repositories: string[];
  /** e.g. { contents: 'read', repository_hooks: 'write', checks: 'write' } */
  permissions: Record<string, string>;
  repositorySelection?: 'all' | 'selected';
  suspended?: boolean;
}

export interface StandinHook {
  id: number;
  name: string;
  active: boolean;
  events: string[];
  config: Record<string, string>;
}

export interface StandinCheckRun {
  id: number;
  repo: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  details_url?: string;
  external_id?: string;
  output?: unknown;
  started_at?: string;
  completed_at?: string;
  /** Every state the check run went through, in order (a write that leaves status and conclusion alone adds none). */
  history: { status: string; conclusion: string | null }[];
}

/** One delivery of the App's webhook, as `GET /app/hook/deliveries` lists it. */
export interface StandinHookDelivery {
  id: number;
  /** The event's id (X-GitHub-Delivery): shared by the first delivery and every redelivery of it. */
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  /** e.g. "OK", "Invalid HTTP Response: 503", "failed to connect to host". */
  status: string;
  /** The receiver's answer; 0 when there was none. */
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  throttled_at: string | null;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  status: number;
  /** The body the stand-in answered with (undefined for none). */
  response?: unknown;
}

/** A repository role on GitHub (`role_name`); `none`: no access at all. */
export type StandinRepositoryRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface GithubStandinOptions {
  appId: number;
  appSlug?: string;
  /** The App's public key (PEM or KeyObject); App JWTs must verify with it. */
  appPublicKey: string | KeyObject;
  clientId: string;
  clientSecret: string;
}

export interface GithubStandin {
  /** Base URL of the REST API (what GITHUB_API_URL points to); OAuth lives under it too, as on GHES. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly checkRuns: StandinCheckRun[];
  /** `gitDir`: a git repository on disk whose commits the contents API serves (GET /repos/{o}/{r}/contents/{path}). */
  addRepository(fullName: string, options?: { id?: number; private?: boolean; gitDir?: string }): number;
  addInstallation(installation: StandinInstallation): void;
  /** A user who signs in through the OAuth web flow and can access the given installations (`name`: their profile name). */
  addUser(user: StandinAccount, installationIds: number[], profile?: { name?: string | null }): void;
  /** The `code` GitHub would hand the browser after the user authorised the App. */
  issueOAuthCode(login: string): string;
  /**
   * Who the browser that opens `GET /login/oauth/authorize` is signed in to github.com as (null: nobody, the page asks
   * to sign in); `authorizes: false` is a user who cancels the authorisation (redirect with `error=access_denied`).
   */
  signInBrowserAs(login: string | null, options?: { authorizes?: boolean }): void;
  /**
   * The App's callback URLs (its settings): a `redirect_uri` must be one of them, else GitHub sends the browser to the
   * first one with `error=redirect_uri_mismatch`. Unset: any redirect_uri is accepted.
   */
  setCallbackUrls(urls: string[]): void;
  /** A user's membership of an organisation (`GET /user/memberships/orgs/{org}`); null removes it (404). */
  setOrgMembership(org: string, login: string, membership: { role: 'admin' | 'member'; state?: 'active' | 'pending' } | null): void;
  /** A user's role on a repository (`GET /repos/{owner}/{repo}/collaborators/{username}/permission`). */
  setRepositoryPermission(fullName: string, login: string, role: StandinRepositoryRole): void;
  /** While on, every request (or those whose path matches) is answered 503 (GitHub having an outage). */
  setOutage(on: boolean | RegExp): void;
  hooks(fullName: string): StandinHook[];
  /** The App's webhook (its URL and secret, as set in the App's settings); deliveries go there. */
  setAppWebhook(hook: { url: string; secret: string }): void;
  /**
   * GitHub delivering an App event: POSTs the payload (signed with the App's webhook secret) to the App's webhook URL
   * and records the attempt, answered or not. Redeliveries (`POST /app/hook/deliveries/{id}/attempts`) send the same
   * bytes again under the same guid.
   */
  sendAppWebhook(event: string, payload: Record<string, unknown>): Promise<StandinHookDelivery>;
  /** Every delivery of the App's webhook, oldest first. */
  readonly appHookDeliveries: StandinHookDelivery[];
  /** Resolves when the redeliveries asked for so far have been attempted. */
  deliveriesSettled(): Promise<void>;
  /** What an installation token may access (repositories and permissions), or undefined when it is not valid. */
  tokenAccess(token: string): { repositories: string[]; permissions: Record<string, string> } | undefined;
  close(): Promise<void>;
}

interface Repo {
  id: number;
  fullName: string;
  private: boolean;
  hooks: StandinHook[];
  gitDir?: string;
}

const DOCS = 'https://docs.github.com/rest';
/** GitHub: "the code expires after 10 minutes". */
const OAUTH_CODE_TTL_MS = 10 * 60_000;
const ROLE_ORDER: StandinRepositoryRole[] = ['none', 'read', 'triage', 'write', 'maintain', 'admin'];
/** `permission` of GET …/collaborators/{username}/permission: the legacy base role (maintain → write, triage → read). */
const LEGACY_PERMISSION: Record<StandinRepositoryRole, 'admin' | 'write' | 'read' | 'none'> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none',
};

export async function startGithubStandin(options: GithubStandinOptions): Promise<GithubStandin> {
  const repos = new Map<string, Repo>();
  const installations = new Map<number, StandinInstallation>();
  const users = new Map<string, { account: StandinAccount; installationIds: number[]; name: string | null }>();
  /** code → who it was issued to, the redirect_uri it was issued for, and until when it may be exchanged. */
  const oauthCodes = new Map<string, { login: string; redirectUri?: string; expiresAt: number }>();
  let browser: { login: string; authorizes: boolean } | null = null;
  let callbackUrls: string[] | null = null;
  /** "org/login" (lower case) → membership. */
  const orgMemberships = new Map<string, { role: 'admin' | 'member'; state: 'active' | 'pending' }>();
  /** "owner/repo/login" (lower case) → role. */
  const repositoryRoles = new Map<string, StandinRepositoryRole>();
  let outage: boolean | RegExp = false;
  const userTokens = new Map<string, string>();
  /** Installation tokens; `repositories` / `permissions` when the token was narrowed at creation (as GitHub allows). */
  const installationTokens = new Map<string, { installationId: number; expiresAt: number; repositories?: string[]; permissions?: Record<string, string> }>();
  const requests: RecordedRequest[] = [];
  const checkRuns: StandinCheckRun[] = [];
  const appHookDeliveries: StandinHookDelivery[] = [];
  /** What each event (by guid) sent: redeliveries send the same bytes. */
  const deliveryBodies = new Map<string, string>();
  const pendingDeliveries = new Set<Promise<unknown>>();
  let appWebhook: { url: string; secret: string } | null = null;
  let nextId = 1000;
  let url = '';

  const server: Server = createServer((req, res) => {
    readBody(req)
      .then((raw) => {
        const parsedUrl = new URL(req.url ?? '/', 'http://standin');
        const body = parseBody(raw, req.headers['content-type']);
        const record: RecordedRequest = {
          method: req.method ?? 'GET',
          path: parsedUrl.pathname,
          query: parsedUrl.searchParams,
          headers: req.headers,
          body,
          status: 0,
        };
        requests.push(record);
        const reply = (status: number, payload?: unknown, headers: Record<string, string> = {}): void => {
          record.status = status;
          if (typeof payload === 'string' && headers['content-type'] !== undefined) {
            // a web page (github.com's side of the OAuth flow), not the REST API
            record.response = payload;
            res.writeHead(status, headers).end(payload);
            return;
          }
          record.response = payload === undefined ? undefined : JSON.parse(JSON.stringify(payload));
          if (payload === undefined) {
            res.writeHead(status, headers).end();
            return;
          }
          res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(payload));
        };
        route(record, reply);
      })
      .catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
  });

  function route(r: RecordedRequest, reply: (status: number, payload?: unknown, headers?: Record<string, string>) => void): void {
    const fail = (status: number, message: string): void =>
      reply(status, { message, documentation_url: DOCS, status: String(status) });
    const path = r.path.replace(/\/+$/, '');
    let m: RegExpMatchArray | null;

    if (outage === true || (outage instanceof RegExp && outage.test(path))) return fail(503, 'Service Unavailable');

    // --- OAuth web flow, the browser's side (github.com/login/oauth/authorize) ---
    if (r.method === 'GET' && path === '/login/oauth/authorize') return authorizeRoute(r, reply);

    // --- OAuth web flow (github.com/login/oauth/access_token; under the API base on GHES and here) ---
    if (r.method === 'POST' && path === '/login/oauth/access_token') {
      const b = (r.body ?? {}) as Record<string, string>;
      if (b.client_id !== options.clientId || b.client_secret !== options.clientSecret) {
        reply(200, { error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.', error_uri: DOCS });
        return;
      }
      const issued = b.code === undefined ? undefined : oauthCodes.get(b.code);
      if (issued === undefined || issued.expiresAt < Date.now()) {
        reply(200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.', error_uri: DOCS });
        return;
      }
      if (b.redirect_uri !== undefined && issued.redirectUri !== undefined && b.redirect_uri !== issued.redirectUri) {
        reply(200, { error: 'redirect_uri_mismatch', error_description: 'The redirect_uri MUST match the registered callback URL for this application.', error_uri: DOCS });
        return;
      }
      oauthCodes.delete(b.code as string);
      const login = issued.login;
      const token = `ghu_${randomBytes(18).toString('hex')}`;
      userTokens.set(token, login);
      reply(200, { access_token: token, token_type: 'bearer', scope: '' });
      return;
    }

    // --- App (JWT) ---
    if (path === '/app/hook/deliveries' || path.startsWith('/app/hook/deliveries/')) {
      const jwtProblem = checkAppJwt(r.headers.authorization);
      if (jwtProblem) return fail(401, jwtProblem);
      if (r.method === 'GET' && path === '/app/hook/deliveries') return listDeliveriesRoute(r, reply);
      const attempt = r.method === 'POST' ? path.match(/^\/app\/hook\/deliveries\/(\d+)\/attempts$/) : null;
      if (!attempt) return fail(404, 'Not Found');
      const original = appHookDeliveries.find((d) => d.id === Number(attempt[1]));
      if (!original) return fail(404, 'Not Found');
      track(attemptDelivery(original.guid, original.event, original.action, true));
      return reply(202, {});
    }
    if ((m = path.match(/^\/app\/installations\/(\d+)(\/access_tokens)?$/))) {
      const jwtProblem = checkAppJwt(r.headers.authorization);
      if (jwtProblem) return fail(401, jwtProblem);
      const installation = installations.get(Number(m[1]));
      if (!installation) return fail(404, 'Not Found');
      if (m[2] && r.method === 'POST') {
        if (installation.suspended) return fail(403, 'This installation has been suspended');
        // A token may be narrowed to some of the installation's repositories (by name) and to lesser permissions.
        const narrow = (r.body ?? {}) as { repositories?: string[]; permissions?: Record<string, string> };
        const owner = installation.account.login;
        let repositories: string[] | undefined;
        if (narrow.repositories) {
          repositories = narrow.repositories.map((name) => `${owner}/${name}`);
          const unknown = repositories.filter((full) => !installation.repositories.some((n) => n.toLowerCase() === full.toLowerCase()));
          if (unknown.length > 0) return reply(422, { message: `The repositories ${unknown.join(', ')} are not accessible by this installation`, documentation_url: DOCS, status: '422' });
        }
        const rank = (level: string | undefined) => (level === 'write' || level === 'admin' ? 2 : level === 'read' ? 1 : 0);
        if (narrow.permissions && Object.entries(narrow.permissions).some(([k, v]) => rank(v) > rank(installation.permissions[k]))) {
          return reply(422, { message: 'The permissions requested are not granted to this installation.', documentation_url: DOCS, status: '422' });
        }
        const token = `ghs_${randomBytes(18).toString('hex')}`;
        const expiresAt = Date.now() + 3600_000;
        installationTokens.set(token, { installationId: installation.id, expiresAt, repositories, permissions: narrow.permissions });
        reply(201, {
          ...example('installation-token'),
          token,
          expires_at: new Date(expiresAt).toISOString().replace(/\.\d+Z$/, 'Z'),
          permissions: narrow.permissions ?? installation.permissions,
          repository_selection: installation.repositorySelection ?? 'selected',
          repositories: undefined,
        });
        return;
      }
      if (!m[2] && r.method === 'GET') return reply(200, installationBody(installation));
      return fail(404, 'Not Found');
    }

    // --- Installation token ---
    if (r.method === 'GET' && path === '/installation/repositories') {
      const installation = installationOf(r.headers.authorization);
      if (!installation) return fail(401, 'Bad credentials');
      const list = installation.repositories.map((name) => repoBody(repoNamed(name)));
      reply(200, { total_count: list.length, repository_selection: installation.repositorySelection ?? 'selected', repositories: list });
      return;
    }

    // --- User token ---
    if (r.method === 'GET' && (m = path.match(/^\/user\/memberships\/orgs\/([^/]+)$/))) {
      const login = userOf(r.headers.authorization);
      const user = login === undefined ? undefined : users.get(login);
      if (!user) return fail(401, 'Requires authentication');
      const org = decodeURIComponent(m[1] ?? '');
      const membership = orgMemberships.get(`${org}/${user.account.login}`.toLowerCase());
      if (!membership) return fail(404, 'Not Found');
      const base = example('org-membership');
      return reply(200, {
        ...base,
        url: `${url}/orgs/${org}/memberships/${user.account.login}`,
        state: membership.state,
        role: membership.role,
        organization_url: `${url}/orgs/${org}`,
        organization: { ...(base.organization as object), login: org, url: `${url}/orgs/${org}` },
        user: accountBody(user.account),
      });
    }
    if (r.method === 'GET' && (path === '/user' || path === '/user/installations')) {
      const login = userOf(r.headers.authorization);
      const user = login === undefined ? undefined : users.get(login);
      if (!user) return fail(401, 'Requires authentication');
      if (path === '/user') return reply(200, { ...example('private-user-response-with-public-profile-information'), ...accountBody(user.account), name: user.name });
      const list = user.installationIds.flatMap((id) => {
        const inst = installations.get(id);
        return inst ? [installationBody(inst)] : [];
      });
      reply(200, { total_count: list.length, installations: list });
      return;
    }

    // --- A user's permission on a repository (installation token, the repository in its scope; metadata permission) ---
    if (r.method === 'GET' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)\/permission$/))) {
      const fullName = `${m[1]}/${m[2]}`;
      const installation = installationOf(r.headers.authorization);
      if (!installation) return fail(401, 'Bad credentials');
      const repo = repos.get(fullName.toLowerCase());
      if (!repo || !installation.repositories.some((n) => n.toLowerCase() === fullName.toLowerCase())) return fail(404, 'Not Found');
      if (installation.permissions.metadata === undefined) return fail(403, 'Resource not accessible by integration');
      const login = decodeURIComponent(m[3] ?? '');
      const user = users.get(login) ?? [...users.values()].find((u) => u.account.login.toLowerCase() === login.toLowerCase());
      if (!user) return fail(404, 'Not Found');
      const set = repositoryRoles.get(`${repo.fullName}/${user.account.login}`.toLowerCase());
      // Anyone may read a public repository; a private one gives nothing to whom it was not granted.
      const role = set ?? (repo.private ? 'none' : 'read');
      const base = example('repository-collaborator-permission-response-if-user-has-admin-permissions');
      // (GitHub's example leaves out the user's role_name and permissions, which its schema and real answers have)
      const rank = ROLE_ORDER.indexOf(role);
      const permissions = { pull: rank >= 1, triage: rank >= 2, push: rank >= 3, maintain: rank >= 4, admin: rank >= 5 };
      return reply(200, { ...base, permission: LEGACY_PERMISSION[role], role_name: role, user: { ...(base.user as object), ...accountBody(user.account), permissions, role_name: role } });
    }

    // --- Repository hooks and check runs (installation token, scoped) ---
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/(hooks|check-runs)(?:\/(\d+)(\/config)?)?$/))) {
      const fullName = `${m[1]}/${m[2]}`;
      const kind = m[3] as 'hooks' | 'check-runs';
      const id = m[4] === undefined ? undefined : Number(m[4]);
      const installation = installationOf(r.headers.authorization);
      if (!installation) return fail(401, 'Bad credentials');
      const repo = repos.get(fullName.toLowerCase());
      if (!repo || !installation.repositories.some((n) => n.toLowerCase() === fullName.toLowerCase())) {
        return fail(404, 'Not Found');
      }
      const permission = installation.permissions[kind === 'hooks' ? 'repository_hooks' : 'checks'];
      const writing = r.method !== 'GET';
      if (permission === undefined || (writing && permission !== 'write')) {
        return fail(403, 'Resource not accessible by integration');
      }
      if (kind === 'hooks' && m[5]) return hookConfigRoute(r, repo, id as number, reply, fail);
      if (m[5]) return fail(404, 'Not Found');
      if (kind === 'hooks') return hooksRoute(r, repo, id, reply, fail);
      return checkRunsRoute(r, repo, id, reply, fail);
    }

    // --- Repository contents at a commit (installation token with contents permission), from the git repository ---
    if (r.method === 'GET' && (m = r.path.match(/^\/repos\/([^/]+)\/([^/]+)\/contents(?:\/(.*))?$/))) {
      const fullName = `${m[1]}/${m[2]}`;
      const installation = installationOf(r.headers.authorization);
      if (!installation) return fail(401, 'Bad credentials');
      const repo = repos.get(fullName.toLowerCase());
      if (!repo || !installation.repositories.some((n) => n.toLowerCase() === fullName.toLowerCase())) return fail(404, 'Not Found');
      if (installation.permissions.contents === undefined) return fail(403, 'Resource not accessible by integration');
      return contentsRoute(r, repo, decodeURIComponent((m[3] ?? '').replace(/\/+$/, '')), reply, fail);
    }

    fail(404, 'Not Found');
  }

  /**
   * github.com's authorisation page: an unknown client_id is a 404 page; nobody signed in, the sign-in page; otherwise
   * the user authorises (or cancels) and the browser goes to the redirect_uri with a code and the state.
   */
  function authorizeRoute(r: RecordedRequest, reply: (status: number, payload?: unknown, headers?: Record<string, string>) => void): void {
    const page = (status: number, text: string): void =>
      reply(status, `<!DOCTYPE html><html><head><title>${text}</title></head><body><h1>${text}</h1></body></html>`, { 'content-type': 'text/html; charset=utf-8' });
    if (r.query.get('client_id') !== options.clientId) return page(404, 'Not Found');
    const state = r.query.get('state');
    const asked = r.query.get('redirect_uri') ?? undefined;
    const back = (target: string, params: Record<string, string>): void => {
      const location = new URL(target);
      for (const [k, v] of Object.entries(params)) location.searchParams.set(k, v);
      if (state !== null) location.searchParams.set('state', state);
      reply(302, undefined, { location: location.toString() });
    };
    if (callbackUrls && asked !== undefined && !callbackUrls.includes(asked)) {
      const first = callbackUrls[0];
      if (!first) return page(400, 'redirect_uri is not associated with this application');
      return back(first, {
        error: 'redirect_uri_mismatch',
        error_description: 'The redirect_uri MUST match the registered callback URL for this application.',
        error_uri: DOCS,
      });
    }
    const target = asked ?? callbackUrls?.[0];
    if (target === undefined) return page(400, 'no redirect_uri and no callback URL registered');
    if (!browser) return page(200, 'Sign in to GitHub');
    if (!browser.authorizes) {
      return back(target, { error: 'access_denied', error_description: 'The user has denied your application access.', error_uri: DOCS });
    }
    const code = randomBytes(10).toString('hex');
    oauthCodes.set(code, { login: browser.login, redirectUri: asked, expiresAt: Date.now() + OAUTH_CODE_TTL_MS });
    back(target, { code });
  }

  /** Newest first, `per_page` (default 30, at most 100) a page, the next page's `cursor` in the Link header. */
  function listDeliveriesRoute(r: RecordedRequest, reply: (status: number, payload?: unknown, headers?: Record<string, string>) => void): void {
    const perPage = Math.min(100, Math.max(1, Number(r.query.get('per_page') ?? 30) || 30));
    const status = r.query.get('status');
    const wanted = (d: StandinHookDelivery): boolean =>
      status === 'success' ? d.status_code >= 200 && d.status_code <= 399 : status === 'failure' ? d.status_code >= 400 && d.status_code <= 599 : true;
    const newestFirst = appHookDeliveries.filter(wanted).reverse();
    const cursor = r.query.get('cursor');
    const start = cursor === null ? 0 : newestFirst.findIndex((d) => `v1_${d.id}` === cursor);
    if (start < 0) return reply(400, { message: 'Invalid cursor', documentation_url: DOCS, status: '400' });
    const page = newestFirst.slice(start, start + perPage);
    const next = newestFirst[start + perPage];
    const query = (c: string) => `${url}/app/hook/deliveries?per_page=${perPage}${status ? `&status=${status}` : ''}&cursor=${c}`;
    const headers: Record<string, string> = next ? { link: `<${query(`v1_${next.id}`)}>; rel="next"` } : {};
    reply(200, page, headers);
  }

  function track<T>(promise: Promise<T>): Promise<T> {
    pendingDeliveries.add(promise);
    void promise.finally(() => pendingDeliveries.delete(promise)).catch(() => undefined);
    return promise;
  }

  /** One delivery attempt of an event to the App's webhook, as GitHub's hookshot makes it (10 s timeout). */
  async function attemptDelivery(guid: string, event: string, action: string | null, redelivery: boolean): Promise<StandinHookDelivery> {
    const body = deliveryBodies.get(guid) ?? '{}';
    const payload = JSON.parse(body) as { installation?: { id?: number }; repository?: { id?: number } };
    const started = Date.now();
    let statusCode = 0;
    let status = 'failed to connect to host';
    if (appWebhook) {
      try {
        const res = await fetch(appWebhook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'GitHub-Hookshot/standin',
            'x-github-event': event,
            'x-github-delivery': guid,
            'x-github-hook-id': '1',
            'x-github-hook-installation-target-type': 'integration',
            'x-github-hook-installation-target-id': String(options.appId),
            'x-hub-signature-256': `sha256=${createHmac('sha256', appWebhook.secret).update(body).digest('hex')}`,
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        statusCode = res.status;
        status = res.ok ? 'OK' : `Invalid HTTP Response: ${res.status}`;
      } catch {
        // no answer: status_code stays 0
      }
    }
    const delivery: StandinHookDelivery = {
      id: nextId++,
      guid,
      delivered_at: new Date(started).toISOString().replace(/\.\d+Z$/, 'Z'),
      redelivery,
      duration: (Date.now() - started) / 1000,
      status,
      status_code: statusCode,
      event,
      action,
      installation_id: payload.installation?.id ?? null,
      repository_id: payload.repository?.id ?? null,
      throttled_at: null,
    };
    appHookDeliveries.push(delivery);
    return delivery;
  }

  function contentsRoute(
    r: RecordedRequest,
    repo: Repo,
    path: string,
    reply: (status: number, payload?: unknown) => void,
    fail: (status: number, message: string) => void,
  ): void {
    if (!repo.gitDir) throw new Error(`stand-in: repository ${repo.fullName} has no gitDir for its contents`);
    const git = (...args: string[]): Buffer | undefined => {
      try {
        return execFileSync('git', ['-C', repo.gitDir as string, ...args], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
      } catch {
        return undefined;
      }
    };
    const ref = r.query.get('ref') ?? 'HEAD';
    const commit = ref.startsWith('-') ? undefined : git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`)?.toString().trim();
    if (!commit) return fail(404, `No commit found for the ref ${ref}`);
    const object = `${commit}:${path}`;
    const kind = git('cat-file', '-t', object)?.toString().trim();
    const entry = (type: string, name: string, entryPath: string, sha: string, size: number): Record<string, unknown> => {
      const self = `${url}/repos/${repo.fullName}/contents/${entryPath}?ref=${encodeURIComponent(ref)}`;
      const gitUrl = `${url}/repos/${repo.fullName}/git/${type === 'dir' ? 'trees' : 'blobs'}/${sha}`;
      const htmlUrl = `https://github.com/${repo.fullName}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${entryPath}`;
      return {
        type,
        size,
        name,
        path: entryPath,
        sha,
        url: self,
        git_url: gitUrl,
        html_url: htmlUrl,
        download_url: type === 'file' ? `https://raw.githubusercontent.com/${repo.fullName}/${ref}/${entryPath}` : null,
        _links: { self, git: gitUrl, html: htmlUrl },
      };
    };
    if (kind === 'tree') {
      // "<mode> <type> <sha> <size>\t<name>" per entry; trees have size "-"
      const lines = (git('ls-tree', '-l', object)?.toString() ?? '').split('\n').filter(Boolean);
      const list = lines.map((line) => {
        const [meta = '', name = ''] = line.split('\t');
        const [mode, type, sha = '', size] = meta.split(/\s+/);
        const kindOf = type === 'tree' ? 'dir' : type === 'commit' ? 'submodule' : mode === '120000' ? 'symlink' : 'file';
        return entry(kindOf, name, path ? `${path}/${name}` : name, sha, size === '-' ? 0 : Number(size));
      });
      return reply(200, list);
    }
    if (kind === 'blob') {
      const content = git('cat-file', 'blob', object) ?? Buffer.alloc(0);
      const sha = git('rev-parse', object)?.toString().trim() ?? '';
      // GitHub wraps the base64 at 60 characters
      const encoded = (content.toString('base64').match(/.{1,60}/g) ?? []).map((part) => `${part}\n`).join('');
      return reply(200, { ...entry('file', path.slice(path.lastIndexOf('/') + 1), path, sha, content.length), encoding: 'base64', content: encoded });
    }
    fail(404, 'Not Found');
  }

  function hooksRoute(
    r: RecordedRequest,
    repo: Repo,
    id: number | undefined,
    reply: (status: number, payload?: unknown) => void,
    fail: (status: number, message: string) => void,
  ): void {
    if (id === undefined && r.method === 'GET') return reply(200, repo.hooks.map((h) => hookBody(repo, h)));
    if (id === undefined && r.method === 'POST') {
      const b = (r.body ?? {}) as { name?: string; config?: Record<string, string>; events?: string[]; active?: boolean };
      if (!b.config?.url) return reply(422, { message: 'Validation Failed', errors: [{ resource: 'Hook', code: 'custom', message: 'Config must contain url' }], documentation_url: DOCS, status: '422' });
      if (repo.hooks.some((h) => h.config.url === b.config?.url)) {
        return reply(422, { message: 'Validation Failed', errors: [{ resource: 'Hook', code: 'custom', message: 'Hook already exists on this repository' }], documentation_url: DOCS, status: '422' });
      }
      const hook: StandinHook = {
        id: nextId++,
        name: b.name ?? 'web',
        active: b.active ?? true,
        events: b.events ?? ['push'],
        config: { content_type: 'form', insecure_ssl: '0', ...b.config },
      };
      repo.hooks.push(hook);
      return reply(201, hookBody(repo, hook));
    }
    const hook = repo.hooks.find((h) => h.id === id);
    if (!hook) return fail(404, 'Not Found');
    if (r.method === 'GET') return reply(200, hookBody(repo, hook));
    if (r.method === 'DELETE') {
      repo.hooks.splice(repo.hooks.indexOf(hook), 1);
      return reply(204);
    }
    fail(404, 'Not Found');
  }

  function hookConfigRoute(
    r: RecordedRequest,
    repo: Repo,
    id: number,
    reply: (status: number, payload?: unknown) => void,
    fail: (status: number, message: string) => void,
  ): void {
    const hook = repo.hooks.find((h) => h.id === id);
    if (!hook) return fail(404, 'Not Found');
    if (r.method === 'PATCH') Object.assign(hook.config, r.body ?? {});
    else if (r.method !== 'GET') return fail(404, 'Not Found');
    const { secret, ...config } = hook.config;
    reply(200, secret ? { ...config, secret: '********' } : config);
  }

  function checkRunsRoute(
    r: RecordedRequest,
    repo: Repo,
    id: number | undefined,
    reply: (status: number, payload?: unknown) => void,
    fail: (status: number, message: string) => void,
  ): void {
    const b = (r.body ?? {}) as Partial<StandinCheckRun>;
    if (id === undefined && r.method === 'POST') {
      if (!b.name || !b.head_sha) {
        return reply(422, { message: 'Invalid request.\n\n"name" and "head_sha" are required.', documentation_url: DOCS, status: '422' });
      }
      const run: StandinCheckRun = { status: 'queued', conclusion: null, ...b, id: nextId++, repo: repo.fullName, history: [] } as StandinCheckRun;
      if (run.conclusion) run.status = 'completed';
      recordState(run);
      checkRuns.push(run);
      return reply(201, checkRunBody(repo, run));
    }
    const run = checkRuns.find((c) => c.id === id && c.repo === repo.fullName);
    if (!run) return fail(404, 'Not Found');
    if (r.method === 'PATCH') {
      Object.assign(run, b, { id: run.id, repo: run.repo, history: run.history });
      if (b.conclusion) run.status = 'completed';
      recordState(run);
      return reply(200, checkRunBody(repo, run));
    }
    if (r.method === 'GET') return reply(200, checkRunBody(repo, run));
    fail(404, 'Not Found');
  }

  function recordState(run: StandinCheckRun): void {
    const last = run.history.at(-1);
    const conclusion = run.conclusion ?? null;
    if (!last || last.status !== run.status || last.conclusion !== conclusion) run.history.push({ status: run.status, conclusion });
  }

  function checkAppJwt(authorization: string | undefined): string | null {
    const token = authorization?.match(/^(?:Bearer|token) (.+)$/i)?.[1];
    if (!token) return 'A JSON web token could not be decoded';
    const parts = token.split('.');
    if (parts.length !== 3) return 'A JSON web token could not be decoded';
    const [h, p, s] = parts as [string, string, string];
    let header: { alg?: string };
    let payload: { iss?: string | number; iat?: number; exp?: number };
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof header;
      payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as typeof payload;
    } catch {
      return 'A JSON web token could not be decoded';
    }
    if (header.alg !== 'RS256') return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
    if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), options.appPublicKey, Buffer.from(s, 'base64url'))) {
      return 'A JSON web token could not be decoded';
    }
    if (String(payload.iss) !== String(options.appId)) return "'Issuer' claim ('iss') must be an Integer";
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.exp !== 'number' || payload.exp <= now) return "'Expiration time' claim ('exp') is too far in the future or has passed";
    if (typeof payload.iat !== 'number' || payload.iat > now + 60 || payload.exp - payload.iat > 660) {
      return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
    }
    return null;
  }

  function installationOf(authorization: string | undefined): StandinInstallation | undefined {
    const token = authorization?.match(/^(?:Bearer|token) (.+)$/i)?.[1];
    const entry = token === undefined ? undefined : installationTokens.get(token);
    if (!entry || entry.expiresAt < Date.now()) return undefined;
    const installation = installations.get(entry.installationId);
    if (!installation || installation.suspended) return undefined;
    return {
      ...installation,
      repositories: entry.repositories ?? installation.repositories,
      permissions: entry.permissions ?? installation.permissions,
    };
  }

  /** The installation (as narrowed by the token) an installation token stands for; undefined when invalid. */
  function installationOfToken(token: string): StandinInstallation | undefined {
    return installationOf(`token ${token}`);
  }

  function userOf(authorization: string | undefined): string | undefined {
    const token = authorization?.match(/^(?:Bearer|token) (.+)$/i)?.[1];
    return token === undefined ? undefined : userTokens.get(token);
  }

  function repoNamed(fullName: string): Repo {
    const repo = repos.get(fullName.toLowerCase());
    if (!repo) throw new Error(`stand-in: unknown repository ${fullName}`);
    return repo;
  }

  function accountBody(account: StandinAccount): Record<string, unknown> {
    const base = example('base-installation') as { account: Record<string, unknown> };
    return {
      ...base.account,
      login: account.login,
      id: account.id,
      node_id: Buffer.from(`${account.type}${account.id}`).toString('base64'),
      url: `${url}/users/${account.login}`,
      html_url: `https://github.com/${account.login}`,
      type: account.type,
    };
  }

  function installationBody(installation: StandinInstallation): Record<string, unknown> {
    return {
      ...example('base-installation'),
      id: installation.id,
      account: accountBody(installation.account),
      access_tokens_url: `${url}/app/installations/${installation.id}/access_tokens`,
      repositories_url: `${url}/installation/repositories`,
      html_url: `https://github.com/settings/installations/${installation.id}`,
      app_id: options.appId,
      app_slug: options.appSlug ?? 'factoryci',
      target_id: installation.account.id,
      target_type: installation.account.type,
      permissions: installation.permissions,
      events: ['push', 'pull_request'],
      repository_selection: installation.repositorySelection ?? 'selected',
      suspended_at: installation.suspended ? new Date().toISOString() : null,
    };
  }

  function repoBody(repo: Repo): Record<string, unknown> {
    const [ownerLogin = '', name = ''] = repo.fullName.split('/');
    const base = (example('repository-paginated-2') as { repositories: Record<string, unknown>[] }).repositories[0] ?? {};
    return {
      ...base,
      id: repo.id,
      name,
      full_name: repo.fullName,
      private: repo.private,
      owner: { ...(base.owner as object), login: ownerLogin },
      html_url: `https://github.com/${repo.fullName}`,
      url: `${url}/repos/${repo.fullName}`,
    };
  }

  function hookBody(repo: Repo, hook: StandinHook): Record<string, unknown> {
    const hookUrl = `${url}/repos/${repo.fullName}/hooks/${hook.id}`;
    // GitHub never returns a hook's secret, only a mask.
    const config = { ...hook.config, ...(hook.config.secret ? { secret: '********' } : {}) };
    return {
      ...example('hook'),
      id: hook.id,
      name: hook.name,
      active: hook.active,
      events: hook.events,
      config,
      url: hookUrl,
      test_url: `${hookUrl}/test`,
      ping_url: `${hookUrl}/pings`,
      deliveries_url: `${hookUrl}/deliveries`,
    };
  }

  function checkRunBody(repo: Repo, run: StandinCheckRun): Record<string, unknown> {
    return {
      ...example('check-run'),
      id: run.id,
      name: run.name,
      head_sha: run.head_sha,
      status: run.status,
      conclusion: run.conclusion ?? null,
      details_url: run.details_url ?? null,
      external_id: run.external_id ?? null,
      url: `${url}/repos/${repo.fullName}/check-runs/${run.id}`,
      html_url: `https://github.com/${repo.fullName}/runs/${run.id}`,
      started_at: run.started_at ?? null,
      completed_at: run.completed_at ?? null,
      output: {
        title: null,
        summary: null,
        text: null,
        annotations_count: 0,
        annotations_url: `${url}/repos/${repo.fullName}/check-runs/${run.id}/annotations`,
        ...pick(run.output, ['title', 'summary', 'text']),
      },
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const standin: GithubStandin = {
    url,
    requests,
    checkRuns,
    addRepository(fullName, opts = {}) {
      const id = opts.id ?? nextId++;
      repos.set(fullName.toLowerCase(), { id, fullName, private: opts.private ?? false, hooks: [], ...(opts.gitDir ? { gitDir: opts.gitDir } : {}) });
      return id;
    },
    addInstallation(installation) {
      for (const name of installation.repositories) {
        if (!repos.has(name.toLowerCase())) standin.addRepository(name);
      }
      installations.set(installation.id, installation);
    },
    addUser(account, installationIds, profile = {}) {
      users.set(account.login, { account, installationIds, name: profile.name === undefined ? account.login : profile.name });
    },
    issueOAuthCode(login) {
      const code = randomBytes(10).toString('hex');
      oauthCodes.set(code, { login, expiresAt: Date.now() + OAUTH_CODE_TTL_MS });
      return code;
    },
    signInBrowserAs(login, opts = {}) {
      browser = login === null ? null : { login, authorizes: opts.authorizes ?? true };
    },
    setCallbackUrls(urls) {
      callbackUrls = [...urls];
    },
    setOrgMembership(org, login, membership) {
      const key = `${org}/${login}`.toLowerCase();
      if (membership) orgMemberships.set(key, { role: membership.role, state: membership.state ?? 'active' });
      else orgMemberships.delete(key);
    },
    setRepositoryPermission(fullName, login, role) {
      repositoryRoles.set(`${fullName}/${login}`.toLowerCase(), role);
    },
    setOutage(on) {
      outage = on;
    },
    hooks(fullName) {
      return repos.get(fullName.toLowerCase())?.hooks ?? [];
    },
    setAppWebhook(hook) {
      appWebhook = { ...hook };
    },
    sendAppWebhook(event, payload) {
      const guid = randomUUID();
      deliveryBodies.set(guid, JSON.stringify(payload));
      return track(attemptDelivery(guid, event, typeof payload.action === 'string' ? payload.action : null, false));
    },
    appHookDeliveries,
    async deliveriesSettled() {
      while (pendingDeliveries.size > 0) await Promise.allSettled([...pendingDeliveries]);
    },
    tokenAccess(token) {
      const installation = installationOfToken(token);
      return installation ? { repositories: installation.repositories, permissions: installation.permissions } : undefined;
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
  return standin;
}

function pick(value: unknown, keys: string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(keys.filter((k) => k in value).map((k) => [k, (value as Record<string, unknown>)[k]]));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === '') return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

// GitHub's own response examples, from its OpenAPI description (loaded once, on first use).
let examples: Record<string, { value: unknown }> | undefined;
function example(name: string): Record<string, unknown> {
  if (!examples) {
    const require = createRequire(import.meta.url);
    const spec = require('@octokit/openapi/generated/api.github.com.json') as {
      components: { examples: Record<string, { value: unknown }> };
    };
    examples = spec.components.examples;
  }
  const value = examples[name]?.value;
  if (value === undefined) throw new Error(`stand-in: no example "${name}" in @octokit/openapi`);
  return structuredClone(value) as Record<string, unknown>;
}
