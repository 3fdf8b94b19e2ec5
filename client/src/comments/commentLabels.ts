// Short labels the Comments tab shows for a thread's field and quoted text.
import { type CommentThread, type FieldRef, presenceFieldLabel } from '@copydesk/shared';

export const fieldName = (field: FieldRef): string => presenceFieldLabel(field);

export const shortQuote = (quote: string): string =>
  quote.length > 60 ? `${quote.slice(0, 57)}…` : quote;

export const anchorLabel = (thread: CommentThread): string => {
  const { anchor } = thread;
  if (anchor.state === 'orphaned') {
    return anchor.field === 'takeaway' ? 'A removed takeaway' : `${anchor.field} (gone)`;
  }
  return anchor.fieldRef ? fieldName(anchor.fieldRef) : anchor.field;
};
