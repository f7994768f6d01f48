/** The frame of every signed-in page: the bar with the way home, who is signed in, and signing out. */
import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { useSession, whoIs } from '../session';

export function Layout({ children }: { children: ComponentChildren }) {
  const session = useSession();
  const location = useLocation();
  const signOut = async () => {
    await session.signOut();
    location.route('/sign-in');
  };
  return (
    <>
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="topbar">
        <a class="brand" href="/" aria-label="FactoryCI: projects">
          <span class="brand-mark" aria-hidden="true">F</span> FactoryCI
        </a>
        <nav aria-label="Account" class="account">
          {session.me && <span class="who" title={session.me.via === 'admin_token' ? 'signed in with the admin token' : undefined}>{whoIs(session.me)}</span>}
          <button type="button" class="button subtle" onClick={signOut}>
            Sign out
          </button>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
