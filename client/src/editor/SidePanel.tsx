import type { KeyboardEvent, ReactNode } from 'react';

export type PanelTab = 'people' | 'activity' | 'comments' | 'history';

const TABS: { id: PanelTab; label: string }[] = [
  { id: 'people', label: 'People' },
  { id: 'activity', label: 'Activity' },
  { id: 'comments', label: 'Comments' },
  { id: 'history', label: 'History' },
];

interface SidePanelProps {
  tab: PanelTab;
  onTab: (tab: PanelTab) => void;
  /** A count after a tab's label, e.g. unresolved comments (hidden when 0). */
  badges?: Partial<Record<PanelTab, number>>;
  children: ReactNode;
}

/** The editor's right-hand panel: ARIA tabs (arrow keys move between them), one panel shown. */
export function SidePanel({ tab, onTab, badges = {}, children }: SidePanelProps) {
  const onKeyDown = (event: KeyboardEvent) => {
    const at = TABS.findIndex((t) => t.id === tab);
    let next = at;
    if (event.key === 'ArrowRight') next = (at + 1) % TABS.length;
    else if (event.key === 'ArrowLeft') next = (at - 1 + TABS.length) % TABS.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = TABS.length - 1;
    else return;
    event.preventDefault();
    const id = TABS[next]?.id ?? 'people';
    onTab(id);
    document.getElementById(`panel-tab-${id}`)?.focus();
  };
  return (
    <aside className="side-panel" aria-label="Story panel" data-testid="side-panel">
      <div className="tabs side-tabs" role="tablist" aria-label="Story panel">
        {TABS.map(({ id, label }) => (
          <button
            key={id}
            id={`panel-tab-${id}`}
            type="button"
            role="tab"
            className="tab"
            aria-selected={tab === id}
            aria-controls="side-panel-body"
            tabIndex={tab === id ? 0 : -1}
            data-testid={`panel-tab-${id}`}
            onClick={() => onTab(id)}
            onKeyDown={onKeyDown}
          >
            {label}
            {badges[id] ? (
              <span className="tab-badge" data-testid={`panel-badge-${id}`}>
                {badges[id]}
                <span className="visually-hidden"> open</span>
              </span>
            ) : null}
          </button>
        ))}
      </div>
      <div
        className="side-panel-body"
        id="side-panel-body"
        role="tabpanel"
        aria-labelledby={`panel-tab-${tab}`}
      >
        {children}
      </div>
    </aside>
  );
}

/** Tabs whose feature is not built yet say so, instead of looking broken. */
export function ComingSoon({ what }: { what: string }) {
  return (
    <p className="panel-empty" data-testid="panel-coming">
      {what}
    </p>
  );
}
