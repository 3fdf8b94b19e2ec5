import { type PublicUser, STATUSES, type StorySummary } from '@copydesk/shared';
import { useNow } from '../common/clock';
import { ErrorState, LoadingState } from '../common/States';
import { StatusPill } from '../common/StatusPill';
import { TopBar } from '../common/TopBar';
import { useReportLocation } from '../presence/usePresence';
import { FRESH_MS, MonitorCard } from './MonitorCard';
import { useMonitor } from './useMonitor';

const byUpdatedDesc = (a: StorySummary, b: StorySummary): number =>
  Date.parse(b.updatedAt) - Date.parse(a.updatedAt);

/** The chief's monitor: every story as a live card, in columns by status. */
export function MonitorPage({ user, onSignOut }: { user: PublicUser; onSignOut: () => void }) {
  const { stories, error, metrics, unresolved, reload } = useMonitor();
  const now = useNow();
  useReportLocation(null);

  const board = () => {
    if (stories === null) {
      return error ? (
        <ErrorState message={`Could not load the desk. ${error}`} onRetry={reload} />
      ) : (
        <LoadingState label="Loading the monitor…" />
      );
    }
    if (stories.length === 0) {
      return (
        <div className="state state-empty" data-testid="monitor-empty">
          <p>No stories on the desk yet — they appear here as soon as someone creates one.</p>
        </div>
      );
    }
    return (
      <div className="monitor-board">
        {STATUSES.map((status) => {
          const column = stories.filter((s) => s.status === status).sort(byUpdatedDesc);
          return (
            <section
              key={status}
              className="monitor-column"
              data-testid="monitor-column"
              data-status={status}
              aria-label={`${status.replace('_', ' ')} stories`}
            >
              <h2 className="monitor-column-head">
                <StatusPill status={status} />
                <span className="monitor-column-count">{column.length}</span>
              </h2>
              {column.length === 0 ? (
                <p className="panel-empty monitor-column-empty">None</p>
              ) : (
                <ol className="monitor-cards">
                  {column.map((story) => (
                    <MonitorCard
                      key={story.id}
                      story={story}
                      metrics={metrics.get(story.id)}
                      unresolved={unresolved.get(story.id) ?? 0}
                      fresh={now - Date.parse(story.updatedAt) < FRESH_MS}
                    />
                  ))}
                </ol>
              )}
            </section>
          );
        })}
      </div>
    );
  };

  return (
    <div className="page">
      <TopBar user={user} onSignOut={onSignOut} />
      <main className="monitor" data-testid="monitor">
        <div className="desk-toolbar">
          <h1 className="desk-title">Monitor</h1>
          <span className="muted">Live · click a story to watch it</span>
        </div>
        {stories !== null && error ? (
          <p className="desk-stale" role="status">
            Could not refresh ({error}). Retrying…
          </p>
        ) : null}
        {board()}
      </main>
    </div>
  );
}
