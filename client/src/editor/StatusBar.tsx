import { nextMoves, type Role, type StoryStatus, type WorkflowMove } from '@copydesk/shared';
import { useState } from 'react';
import { changeStatus } from '../api/endpoints';
import { ApiError, errorMessage } from '../api/http';
import { RelativeTime } from '../common/RelativeTime';
import { StatusPill, statusLabel } from '../common/StatusPill';
import type { LiveStory, StatusMove } from './useLiveStory';

interface StatusBarProps {
  storyId: string;
  role: Role;
  status: StoryStatus | null;
  /** How the story got its current status, when known. */
  move: StatusMove | null;
  readOnlyReason: string | null;
  live: Pick<LiveStory, 'applyChange' | 'refresh'>;
}

export function LockIcon() {
  return (
    <svg width="12" height="14" viewBox="0 0 12 14" aria-hidden="true" focusable="false">
      <rect x="1" y="6" width="10" height="7.5" rx="1.5" fill="currentColor" />
      <path d="M3.5 6V4a2.5 2.5 0 0 1 5 0v2" fill="none" stroke="currentColor" strokeWidth="1.6" />
    </svg>
  );
}

/** "Approved by Carla Chief 2 min ago" (as much as is known). */
export function MoveNote({ status, move }: { status: StoryStatus; move: StatusMove | null }) {
  const known = move?.to === status ? move : null;
  return (
    <>
      {statusLabel(status)}
      {known?.byName ? <> by {known.byMe ? 'you' : <b>{known.byName}</b>}</> : null}
      {known?.at ? (
        <>
          {' '}
          <RelativeTime iso={known.at} />
        </>
      ) : null}
    </>
  );
}

const moveError = (error: unknown): string => {
  if (error instanceof ApiError) {
    if (error.status === 403) return `Not allowed: ${error.message}`;
    if (error.status === 409) return `Not done: ${error.message}`;
  }
  return `Could not change the status. ${errorMessage(error)}`;
};

const BUSY: Record<string, string> = {
  'Send for review': 'Sending…',
  Approve: 'Approving…',
  'Send back': 'Sending back…',
  Publish: 'Publishing…',
  Reopen: 'Reopening…',
  'Reopen to correct': 'Reopening…',
};

/** While a move is on its way the button says what is happening. */
const busyLabel = (move: WorkflowMove): string => BUSY[move.action] ?? 'Working…';

/**
 * Bottom bar: the status, the workflow moves open to your role (from the shared table the
 * server enforces), and why the text is locked when it is.
 */
export function StatusBar({ storyId, role, status, move, readOnlyReason, live }: StatusBarProps) {
  const [busy, setBusy] = useState<WorkflowMove | null>(null);
  const [error, setError] = useState<string | null>(null);
  const moves = status ? nextMoves(role, status) : [];
  const locked = status === 'approved' || status === 'published';

  const run = async (next: WorkflowMove) => {
    setBusy(next);
    setError(null);
    try {
      live.applyChange(await changeStatus(storyId, next.to));
    } catch (caught) {
      setError(moveError(caught));
      if (caught instanceof ApiError && (caught.status === 409 || caught.status === 403)) {
        live.refresh();
      }
    } finally {
      setBusy(null);
    }
  };

  return (
    <footer className="status-bar" data-testid="status-bar">
      <span className="status-bar-label">Status</span>
      <output aria-live="polite" className="status-bar-status" data-testid="story-status">
        {status ? <StatusPill status={status} /> : <span className="muted">…</span>}
      </output>
      {status && locked && !readOnlyReason ? (
        <span className="status-note" data-testid="status-note">
          <LockIcon />{' '}
          {move?.to === status ? (
            <>
              <MoveNote status={status} move={move} /> · locked for editors
            </>
          ) : (
            'Locked for editors'
          )}
        </span>
      ) : null}
      {readOnlyReason ? (
        <span className="read-only-note" data-testid="read-only-note">
          <LockIcon /> {readOnlyReason}
        </span>
      ) : null}
      <span className="status-bar-actions">
        {error ? (
          <span className="status-error" role="alert" data-testid="workflow-error">
            <span className="status-error-text" title={error}>
              {error}
            </span>
            <button
              type="button"
              className="icon-button status-error-close"
              aria-label="Dismiss the message"
              onClick={() => setError(null)}
            >
              ×
            </button>
          </span>
        ) : null}
        {moves.map((candidate) => (
          <button
            key={candidate.to}
            type="button"
            className={`button ${candidate.to === 'draft' ? '' : 'button-primary'}`}
            data-testid={`workflow-${candidate.to}`}
            disabled={busy !== null}
            onClick={() => void run(candidate)}
          >
            {busy === candidate ? busyLabel(candidate) : candidate.action}
          </button>
        ))}
      </span>
    </footer>
  );
}
