import { type ActivityEntry, activityPredicate } from '@copydesk/shared';
import { Avatar } from '../common/Avatar';
import { RelativeTime } from '../common/RelativeTime';
import { ErrorState, LoadingState } from '../common/States';
import type { StoryActivity } from './useStoryActivity';

function ActivityItem({ entry, selfId }: { entry: ActivityEntry; selfId: string }) {
  const name = entry.userId === selfId ? 'You' : entry.userName;
  return (
    <li
      className={`activity-item${entry.open ? ' activity-open' : ''}`}
      data-testid="activity-item"
      data-field={entry.field}
    >
      <Avatar name={entry.userName} color={entry.userColor} size="small" />
      <span className="activity-text">
        <span className="activity-sentence">
          <b>{name}</b> {activityPredicate(entry)}
        </span>
        <span className="activity-time">
          <RelativeTime iso={entry.lastAt} />
          {entry.open ? <span className="activity-live"> · still editing</span> : null}
        </span>
      </span>
    </li>
  );
}

/** The Activity tab: who changed what, newest first, live. */
export function ActivityPanel({ activity, selfId }: { activity: StoryActivity; selfId: string }) {
  const { state, reload } = activity;
  if (state.kind === 'loading') return <LoadingState label="Loading activity…" />;
  if (state.kind === 'error') {
    return (
      <ErrorState message={`Could not load the activity. ${state.message}`} onRetry={reload} />
    );
  }
  if (state.entries.length === 0) {
    return (
      <p className="panel-empty" data-testid="activity-empty">
        No activity yet — edits, comments and status moves will appear here as they happen.
      </p>
    );
  }
  return (
    <ol className="activity-list" data-testid="activity-list" aria-label="Activity, newest first">
      {state.entries.map((entry) => (
        <ActivityItem key={entry.id} entry={entry} selfId={selfId} />
      ))}
    </ol>
  );
}
