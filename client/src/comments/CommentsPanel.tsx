import { canWrite, type PublicUser } from '@copydesk/shared';
import { useState } from 'react';
import { ErrorState, LoadingState } from '../common/States';
import type { StorySession } from '../editor/storySession';
import { NewComment } from './NewComment';
import { Thread } from './Thread';
import type { StoryComments } from './useComments';

export { CommentText } from './CommentText';

/** The Comments tab: new comment on the selection, open threads, then resolved ones. */
export function CommentsPanel({
  session,
  user,
  comments,
}: {
  session: StorySession;
  user: PublicUser;
  comments: StoryComments;
}) {
  const [showResolved, setShowResolved] = useState(false);
  const writer = canWrite(user.role);
  const { state } = comments;
  const body = () => {
    if (state.kind === 'loading') return <LoadingState label="Loading comments…" />;
    if (state.kind === 'error') {
      return (
        <ErrorState
          message={`Could not load the comments. ${state.message}`}
          onRetry={comments.reload}
        />
      );
    }
    const open = state.threads.filter((t) => !t.resolved);
    const resolved = state.threads.filter((t) => t.resolved);
    const list = showResolved ? [...open, ...resolved] : open;
    return (
      <>
        {state.threads.length === 0 ? (
          <p className="panel-empty" data-testid="comments-empty">
            No comments yet —{' '}
            {writer ? 'select text in a field and comment on it.' : 'nobody has commented.'}
          </p>
        ) : open.length === 0 && !showResolved ? (
          <p className="panel-empty">All comments are resolved.</p>
        ) : null}
        <ol className="thread-list" data-testid="comment-list" aria-label="Comment threads">
          {list.map((thread) => (
            <Thread
              key={thread.threadId}
              thread={thread}
              session={session}
              writer={writer}
              onChanged={comments.upsert}
            />
          ))}
        </ol>
        {resolved.length > 0 ? (
          <button
            type="button"
            className="button button-quiet"
            aria-pressed={showResolved}
            data-testid="comments-show-resolved"
            onClick={() => setShowResolved((on) => !on)}
          >
            {showResolved ? 'Hide resolved' : `Show ${resolved.length} resolved`}
          </button>
        ) : null}
      </>
    );
  };
  return (
    <div className="comments" data-testid="comments-panel">
      {writer ? <NewComment session={session} onCreated={comments.upsert} /> : null}
      {body()}
    </div>
  );
}
