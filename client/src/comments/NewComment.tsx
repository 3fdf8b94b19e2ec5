// The new-comment form: comments on the editor's last selection.
import {
  COMMENT_MAX_CHARS,
  type CommentAnchorInput,
  type CommentField,
  type CommentThread,
} from '@copydesk/shared';
import { type FormEvent, useState, useSyncExternalStore } from 'react';
import { createComment } from '../api/endpoints';
import { errorMessage } from '../api/http';
import type { StorySession } from '../editor/storySession';
import { fieldName, shortQuote } from './commentLabels';
import type { LastSelection } from './editorRegistry';
import { submitOnModEnter } from './submitOnModEnter';

const anchorFor = (selection: LastSelection): CommentAnchorInput => {
  const takeaway = /^takeaway:(\d+)$/.exec(selection.field);
  const base = { from: selection.from, to: selection.to, quote: selection.quote };
  if (takeaway) return { ...base, field: 'takeaway', takeawayIndex: Number(takeaway[1]) };
  return { ...base, field: selection.field as CommentField };
};

export function NewComment({
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
