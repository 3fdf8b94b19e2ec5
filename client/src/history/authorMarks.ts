import { type Range, StateEffect, StateField } from '@codemirror/state';
import { Decoration, type DecorationSet, EditorView } from '@codemirror/view';
import type {
  AttributionResponse,
  AttributionRun,
  HistoryTextField,
  HistoryUser,
} from '@copydesk/shared';
import { safeColor } from '../common/Avatar';

/** One field's attribution: who wrote each run of its text (GET …/attribution). */
export interface FieldAttribution {
  runs: AttributionRun[];
  users: Record<string, HistoryUser>;
}

interface AuthorMark {
  from: number;
  to: number;
  user: HistoryUser;
}

/** Sets (or with `null` clears) the author colouring of one editor. */
export const setAuthorMarks = StateEffect.define<AuthorMark[] | null>();

const markCache = new Map<string, Decoration>();
const markFor = (user: HistoryUser): Decoration => {
  const color = safeColor(user.color);
  const key = `${color}|${user.displayName}`;
  let mark = markCache.get(key);
  if (!mark) {
    mark = Decoration.mark({
      class: 'cm-author',
      // Only a validated hex colour reaches the style; the name goes into a title (text).
      attributes: { style: `--author:${color};--author-bg:${color}24`, title: user.displayName },
    });
    markCache.set(key, mark);
  }
  return mark;
};

/** Author colours that follow the text as it is edited, until the next attribution arrives. */
export const authorMarks = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(value, tr) {
    let next = value.map(tr.changes);
    for (const effect of tr.effects) {
      if (!effect.is(setAuthorMarks)) continue;
      const ranges: Range<Decoration>[] = (effect.value ?? []).map((m) =>
        markFor(m.user).range(m.from, m.to),
      );
      next = Decoration.set(ranges, true);
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

/**
 * The marks for `text`, or null when the attribution describes another text (it was read
 * before the latest edits): then the old marks stay, mapped through the edits.
 */
export const marksFor = (attribution: FieldAttribution, text: string): AuthorMark[] | null => {
  if (attribution.runs.map((run) => run.text).join('') !== text) return null;
  const marks: AuthorMark[] = [];
  let at = 0;
  for (const run of attribution.runs) {
    const end = at + run.text.length;
    const user = run.userId ? attribution.users[run.userId] : undefined;
    if (user && end > at) marks.push({ from: at, to: end, user });
    at = end;
  }
  return marks;
};

const perResponse = new WeakMap<AttributionResponse, Map<string, FieldAttribution>>();

/** One field's slice of an attribution response (the same object for the same response). */
export const attributionOf = (
  response: AttributionResponse | null,
  field: HistoryTextField | { takeaway: number },
): FieldAttribution | null => {
  if (!response) return null;
  const key = typeof field === 'string' ? field : `takeaway:${field.takeaway}`;
  let cache = perResponse.get(response);
  if (!cache) {
    cache = new Map();
    perResponse.set(response, cache);
  }
  let found = cache.get(key);
  if (!found) {
    const runs =
      typeof field === 'string'
        ? response.fields[field]
        : response.fields.takeaways[field.takeaway];
    if (!runs) return null;
    found = { runs, users: response.users };
    cache.set(key, found);
  }
  return found;
};
