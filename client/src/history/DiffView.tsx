import {
  type DiffRun,
  HISTORY_TEXT_FIELDS,
  type HistoryTextField,
  type HistoryUser,
  type StoryDiff,
  type TakeawayDiff,
  type TextDiff,
} from '@copydesk/shared';
import { type CSSProperties, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { fetchDiff } from '../api/endpoints';
import { errorMessage } from '../api/http';
import { Avatar, safeColor } from '../common/Avatar';
import { formatExact } from '../common/clock';
import { ErrorState, LoadingState } from '../common/States';
import { noteHistoryError } from './availability';
import type { Comparison } from './HistoryPanel';

const FIELD_LABELS: Record<HistoryTextField, string> = {
  headline: 'Headline',
  dateline: 'Dateline',
  source: 'Source',
  synopsis: 'Synopsis',
  body: 'Body',
  byline: 'Byline',
};

/** Fields in the order of the story; byline only when it changed (the editor has no byline). */
const ORDER: HistoryTextField[] = ['headline', 'dateline', 'source', 'synopsis'];

const authorStyle = (user: HistoryUser | undefined): CSSProperties | undefined => {
  if (!user) return undefined;
  const color = safeColor(user.color);
  return { '--author': color, '--author-bg': `${color}2e` } as CSSProperties;
};

function Runs({ runs, users }: { runs: DiffRun[]; users: Record<string, HistoryUser> }) {
  return (
    <>
      {runs.map((run, index) => {
        const user = run.userId ? users[run.userId] : undefined;
        const key = `${index}:${run.op}`;
        if (run.op === 'same') return <span key={key}>{run.text}</span>;
        if (run.op === 'added') {
          return (
            <ins
              key={key}
              className="diff-added"
              style={authorStyle(user)}
              title={user ? `Added by ${user.displayName}` : 'Added'}
            >
              {run.text}
            </ins>
          );
        }
        return (
          <del
            key={key}
            className="diff-removed"
            style={authorStyle(user)}
            title={user ? `Removed by ${user.displayName}` : 'Removed'}
          >
            {run.text}
          </del>
        );
      })}
    </>
  );
}

function FieldDiff({
  field,
  diff,
  users,
}: {
  field: HistoryTextField;
  diff: TextDiff;
  users: Record<string, HistoryUser>;
}) {
  const empty = diff.runs.every((run) => run.text === '');
  return (
    <section
      className={`diff-field${diff.changed ? ' diff-changed' : ' diff-same'}`}
      data-testid={`diff-${field}`}
      data-changed={diff.changed}
    >
      <h3 className="story-field-label">
        {FIELD_LABELS[field]}
        <span className="diff-count">
          {diff.changed ? `+${diff.wordsAdded} −${diff.wordsRemoved} words` : 'unchanged'}
        </span>
      </h3>
      <p className={`diff-text${field === 'headline' ? ' diff-headline' : ''}`}>
        {empty ? <span className="muted">(empty)</span> : <Runs runs={diff.runs} users={users} />}
      </p>
    </section>
  );
}

const changeLabel = (item: TakeawayDiff, change: TakeawayDiff['changes'][number]): string => {
  if (change === 'moved' && item.fromIndex !== null) return `Moved from ${item.fromIndex + 1}`;
  return change.charAt(0).toUpperCase() + change.slice(1);
};

function TakeawaysDiff({
  items,
  users,
}: {
  items: TakeawayDiff[];
  users: Record<string, HistoryUser>;
}) {
  const changed = items.some((item) => item.changes.length > 0);
  return (
    <section
      className={`diff-field${changed ? ' diff-changed' : ' diff-same'}`}
      data-testid="diff-takeaways"
    >
      <h3 className="story-field-label">
        Key takeaways
        <span className="diff-count">{changed ? '' : 'unchanged'}</span>
      </h3>
      {items.length === 0 ? <p className="muted">(none)</p> : null}
      <ol className="diff-takeaways">
        {items.map((item, index) => {
          const removed = item.changes.includes('removed');
          return (
            <li
              // biome-ignore lint/suspicious/noArrayIndexKey: a comparison is rendered once, never reordered.
              key={index}
              className={`diff-takeaway${removed ? ' diff-takeaway-removed' : ''}`}
              data-testid="diff-takeaway"
              data-changes={item.changes.join(' ')}
            >
              <span className="takeaway-number" aria-hidden="true">
                {item.toIndex !== null ? `${item.toIndex + 1}.` : '–'}
              </span>
              <span className="diff-takeaway-text">
                {item.changes.map((change) => (
                  <span key={change} className={`diff-badge diff-badge-${change}`}>
                    {changeLabel(item, change)}
                  </span>
                ))}
                {removed ? (
                  <del className="diff-removed">{item.text}</del>
                ) : item.diff.changed ? (
                  <Runs runs={item.diff.runs} users={users} />
                ) : (
                  item.text
                )}
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

const pointTime = (at: string | null): string => (at ? formatExact(Date.parse(at)) : 'empty');

/** Field-by-field comparison of two points of a story, in the authors' colours. */
export function DiffView({
  storyId,
  comparison,
  onClose,
}: {
  storyId: string;
  comparison: Comparison;
  onClose: () => void;
}) {
  const [state, setState] = useState<
    { kind: 'loading' } | { kind: 'ok'; diff: StoryDiff } | { kind: 'error'; message: string }
  >({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const closeRef = useRef<HTMLButtonElement>(null);
  const { from, against } = comparison;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` re-runs the load on Retry.
  useEffect(() => {
    const controller = new AbortController();
    setState({ kind: 'loading' });
    fetchDiff(storyId, from, against, controller.signal)
      .then((diff) => {
        if (!controller.signal.aborted) setState({ kind: 'ok', diff });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        setState({
          kind: 'error',
          message: noteHistoryError(error)
            ? 'Comparisons are not available on this server yet.'
            : errorMessage(error),
        });
      });
    return () => controller.abort();
  }, [storyId, from, against, attempt]);

  useEffect(() => closeRef.current?.focus(), []);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
    }
  };

  const diff = state.kind === 'ok' ? state.diff : null;
  const authors = diff ? Object.values(diff.users) : [];
  return (
    <article
      className="story-fields diff-view"
      aria-labelledby="diff-title"
      data-testid="diff-view"
      onKeyDown={onKeyDown}
    >
      <header className="diff-header">
        <div>
          <h2 id="diff-title" className="diff-title">
            {diff ? `${diff.from.label} → ${diff.to.label}` : 'Comparing…'}
          </h2>
          {diff ? (
            <p className="diff-when">
              {pointTime(diff.from.at)} → {pointTime(diff.to.at)}
            </p>
          ) : null}
        </div>
        <button
          ref={closeRef}
          type="button"
          className="button"
          data-testid="diff-close"
          onClick={onClose}
        >
          Back to the story <kbd>Esc</kbd>
        </button>
      </header>
      {state.kind === 'loading' ? <LoadingState label="Comparing…" /> : null}
      {state.kind === 'error' ? (
        <ErrorState
          message={`Could not compare. ${state.message}`}
          onRetry={() => setAttempt((n) => n + 1)}
        />
      ) : null}
      {diff ? (
        <>
          <p className="diff-summary" data-testid="diff-summary">
            {diff.changed ? diff.summary : 'No differences.'}
          </p>
          {authors.length > 0 ? (
            <ul className="diff-legend" aria-label="Authors">
              {authors.map((user) => (
                <li key={user.id} style={authorStyle(user)}>
                  <Avatar name={user.displayName} color={user.color} size="small" />
                  <span className="diff-legend-name">{user.displayName}</span>
                </li>
              ))}
              <li className="diff-legend-key">
                <ins className="diff-added">added</ins> <del className="diff-removed">removed</del>
              </li>
            </ul>
          ) : null}
          {ORDER.map((field) => (
            <FieldDiff key={field} field={field} diff={diff.fields[field]} users={diff.users} />
          ))}
          <TakeawaysDiff items={diff.takeaways} users={diff.users} />
          <FieldDiff field="body" diff={diff.fields.body} users={diff.users} />
          {HISTORY_TEXT_FIELDS.filter((f) => f === 'byline' && diff.fields[f].changed).map((f) => (
            <FieldDiff key={f} field={f} diff={diff.fields[f]} users={diff.users} />
          ))}
        </>
      ) : null}
    </article>
  );
}
