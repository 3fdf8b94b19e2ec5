// Keyboard shortcut shared by the new-comment and reply textareas.
import type { KeyboardEvent } from 'react';

/** Ctrl/⌘+Enter submits the form the textarea is in. */
export const submitOnModEnter = (event: KeyboardEvent<HTMLTextAreaElement>) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    event.currentTarget.form?.requestSubmit();
  }
};
