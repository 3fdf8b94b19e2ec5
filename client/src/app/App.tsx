import type { PublicUser } from '@copydesk/shared';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { fetchMe, logout } from '../api/endpoints';
import { ApiError, errorMessage, onUnauthorized } from '../api/http';
import { MentionToasts } from '../comments/MentionToasts';
import { ErrorState, LoadingState } from '../common/States';
import { DeskPage } from '../desk/DeskPage';
import { LoginPage } from '../login/LoginPage';
import { useDeskPresenceLink } from '../presence/usePresence';
import { ErrorBoundary } from './ErrorBoundary';
import { parseRoute, useHash } from './route';

// The editor (CodeMirror, Yjs) loads only when a story is opened, keeping sign-in and desk light.
const StoryPage = lazy(() => import('../editor/StoryPage').then((m) => ({ default: m.StoryPage })));
const MonitorPage = lazy(() =>
  import('../monitor/MonitorPage').then((m) => ({ default: m.MonitorPage })),
);

type SessionState =
  | { kind: 'checking' }
  | { kind: 'signedOut' }
  | { kind: 'unreachable'; message: string }
  | { kind: 'signedIn'; user: PublicUser };

export function App() {
  const [session, setSession] = useState<SessionState>({ kind: 'checking' });
  const [attempt, setAttempt] = useState(0);
  const route = parseRoute(useHash());

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` re-runs the check on Retry.
  useEffect(() => {
    const controller = new AbortController();
    fetchMe(controller.signal)
      .then((user) => setSession({ kind: 'signedIn', user }))
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.status === 401) setSession({ kind: 'signedOut' });
        else setSession({ kind: 'unreachable', message: errorMessage(error) });
      });
    return () => controller.abort();
  }, [attempt]);

  // Desk-wide presence (Socket.IO) lives as long as the sign-in, across screens.
  useDeskPresenceLink(session.kind === 'signedIn' ? session.user : null);

  // Any API call answering 401 means the session ended (expired, signed out elsewhere).
  useEffect(() => onUnauthorized(() => setSession({ kind: 'signedOut' })), []);

  const signOut = useCallback(async () => {
    try {
      await logout();
    } finally {
      setSession({ kind: 'signedOut' });
    }
  }, []);

  switch (session.kind) {
    case 'checking':
      return <LoadingState label="Opening Copydesk…" />;
    case 'unreachable':
      return <ErrorState message={session.message} onRetry={() => setAttempt((n) => n + 1)} />;
    case 'signedOut':
      return <LoginPage onSignedIn={(user) => setSession({ kind: 'signedIn', user })} />;
    case 'signedIn':
      return (
        <>
          {renderSignedIn(session.user)}
          <MentionToasts userId={session.user.id} />
        </>
      );
  }

  function renderSignedIn(user: PublicUser) {
    if (route.name === 'monitor') {
      return (
        <ErrorBoundary key="monitor">
          <Suspense fallback={<LoadingState label="Opening the monitor…" />}>
            <MonitorPage user={user} onSignOut={signOut} />
          </Suspense>
        </ErrorBoundary>
      );
    }
    return route.name === 'story' ? (
      <ErrorBoundary key={route.storyId}>
        <Suspense fallback={<LoadingState label="Opening story…" />}>
          <StoryPage
            key={route.storyId}
            storyId={route.storyId}
            watch={route.watch}
            user={user}
            onSignOut={signOut}
            onSessionEnded={() => setSession({ kind: 'signedOut' })}
          />
        </Suspense>
      </ErrorBoundary>
    ) : (
      <DeskPage user={user} onSignOut={signOut} />
    );
  }
}
