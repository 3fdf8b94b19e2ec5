import { LIMITS, type StoryView } from '@copydesk/shared';
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { createStory } from '../api/endpoints';
import { ApiError, errorMessage } from '../api/http';
import { type NewStoryTab, NewStoryTabs } from './NewStoryTabs';
import { WirePreview, wireTooLarge } from './WirePreview';

interface NewStoryDialogProps {
  onClose: () => void;
  onCreated: (story: StoryView) => void;
}

const createErrorMessage = (error: unknown): string => {
  if (error instanceof ApiError) {
    if (error.status === 413)
      return `The wire copy is too large (limit ${LIMITS.wireBytes / 1024} KB).`;
    if (error.status === 403) return 'Your role cannot create stories.';
  }
  return errorMessage(error);
};

export function NewStoryDialog({ onClose, onCreated }: NewStoryDialogProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [tab, setTab] = useState<NewStoryTab>('wire');
  const [headline, setHeadline] = useState('');
  const [wire, setWire] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // A modal <dialog> traps focus and gives Esc for free.
  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  const tooLarge = tab === 'wire' && wireTooLarge(wire);
  const canSubmit = !busy && !tooLarge && (tab === 'blank' ? headline.trim() : wire.trim()) !== '';

  const submit = async () => {
    if (!canSubmit) return;
    setBusy(true);
    setError(null);
    try {
      const story = await createStory(tab === 'blank' ? { headline: headline.trim() } : { wire });
      onCreated(story);
      onClose();
    } catch (caught) {
      setError(createErrorMessage(caught));
      setBusy(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void submit();
    }
  };

  return (
    <dialog
      ref={dialogRef}
      className="dialog new-story-dialog"
      aria-labelledby="new-story-title"
      data-testid="new-story-dialog"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onKeyDown={onKeyDown}
    >
      <form
        method="dialog"
        className="dialog-form"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <header className="dialog-header">
          <h2 id="new-story-title">New story</h2>
          <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        <NewStoryTabs tab={tab} onChange={setTab} />
        {tab === 'blank' ? (
          <div
            className="dialog-body"
            role="tabpanel"
            id="new-story-panel-blank"
            aria-labelledby="new-story-tab-blank"
          >
            <label className="field-label" htmlFor="new-story-headline">
              Headline
            </label>
            <input
              id="new-story-headline"
              className="input"
              data-testid="new-story-headline"
              maxLength={LIMITS.headlineChars}
              autoFocus
              value={headline}
              onChange={(e) => setHeadline(e.target.value)}
            />
          </div>
        ) : (
          <div
            className="dialog-body wire-layout"
            role="tabpanel"
            id="new-story-panel-wire"
            aria-labelledby="new-story-tab-wire"
          >
            <div className="wire-input">
              <label className="field-label" htmlFor="new-story-wire">
                Wire copy
              </label>
              <textarea
                id="new-story-wire"
                className="input wire-textarea"
                data-testid="new-story-wire"
                spellCheck={false}
                autoFocus
                placeholder={
                  'Headline\nSynopsis\n…\nKey Takeaways\n- …\nCity, Mon D (Source) Body…'
                }
                value={wire}
                onChange={(e) => setWire(e.target.value)}
              />
              {tooLarge ? (
                <p className="form-error">Too large: the limit is {LIMITS.wireBytes / 1024} KB.</p>
              ) : null}
            </div>
            <WirePreview raw={wire} />
          </div>
        )}
        {error ? (
          <p className="form-error" role="alert" data-testid="new-story-error">
            {error}
          </p>
        ) : null}
        <footer className="dialog-footer">
          <span className="muted dialog-hint">
            <kbd>Ctrl</kbd>/<kbd>⌘</kbd>+<kbd>Enter</kbd> to create · <kbd>Esc</kbd> to close
          </span>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="button button-primary"
            data-testid="new-story-submit"
            disabled={!canSubmit}
          >
            {busy ? 'Creating…' : 'Create story'}
          </button>
        </footer>
      </form>
    </dialog>
  );
}
