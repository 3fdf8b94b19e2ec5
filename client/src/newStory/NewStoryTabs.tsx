import type { KeyboardEvent } from 'react';

export type NewStoryTab = 'blank' | 'wire';

const TABS: { id: NewStoryTab; label: string }[] = [
  { id: 'wire', label: 'Paste wire copy' },
  { id: 'blank', label: 'Blank story' },
];

/** ARIA tabs: arrow keys move between tabs, Tab moves on into the panel. */
export function NewStoryTabs({
  tab,
  onChange,
}: {
  tab: NewStoryTab;
  onChange: (tab: NewStoryTab) => void;
}) {
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    event.preventDefault();
    const next = tab === 'wire' ? 'blank' : 'wire';
    onChange(next);
    document.getElementById(`new-story-tab-${next}`)?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label="How to start the story">
      {TABS.map(({ id, label }) => (
        <button
          key={id}
          id={`new-story-tab-${id}`}
          type="button"
          role="tab"
          className="tab"
          aria-selected={tab === id}
          aria-controls={`new-story-panel-${id}`}
          tabIndex={tab === id ? 0 : -1}
          data-testid={`new-story-tab-${id}`}
          onClick={() => onChange(id)}
          onKeyDown={onKeyDown}
        >
          {label}
        </button>
      ))}
    </div>
  );
}
