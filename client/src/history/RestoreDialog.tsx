import type { RestoreResponse, VersionSummary } from '@copydesk/shared';
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { restoreVersion } from '../api/endpoints';
import { ApiError, errorMessage } from '../api/http';
import { formatExact } from '../common/clock';
import { versionTitle } from './HistoryPanel';

interface RestoreDialogProps {
  storyId: string;
  version: VersionSummary;
  onClose: () => void;
  onRestored: (result: RestoreResponse) => void;
}

/** "Restore version N?" — says plainly that restoring adds to the history and deletes nothing. */
export function RestoreDialog({ storyId, version, onClose, onRestored }: RestoreDialogProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      onRestored(await restoreVersion(storyId, version.id));
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 403
          ? 'Only a desk chief can restore a version.'
          : `Could not restore. ${errorMessage(caught)}`,
      );
      setBusy(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !busy) {
      event.preventDefault();
      void confirm();
    }
  };

  return (
    <dialog
      ref={dialogRef}
      className="dialog dialog-small"
      aria-labelledby="restore-title"
      aria-describedby="restore-text"
      data-testid="restore-dialog"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onKeyDown={onKeyDown}
    >
      <div className="dialog-form">
        <header className="dialog-header">
          <h2 id="restore-title">Restore version {version.number}?</h2>
        </header>
        <div className="dialog-body" id="restore-text">
          <p>
            Every field goes back to how it was in <b>version {version.number}</b> (
            {versionTitle(version)}, {formatExact(Date.parse(version.createdAt))}).
          </p>
          <p>
            Restoring keeps the history: it is saved as a new version on top, nothing is deleted,
            and everyone with the story open sees the change at once. To undo it, restore the
            version before it.
          </p>
          {error ? (
            <p className="form-error" role="alert">
              {error}
            </p>
          ) : null}
        </div>
        <footer className="dialog-footer">
          <span className="muted dialog-hint">
            <kbd>Ctrl</kbd>/<kbd>⌘</kbd>+<kbd>Enter</kbd> to restore · <kbd>Esc</kbd> to cancel
          </span>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button button-primary"
            data-testid="restore-confirm"
            disabled={busy}
            // biome-ignore lint/a11y/noAutofocus: the one decision this dialog asks for
            autoFocus
            onClick={() => void confirm()}
          >
            {busy ? 'Restoring…' : `Restore version ${version.number}`}
          </button>
        </footer>
      </div>
    </dialog>
  );
}
