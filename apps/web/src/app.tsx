/** The UI's pages and the frame around them. Paths never collide with the API's routes (the API serves both). */
import { ErrorBoundary, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { Layout } from './components/layout';
import { NotFoundPage } from './pages/not-found';
import { ProjectsPage } from './pages/projects';
import { ProjectRunsPage } from './pages/project-runs';
import { ProjectSettingsPage } from './pages/project-settings';
import { RunPage } from './pages/run';
import { SignInPage } from './pages/sign-in';
import { SessionProvider, useSession } from './session';

/** The UI's paths, in one place: every link is made here. */
export const paths = {
  projects: () => '/',
  signIn: (returnTo?: string) => (returnTo && returnTo !== '/' ? `/sign-in?return_to=${encodeURIComponent(returnTo)}` : '/sign-in'),
  project: (id: string) => `/projects/${id}`,
  projectSettings: (id: string) => `/projects/${id}/settings`,
  run: (id: string) => `/runs/${id}`,
};

/** Sends whoever is not signed in to the sign-in page, and back where they were afterwards. */
function SignedIn({ children }: { children: preact.ComponentChildren }) {
  const { me } = useSession();
  const location = useLocation();
  useEffect(() => {
    if (me === null && location.path !== '/sign-in') location.route(paths.signIn(location.url), true);
  }, [me, location.path]);
  if (me === undefined) return <p class="muted page-pad" aria-busy="true">Loading…</p>;
  if (me === null) return null;
  return <>{children}</>;
}

function Pages() {
  const location = useLocation();
  if (location.path === '/sign-in') return <SignInPage />;
  return (
    <SignedIn>
      <Layout>
        <ErrorBoundary>
          <Router>
            <Route path="/" component={ProjectsPage} />
            <Route path="/projects/:id" component={ProjectRunsPage} />
            <Route path="/projects/:id/settings" component={ProjectSettingsPage} />
            <Route path="/runs/:id" component={RunPage} />
            <Route default component={NotFoundPage} />
          </Router>
        </ErrorBoundary>
      </Layout>
    </SignedIn>
  );
}

/** The UI's own paths: links to anything else (the API's /auth/github, a raw log) are left to the browser. */
const UI_PATHS = /^\/(?:$|[?#]|sign-in|projects\/|runs\/)/;

export function App() {
  return (
    <LocationProvider scope={UI_PATHS}>
      <SessionProvider>
        <Pages />
      </SessionProvider>
    </LocationProvider>
  );
}
