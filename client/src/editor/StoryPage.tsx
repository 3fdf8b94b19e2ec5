import { canWrite, type PublicUser } from '@copydesk/shared';
import { useEffect } from 'react';
import { ApiError, errorMessage } from '../api/http';
import { deskHref } from '../app/route';
import { ErrorState, LoadingState } from '../common/States';
import { TopBar } from '../common/TopBar';
import { deskPresence } from '../presence/deskPresence';
import { useReportLocation } from '../presence/usePresence';
import { LiveConnectionIndicator, StoryLoading } from './ConnectionIndicator';
import { StoryEditor } from './StoryEditor';
import { useLiveStory } from './useLiveStory';
import { useStorySession } from './useStorySession';

interface StoryPageProps {
  storyId: string;
  /** Watch mode (`?watch=1`): read-only until the chief chooses to edit, activity open. */
  watch?: boolean;
  user: PublicUser;
  onSignOut: () => void;
  /** The sync socket said the session is gone (4401): back to sign-in. */
  onSessionEnded: () => void;
}

export function StoryPage({
  storyId,
  watch = false,
  user,
  onSignOut,
  onSessionEnded,
}: StoryPageProps) {
  const writable = canWrite(user.role);
  const { session, ready } = useStorySession(storyId, user, writable);
  // The server-owned part (status), kept live while the editor is open.
  const live = useLiveStory(storyId, user);
  const loaded = live.state;

  // The desk sees which story, field and activity this tab is in.
  useReportLocation(storyId);
  useEffect(
    () =>
      session?.presence.onChange((field, typing) => deskPresence.setFocus(storyId, field, typing)),
    [session, storyId],
  );

  if (loaded.kind === 'error') {
    const { error } = loaded;
    const missing = error instanceof ApiError && (error.status === 404 || error.status === 400);
    const forbidden = error instanceof ApiError && error.status === 403;
    return (
      <div className="page">
        <TopBar user={user} onSignOut={onSignOut} />
        <main className="editor-page">
          <ErrorState
            message={
              missing
                ? 'This story does not exist. It may have been deleted.'
                : forbidden
                  ? 'You do not have access to this story.'
                  : `Could not open the story. ${errorMessage(error)}`
            }
            {...(missing || forbidden ? {} : { onRetry: live.retry })}
          />
          <p className="center">
            <a href={deskHref}>← Back to the desk</a>
          </p>
        </main>
      </div>
    );
  }

  if (!session || !ready) {
    return (
      <div className="page">
        <TopBar
          user={user}
          onSignOut={onSignOut}
          connection={session ? <LiveConnectionIndicator save={session.save} /> : null}
        />
        {session ? <StoryLoading save={session.save} /> : <LoadingState label="Opening story…" />}
      </div>
    );
  }

  return (
    <StoryEditor
      session={session}
      user={user}
      story={loaded.kind === 'ok' ? loaded.story : null}
      live={live}
      watch={watch}
      onSignOut={onSignOut}
      onSessionEnded={onSessionEnded}
    />
  );
}
