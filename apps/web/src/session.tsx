/** Who is signed in (GET /me), shared by every page; signing in and out. */
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import { api, ok, saveToken, savedToken, whenUnauthorized } from './api/client';
import type { Me } from './api/types';

export interface Session {
  /** undefined while asking, null when nobody is signed in. */
  me: Me | null | undefined;
  /** Signs in with a local user's login and password (a session cookie). */
  signInWithPassword(login: string, password: string): Promise<void>;
  /** Signs in with a pasted token: a personal access token, or the admin token. */
  signInWithToken(token: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The signed-in user's display name. */
export const whoIs = (me: Me): string => (me.user ? (me.user.name ?? me.user.login) : 'administrator (admin token)');

export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  const load = useCallback(async () => {
    const answer = await api.GET('/me');
    if (answer.response.ok && answer.data) setMe(answer.data);
    else {
      if (answer.response.status === 401 && savedToken()) saveToken(null);
      setMe(null);
    }
  }, []);

  useEffect(() => {
    whenUnauthorized(() => setMe(null));
    void load().catch(() => setMe(null));
  }, [load]);

  const session: Session = {
    me,
    async signInWithPassword(login, password) {
      saveToken(null);
      await ok(api.POST('/auth/login', { body: { login, password } }));
      await load();
    },
    async signInWithToken(token) {
      saveToken(token.trim());
      const answer = await api.GET('/me');
      if (!answer.response.ok || !answer.data) {
        saveToken(null);
        throw new Error(answer.response.status === 401 ? 'That token is not accepted: it is unknown, revoked or expired.' : `FactoryCI answered ${answer.response.status}`);
      }
      setMe(answer.data);
    },
    async signOut() {
      if (savedToken()) saveToken(null);
      else await api.POST('/auth/logout', {}).catch(() => undefined);
      setMe(null);
    },
  };
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
