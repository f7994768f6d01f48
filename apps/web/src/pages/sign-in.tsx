/**
 * Signing in: with GitHub when the App is configured, as a local user, or by pasting a token (a personal access
 * token, or the admin token for a fresh install's first sign-in). Then back to the page that sent the person here.
 */
import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiFailure, ok } from '../api/client';
import type { Answer } from '../api/types';
import { useTitle } from '../components/title';
import { useSession } from '../session';

/** A path of this site to go back to (never another site's URL). */
export function returnPath(query: Record<string, string>): string {
  const target = query.return_to ?? '/';
  return target.startsWith('/') && !target.startsWith('//') && !target.startsWith('/sign-in') ? target : '/';
}

const messageOf = (error: unknown): string =>
  error instanceof ApiFailure && error.status === 401 ? 'Wrong login or password.' : error instanceof ApiFailure && error.status === 429 ? error.message : (error as Error).message;

export function SignInPage() {
  useTitle('Sign in');
  const session = useSession();
  const location = useLocation();
  const back = returnPath(location.query);
  const [methods, setMethods] = useState<Answer<'/auth/methods', 'get'> | null>(null);
  // a sign-in with GitHub that failed comes back here with the API's message
  const [error, setError] = useState<string | null>(location.query.error ?? null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void ok(api.GET('/auth/methods')).then(setMethods, () => setMethods({ password: true, github: false, token: true }));
  }, []);
  useEffect(() => {
    if (session.me) location.route(back, true);
  }, [session.me]);

  const attempt = (how: () => Promise<void>) => async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await how();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };
  const field = (form: EventTarget | null, name: string) => ((form as HTMLFormElement).elements.namedItem(name) as HTMLInputElement).value;

  return (
    <main id="main" class="sign-in">
      <h1>
        <span class="brand-mark" aria-hidden="true">F</span> Sign in to FactoryCI
      </h1>
      {error && (
        <p class="alert error" role="alert">
          {error}
        </p>
      )}
      {methods?.github && (
        <a class="button primary wide" href={`/auth/github?return_to=${encodeURIComponent(back)}`}>
          Sign in with GitHub
        </a>
      )}
      <form class="card stack" aria-labelledby="password-title" onSubmit={(e) => attempt(() => session.signInWithPassword(field(e.currentTarget, 'login'), field(e.currentTarget, 'password')))(e)}>
        <h2 id="password-title">With a login and password</h2>
        <label>
          Login
          <input name="login" autocomplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <button class="button primary" disabled={busy}>
          Sign in
        </button>
      </form>
      <form class="card stack" aria-labelledby="token-title" onSubmit={(e) => attempt(() => session.signInWithToken(field(e.currentTarget, 'token')))(e)}>
        <h2 id="token-title">With a token</h2>
        <p class="muted">
          A personal access token (<code>fci_…</code>, from <code>factoryctl tokens create</code>), or on a fresh install the admin token in{' '}
          <code>.data/factory.env</code>. It is kept in this browser until you sign out.
        </p>
        <label>
          Token
          <input name="token" type="password" autocomplete="off" required />
        </label>
        <button class="button" disabled={busy}>
          Sign in with the token
        </button>
      </form>
    </main>
  );
}
