import {
  CURRENT_POINT,
  canWrite,
  type HistoryUser,
  type PublicUser,
  SEEN_POINT,
  type VersionSummary,
} from '@copydesk/shared';
import { type FormEvent, useState } from 'react';
import { createVersion } from '../api/endpoints';
import { errorMessage } from '../api/http';
import { Avatar } from '../common/Avatar';
import { RelativeTime } from '../common/RelativeTime';
import { ErrorState, LoadingState } from '../common/States';
import { statusLabel } from '../common/StatusPill';
import { RestoreDialog } from './RestoreDialog';
import { useVersions } from './useVersions';

/** What the main area compares: two points (version ids, `current` or `seen`). */
export interface Comparison {
  from: string;
  against: string;
}

interface HistoryPanelProps {
  storyId: string;
  user: PublicUser;
  comparing: Comparison | null;
  onCompare: (comparison: Comparison) => void;
}

export const versionTitle = (v: VersionSummary): string => {
  switch (v.reason) {
    case 'named':
      return v.name ?? 'Named version';
    case 'created':
      return 'Story created';
    case 'status':
      return v.previousStatus
        ? `${statusLabel(v.previousStatus)} → ${statusLabel(v.status)}`
        : statusLabel(v.status);
    case 'restore':
      return v.restoredFrom ? `Restored version ${v.restoredFrom.number}` : 'Restored';
    default:
      return 'Auto-saved';
  }
};

export function Authors({ authors }: { authors: HistoryUser[] }) {
  if (authors.length === 0) return <span className="muted">No edits</span>;
  return (
    <span className="version-authors">
      {authors.map((a) => (
        <Avatar key={a.id} name={a.displayName} color={a.color} size="small" />
      ))}
      <span className="version-author-names">{authors.map((a) => a.displayName).join(', ')}</span>
    </span>
  );
}

/** The older of two versions first (higher number = newer). */
const ordered = (ids: string[], versions: VersionSummary[]): [string, string] | null => {
  const numberOf = (id: string) => versions.find((v) => v.id === id)?.number ?? 0;
  const [a, b] = ids;
  if (!a || !b) return null;
  return numberOf(a) < numberOf(b) ? [a, b] : [b, a];
};

/**
 * The History tab: versions newest first (time, authors, one line of what changed); pick one
 * to compare with now, or two to compare with each other; chiefs can restore any version.
 */
export function HistoryPanel({ storyId, user, comparing, onCompare }: HistoryPanelProps) {
  const { state, reload } = useVersions(storyId);
  const [selected, setSelected] = useState<string[]>([]);
  const [restoring, setRestoring] = useState<VersionSummary | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const chief = user.role === 'chief';

  if (state.kind === 'loading') return <LoadingState label="Loading versions…" />;
  if (state.kind === 'missing') {
    return (
      <p className="panel-empty" data-testid="history-missing">
        Version history is not available on this server yet.
      </p>
    );
  }
  if (state.kind === 'error') {
    return (
      <ErrorState message={`Could not load the versions. ${state.message}`} onRetry={reload} />
    );
  }

  const { versions, head } = state.list;
  const toggle = (id: string) =>
    setSelected((current) =>
      current.includes(id)
        ? current.filter((x) => x !== id)
        : // A third pick replaces the older pick: the two newest choices are compared.
          [...current, id].slice(-2),
    );
  const numberOf = (id: string) => versions.find((v) => v.id === id)?.number;
  const pair = ordered(selected, versions);
  const single = selected.length === 1 ? selected[0] : undefined;
  const compareLabel = pair
    ? `Compare version ${numberOf(pair[0])} with version ${numberOf(pair[1])}`
    : single
      ? `Compare version ${numberOf(single)} with now`
      : 'Select versions to compare';
  const compare = () => {
    if (pair) onCompare({ from: pair[0], against: pair[1] });
    else if (single) onCompare({ from: single, against: CURRENT_POINT });
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return;
    setSaving(true);
    setSaveError(null);
    try {
      const version = await createVersion(storyId, name.trim());
      setName('');
      setNotice(`Saved as version ${version.number}.`);
      reload();
    } catch (error) {
      setSaveError(errorMessage(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="history" data-testid="history-panel">
      <div className="history-actions">
        <button
          type="button"
          className="button button-primary"
          data-testid="history-compare"
          disabled={selected.length === 0}
          onClick={compare}
        >
          {compareLabel}
        </button>
        <button
          type="button"
          className="button"
          data-testid="history-since-seen"
          title="What others changed since you last had this story open"
          onClick={() => onCompare({ from: SEEN_POINT, against: CURRENT_POINT })}
        >
          Since I last looked
        </button>
      </div>
      {canWrite(user.role) ? (
        <form className="history-save" onSubmit={save}>
          <label className="visually-hidden" htmlFor="version-name">
            Name for a new version
          </label>
          <input
            id="version-name"
            className="input"
            placeholder="Name this version, e.g. Sent to legal"
            maxLength={120}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit" className="button" disabled={saving || !name.trim()}>
            {saving ? 'Saving…' : 'Save version'}
          </button>
        </form>
      ) : null}
      {saveError ? (
        <p className="form-error" role="alert">
          {saveError}
        </p>
      ) : null}
      {notice ? (
        <p className="history-notice" role="status" data-testid="history-notice">
          {notice}
        </p>
      ) : null}
      {state.refreshError ? (
        <p className="history-stale" role="status">
          Could not refresh ({state.refreshError}). Retrying…
        </p>
      ) : null}
      <ol className="version-list" data-testid="version-list" aria-label="Versions, newest first">
        <li className="version version-now">
          <div className="version-head">
            <span className="version-title">Now</span>
            {head.editedAt ? <RelativeTime iso={head.editedAt} /> : null}
          </div>
          <p className="version-summary">
            {head.unversionedUpdates > 0 ? (
              <>
                Edits not in a version yet by{' '}
                {head.unversionedAuthors.map((a) => a.displayName).join(', ') || 'someone'}
              </>
            ) : (
              'Same as the newest version'
            )}
          </p>
        </li>
        {versions.map((version) => {
          const isSelected = selected.includes(version.id);
          const inView =
            comparing !== null &&
            (comparing.from === version.id || comparing.against === version.id);
          return (
            <li
              key={version.id}
              className={`version${isSelected ? ' version-selected' : ''}${inView ? ' version-in-view' : ''}`}
              data-testid="version"
              data-version={version.number}
            >
              <div className="version-head">
                <input
                  type="checkbox"
                  id={`version-${version.id}`}
                  className="version-check"
                  checked={isSelected}
                  onChange={() => toggle(version.id)}
                />
                <label className="version-title" htmlFor={`version-${version.id}`}>
                  <span className="version-number">v{version.number}</span> {versionTitle(version)}
                </label>
                <RelativeTime iso={version.createdAt} />
              </div>
              <div className="version-meta">
                <Authors authors={version.authors} />
              </div>
              {version.summary ? <p className="version-summary">{version.summary}</p> : null}
              {chief ? (
                <button
                  type="button"
                  className="button button-quiet version-restore"
                  data-testid={`restore-${version.number}`}
                  onClick={() => setRestoring(version)}
                >
                  Restore this version…
                </button>
              ) : null}
            </li>
          );
        })}
      </ol>
      {restoring ? (
        <RestoreDialog
          storyId={storyId}
          version={restoring}
          onClose={() => setRestoring(null)}
          onRestored={(result) => {
            setRestoring(null);
            setNotice(
              `Restored version ${restoring.number}; the story now has it as version ${result.version.number}.`,
            );
            reload();
          }}
        />
      ) : null}
    </div>
  );
}
