import {
  COMMENT_MAX_CHARS,
  type CommentAnchorInput,
  type CommentField,
  type CommentThread,
  type CommentView,
  canWrite,
  type FieldRef,
  type PublicUser,
  presenceFieldLabel,
} from '@copydesk/shared';
import { type FormEvent, type KeyboardEvent, useState, useSyncExternalStore } from 'react';
import { createComment, replyToComment, setThreadResolved } from '../api/endpoints';
import { errorMessage } from '../api/http';
import { Avatar } from '../common/Avatar';
import { RelativeTime } from '../common/RelativeTime';
import { ErrorState, LoadingState } from '../common/States';
import type { StorySession } from '../editor/storySession';
import type { LastSelection } from './editorRegistry';
import { revealAnchor } from './revealAnchor';
import type { StoryComments } from './useComments';

const MENTION = /(?<![\p{L}\p{N}_.@])@[A-Za-z0-9][A-Za-z0-9._-]{0,63}/gu;

/** Comment text as text, with `@username` mentions set off (never parsed as HTML). */
export function CommentText({ text }: { text: string }) {
  const parts: { text: string; mention: boolean }[] = [];
  let at = 0;
  for (const match of text.matchAll(MENTION)) {
    const index = match.index ?? 0;
    if (index > at) parts.push({ text: text.slice(at, index), mention: false });
    parts.push({ text: match[0], mention: true });
    at = index + match[0].length;
  }
  if (at < text.length) parts.push({ text: text.slice(at), mention: false });
  return (
    <p className="comment-text">
      {parts.map((part, i) =>
        part.mention ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one immutable string
          <span key={i} className="mention">
            {part.text}
          </span>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one immutable string
          <span key={i}>{part.text}</span>
        ),
      )}
    </p>
  );
}

const anchorFor = (selection: LastSelection): CommentAnchorInput => {
  const takeaway = /^takeaway:(\d+)$/.exec(selection.field);
  const base = { from: selection.from, to: selection.to, quote: selection.quote };
  if (takeaway) return { ...base, field: 'takeaway', takeawayIndex: Number(takeaway[1]) };
  return { ...base, field: selection.field as CommentField };
};

const fieldName = (field: FieldRef): string => presenceFieldLabel(field);

const shortQuote = (quote: string): string =>
  quote.length > 60 ? `${quote.slice(0, 57)}…` : quote;

/** Ctrl/⌘+Enter submits the form the textarea is in. */
const submitOnModEnter = (event: KeyboardEvent<HTMLTextAreaElement>) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    event.currentTarget.form?.requestSubmit();
  }
};

function NewComment({
  session,
  onCreated,
}: {
  session: StorySession;
  onCreated: (thread: CommentThread) => void;
}) {
  const selection = useSyncExternalStore(session.editors.subscribe, session.editors.getLast);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!selection || !text.trim() || busy) return;
    setBusy(true);
    setError(null);
    try {
      const thread = await createComment(session.storyId, {
        anchor: anchorFor(selection),
        text: text.trim(),
      });
      setText('');
      onCreated(thread);
    } catch (caught) {
      setError(`Could not add the comment. ${errorMessage(caught)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="comment-new" onSubmit={submit} data-testid="comment-new">
      <p className="comment-target" data-testid="comment-target">
        {selection ? (
          <>
            On <b>{fieldName(selection.field)}</b>
            {selection.quote ? <> · “{shortQuote(selection.quote)}”</> : ' · at the caret'}
          </>
        ) : (
          'Select text in a field (or click into one) to comment on it.'
        )}
      </p>
      <label className="visually-hidden" htmlFor="comment-new-text">
        Comment
      </label>
      <textarea
        id="comment-new-text"
        className="input comment-input"
        data-testid="comment-input"
        placeholder="Comment… @username to mention (Ctrl+Enter to send)"
        rows={2}
        maxLength={COMMENT_MAX_CHARS}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={submitOnModEnter}
      />
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <button
        type="submit"
        className="button button-primary"
        data-testid="comment-submit"
        disabled={!selection || !text.trim() || busy}
      >
        {busy ? 'Adding…' : 'Comment'}
      </button>
    </form>
  );
}

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

const anchorLabel = (thread: CommentThread): string => {
  const { anchor } = thread;
  if (anchor.state === 'orphaned') {
    return anchor.field === 'takeaway' ? 'A removed takeaway' : `${anchor.field} (gone)`;
  }
  return anchor.fieldRef ? fieldName(anchor.fieldRef) : anchor.field;
};

function Thread({
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
