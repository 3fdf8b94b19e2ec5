// The per-user changes (set, cleared, added, rewrote…) of one changed text field, for summaries.

import type { HistoryTextField, VersionChange } from '@copydesk/shared';
import type { Tally } from './field-comparison';
import { countWords } from './text-diff';

const SHORT_FIELDS: readonly HistoryTextField[] = ['headline', 'dateline', 'source', 'byline'];

export const fieldChanges = (
  field: HistoryTextField,
  from: string,
  to: string,
  t: Tally,
): VersionChange[] => {
  const out: VersionChange[] = [];
  const oldWords = countWords(from);
  for (const [userId, { added, removed }] of t) {
    let action: VersionChange['action'];
    const short = SHORT_FIELDS.includes(field);
    if (short && from === '' && to !== '') action = 'set';
    else if (to === '' && from !== '') action = 'cleared';
    else if (short) action = 'edited';
    else if (removed === 0 && added > 0) action = 'added';
    else if (added === 0 && removed > 0) action = 'removed';
    else if (oldWords > 0 && removed * 2 > oldWords) action = 'rewrote';
    else action = 'edited';
    out.push({
      userId,
      field,
      action,
      takeaway: null,
      fromTakeaway: null,
      wordsAdded: added,
      wordsRemoved: removed,
    });
  }
  // Known users first, by words changed.
  return out.sort(
    (a, b) =>
      Number(a.userId === null) - Number(b.userId === null) ||
      b.wordsAdded + b.wordsRemoved - (a.wordsAdded + a.wordsRemoved),
  );
};
