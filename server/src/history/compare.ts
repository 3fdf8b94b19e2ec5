// Two states of a story compared field by field and takeaway by takeaway, with changes per user.

import {
  HISTORY_TEXT_FIELDS,
  type HistoryTextField,
  type TakeawayDiff,
  type TextDiff,
  type VersionChange,
} from '@copydesk/shared';
import { type DocContent, parseKey, type Segment } from './doc-content';
import { fieldChanges } from './field-changes';
import { type CompareContext, compareText } from './field-comparison';
import { matchTakeaways } from './takeaway-match';
import { countWords } from './text-diff';

export type { CompareContext } from './field-comparison';
export { attributeText } from './owner-runs';

export interface Comparison {
  fields: Record<HistoryTextField, TextDiff>;
  takeaways: TakeawayDiff[];
  changes: VersionChange[];
  changed: boolean;
}

const EMPTY_FIELD = { text: '', segments: [] as Segment[] };

/**
 * Field-by-field comparison of two states of a story: word diffs with authors (added text by
 * who wrote it, removed text by who deleted it), takeaways matched item by item, and the
 * changes per user that make up a version's summary.
 */
export const compareContents = (
  from: DocContent,
  to: DocContent,
  ctx: CompareContext,
): Comparison => {
  const fields = {} as Record<HistoryTextField, TextDiff>;
  const changes: VersionChange[] = [];
  for (const name of HISTORY_TEXT_FIELDS) {
    const f = from.fields[name];
    const t = to.fields[name];
    const result = compareText(f, t, ctx);
    fields[name] = result.diff;
    if (result.diff.changed) changes.push(...fieldChanges(name, f.text, t.text, result.tally));
  }

  const forward = ctx.fromSeq < ctx.toSeq;
  const matches = matchTakeaways(from.takeaways, to.takeaways);
  const takeaways: TakeawayDiff[] = [];
  for (const m of matches) {
    const f = m.fromIndex === null ? undefined : from.takeaways[m.fromIndex];
    const t = m.toIndex === null ? undefined : to.takeaways[m.toIndex];
    const result = compareText(f ?? EMPTY_FIELD, t ?? EMPTY_FIELD, ctx);
    const kinds: TakeawayDiff['changes'] = [];
    if (!f) kinds.push('added');
    else if (!t) kinds.push('removed');
    else {
      if (m.moved) kinds.push('moved');
      if (m.edited) kinds.push('edited');
    }
    takeaways.push({
      changes: kinds,
      fromIndex: m.fromIndex,
      toIndex: m.toIndex,
      matchedBy: m.matchedBy,
      text: (t ?? f)?.text ?? '',
      diff: result.diff,
    });
    const base = {
      takeaway: m.toIndex ?? m.fromIndex,
      fromTakeaway: null,
      wordsAdded: 0,
      wordsRemoved: 0,
      field: 'takeaways' as const,
    };
    const insertedBy = (key: string | undefined) => {
      const id = key ? parseKey(key) : null;
      return id ? ctx.index.insertedBy(id.client, id.clock).userId : null;
    };
    if (!f && t) {
      changes.push({
        ...base,
        userId: insertedBy(t.key),
        action: 'added',
        wordsAdded: countWords(t.text),
      });
    } else if (f && !t) {
      const id = parseKey(f.key);
      const del = id && forward ? ctx.index.deletedBy(id.client, id.clock) : null;
      const userId =
        del && del.userId !== null && del.seq > ctx.fromSeq && del.seq <= ctx.toSeq
          ? del.userId
          : null;
      changes.push({ ...base, userId, action: 'removed', wordsRemoved: countWords(f.text) });
    } else if (f && t) {
      if (m.moved) {
        changes.push({
          ...base,
          userId: m.matchedBy === 'text' ? insertedBy(t.key) : null,
          action: 'moved',
          fromTakeaway: m.fromIndex,
        });
      }
      if (m.edited) {
        for (const [userId, { added, removed }] of result.tally) {
          changes.push({
            ...base,
            userId,
            action: 'edited',
            wordsAdded: added,
            wordsRemoved: removed,
          });
        }
      }
    }
  }
  const changed =
    HISTORY_TEXT_FIELDS.some((name) => fields[name].changed) ||
    takeaways.some((t) => t.changes.length > 0);
  return { fields, takeaways, changes, changed };
};

/** Every user id in a comparison (for the `users` map). */
export const comparisonUserIds = (c: Comparison): Set<string> => {
  const ids = new Set<string>();
  const add = (id: string | null) => {
    if (id) ids.add(id);
  };
  for (const name of HISTORY_TEXT_FIELDS) for (const r of c.fields[name].runs) add(r.userId);
  for (const t of c.takeaways) for (const r of t.diff.runs) add(r.userId);
  for (const ch of c.changes) add(ch.userId);
  return ids;
};
