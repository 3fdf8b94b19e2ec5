import { canWrite, type PublicUser } from '@copydesk/shared';
import { useCallback, useRef, useState } from 'react';
import { navigate, storyHref } from '../app/route';
import { ErrorState, LoadingState } from '../common/States';
import { TopBar } from '../common/TopBar';
import { useDeskChanges } from '../history/useDeskChanges';
import { NewStoryDialog } from '../newStory/NewStoryDialog';
import { useReportLocation } from '../presence/usePresence';
import { DeskTable } from './DeskTable';
import { StatusFilter, type StatusFilterValue } from './StatusFilter';
import { useDeskShortcuts } from './useDeskShortcuts';
import { useStoryList } from './useStoryList';

interface DeskPageProps {
  user: PublicUser;
  onSignOut: () => void;
}

export function DeskPage({ user, onSignOut }: DeskPageProps) {
  const { stories, error, reload } = useStoryList();
  const changes = useDeskChanges();
  const [status, setStatus] = useState<StatusFilterValue>('all');
  const [query, setQuery] = useState('');
  const [creating, setCreating] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const writer = canWrite(user.role);
  useReportLocation(null);

  const focusSearch = useCallback(() => searchRef.current?.focus(), []);
  const openNewStory = useCallback(() => setCreating(true), []);
  useDeskShortcuts({
    onSearch: focusSearch,
    ...(writer ? { onNewStory: openNewStory } : {}),
    enabled: !creating,
  });

  const needle = query.trim().toLocaleLowerCase();
  const visible = (stories ?? []).filter(
    (story) =>
      (status === 'all' || story.status === status) &&
      (!needle || story.headline.toLocaleLowerCase().includes(needle)),
  );

  const renderList = () => {
    if (stories === null) {
      return error ? (
        <ErrorState message={`Could not load the desk. ${error}`} onRetry={reload} />
      ) : (
        <LoadingState label="Loading stories…" />
      );
    }
    if (stories.length === 0) {
      return (
        <div className="state state-empty" data-testid="desk-empty">
          <p>No stories yet — paste wire copy to start.</p>
          {writer ? (
            <button type="button" className="button button-primary" onClick={openNewStory}>
              New story
            </button>
          ) : null}
        </div>
      );
    }
    if (visible.length === 0) {
      return <div className="state state-empty">No stories match this filter.</div>;
    }
    return <DeskTable stories={visible} changes={changes} />;
  };

  return (
    <div className="page">
      <TopBar user={user} onSignOut={onSignOut} />
      <main className="desk">
        <div className="desk-toolbar">
          <h1 className="desk-title">Stories</h1>
          <input
            ref={searchRef}
            type="search"
            className="input desk-search"
            placeholder="Search headlines  /"
            aria-label="Search headlines"
            aria-keyshortcuts="/"
            data-testid="desk-search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          {stories ? <StatusFilter value={status} stories={stories} onChange={setStatus} /> : null}
          {writer ? (
            <button
              type="button"
              className="button button-primary desk-new"
              data-testid="new-story"
              aria-keyshortcuts="n"
              onClick={openNewStory}
            >
              New story <kbd>n</kbd>
            </button>
          ) : null}
        </div>
        {stories !== null && error ? (
          <p className="desk-stale" role="status">
            Could not refresh the desk ({error}). Retrying…
          </p>
        ) : null}
        {renderList()}
      </main>
      {creating ? (
        <NewStoryDialog
          onClose={() => setCreating(false)}
          onCreated={(story) => navigate(storyHref(story.id))}
        />
      ) : null}
    </div>
  );
}
