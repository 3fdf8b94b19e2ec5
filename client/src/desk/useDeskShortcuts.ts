import { useEffect } from 'react';

/** True when a key press belongs to a text field rather than to a page shortcut. */
export const isTypingTarget = (target: EventTarget | null): boolean => {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
};

interface Shortcuts {
  onSearch: () => void;
  onNewStory?: () => void;
  /** While a dialog is open the page shortcuts stay quiet. */
  enabled: boolean;
}

/** Desk keys from UX.md: `/` focuses search, `n` opens New story. */
export function useDeskShortcuts({ onSearch, onNewStory, enabled }: Shortcuts): void {
  useEffect(() => {
    if (!enabled) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target)) return;
      if (event.key === '/') {
        event.preventDefault();
        onSearch();
      } else if ((event.key === 'n' || event.key === 'N') && onNewStory) {
        event.preventDefault();
        onNewStory();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled, onSearch, onNewStory]);
}
