// One comment thread in the Comments tab: its anchor, comments, reply form and resolve toggle.
import { COMMENT_MAX_CHARS, type CommentThread, type CommentView } from '@copydesk/shared';
import { type FormEvent, useState } from 'react';
import { replyToComment, setThreadResolved } from '../api/endpoints';
import { errorMessage } from '../api/http';
import { Avatar } from '../common/Avatar';
import { RelativeTime } from '../common/RelativeTime';
import type { StorySession } from '../editor/storySession';
import { CommentText } from './CommentText';
import { anchorLabel, shortQuote } from './commentLabels';
import { revealAnchor } from './revealAnchor';
import { submitOnModEnter } from './submitOnModEnter';

function CommentBody({ comment }: { comment: CommentView }) {
  return (
    <div className="comment">
      <div className="comment-head">
        <Avatar name={comment.author.displayName} color={comment.author.color} size="small" />
        <span className="comment-author">{comment.author.displayName}</span>
        <RelativeTime iso={comment.createdAt} />
      </div>
      <CommentText text={comment.text} />
    </div>
  );
}

export function Thread({
  thread,
  session,
  writer,
  onChanged,
}: {
  thread: CommentThread;
  session: StorySession;
  writer: boolean;
  onChanged: (thread: CommentThread) => void;
}) {
  const [reply, setReply] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  const { anchor } = thread;

  const run = async (action: () => Promise<CommentThread>) => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await action());
      return true;
    } catch (caught) {
      setError(errorMessage(caught));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const sendReply = async (event: FormEvent) => {
    event.preventDefault();
    if (!reply.trim()) return;
    if (await run(() => replyToComment(session.storyId, thread.threadId, reply.trim()))) {
      setReply('');
    }
  };

  const reveal = () => setMissing(!revealAnchor(session, anchor));
  const quote = anchor.state === 'ok' ? anchor.quote : anchor.originalQuote;

  return (
    <li
      className={`thread${thread.resolved ? ' thread-resolved' : ''}`}
      data-testid="comment-thread"
      data-state={anchor.state}
    >
      <button
        type="button"
        className="thread-anchor"
        onClick={reveal}
        title="Show in the story"
        data-testid="thread-anchor"
      >
        <span className="thread-field">{anchorLabel(thread)}</span>
        {anchor.state === 'collapsed' ? (
          <span className="anchor-state" title="The commented text was deleted">
            text deleted
          </span>
        ) : null}
        {anchor.state === 'orphaned' ? (
          <span className="anchor-state" title="The takeaway it was on was removed">
            orphaned
          </span>
        ) : null}
        {quote ? (
          <q className={anchor.state === 'ok' ? 'thread-quote' : 'thread-quote thread-quote-gone'}>
            {shortQuote(quote)}
          </q>
        ) : null}
      </button>
      {missing ? <p className="muted thread-note">This text is no longer in the story.</p> : null}
      <CommentBody comment={thread} />
      {thread.replies.map((r) => (
        <CommentBody key={r.id} comment={r} />
      ))}
      {thread.resolved && thread.resolvedBy ? (
        <p className="thread-note muted">
          Resolved by {thread.resolvedBy.displayName}{' '}
          {thread.resolvedAt ? <RelativeTime iso={thread.resolvedAt} /> : null}
        </p>
      ) : null}
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {writer ? (
        <div className="thread-actions">
          {thread.resolved ? null : (
            <form className="thread-reply" onSubmit={sendReply}>
              <label className="visually-hidden" htmlFor={`reply-${thread.threadId}`}>
                Reply
              </label>
              <textarea
                id={`reply-${thread.threadId}`}
                className="input comment-input"
                rows={1}
                placeholder="Reply…"
                data-testid="comment-reply-input"
                maxLength={COMMENT_MAX_CHARS}
                value={reply}
                onChange={(e) => setReply(e.target.value)}
                onKeyDown={submitOnModEnter}
              />
              <button
                type="submit"
                className="button"
                disabled={busy || !reply.trim()}
                data-testid="comment-reply"
              >
                Reply
              </button>
            </form>
          )}
          <button
            type="button"
            className="button button-quiet"
            disabled={busy}
            data-testid={thread.resolved ? 'comment-reopen' : 'comment-resolve'}
            onClick={() =>
              void run(() => setThreadResolved(session.storyId, thread.threadId, !thread.resolved))
            }
          >
            {thread.resolved ? 'Reopen' : 'Resolve'}
          </button>
        </div>
      ) : null}
    </li>
  );
}
