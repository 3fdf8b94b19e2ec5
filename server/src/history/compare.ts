import {
  type AttributionRun,
  type DiffRun,
  HISTORY_TEXT_FIELDS,
  type HistoryTextField,
  type TakeawayDiff,
  type TextDiff,
  type VersionChange,
} from '@copydesk/shared';
import type { AuthorIndex, Owner } from './author-index';
import { type DocContent, parseKey, type Segment } from './doc-content';
import { matchTakeaways } from './takeaway-match';
import { cleanupForDisplay, countWords, diffText, isWord, tokenize } from './text-diff';

/** A stretch [start, end) of a field's text owned by one user (null: unknown / not applicable). */
interface OwnerRun {
  start: number;
  end: number;
  userId: string | null;
}

type Lookup = (client: number, clock: number) => Owner;

/** Who owns each character of `segments` (inserted by, or deleted by), as runs. */
const ownerRuns = (segments: Segment[], lookup: Lookup): OwnerRun[] => {
  const runs: OwnerRun[] = [];
  const push = (start: number, end: number, userId: string | null) => {
    if (end <= start) return;
    const last = runs[runs.length - 1];
    if (last && last.userId === userId && last.end === start) last.end = end;
    else runs.push({ start, end, userId });
  };
  let offset = 0;
  for (const seg of segments) {
    const len = seg.text.length;
    if (seg.atomic) {
      push(offset, offset + len, lookup(seg.client, seg.clock).userId);
    } else {
      let i = 0;
      while (i < len) {
        const owner = lookup(seg.client, seg.clock + i);
        const n = Math.max(1, Math.min(len - i, owner.end - (seg.clock + i)));
        push(offset + i, offset + i + n, owner.userId);
        i += n;
      }
    }
    offset += len;
  }
  return runs;
};

/** The owner runs clipped to [start, end). */
const slice = (runs: OwnerRun[], start: number, end: number): OwnerRun[] => {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((runs[mid] as OwnerRun).end <= start) lo = mid + 1;
    else hi = mid;
  }
  const out: OwnerRun[] = [];
  for (let i = lo; i < runs.length; i++) {
    const r = runs[i] as OwnerRun;
    if (r.start >= end) break;
    const s = Math.max(start, r.start);
    const e = Math.min(end, r.end);
    if (e > s) out.push({ start: s, end: e, userId: r.userId });
  }
  if (out.length === 0 && end > start) out.push({ start, end, userId: null });
  return out;
};

const ownerAt = (runs: OwnerRun[], pos: number): string | null =>
  slice(runs, pos, pos + 1)[0]?.userId ?? null;

/** Who wrote every character of a text: runs of `{ text, userId }`. */
export const attributeText = (
  text: string,
  segments: Segment[],
  index: AuthorIndex,
): AttributionRun[] =>
  ownerRuns(segments, (c, k) => index.insertedBy(c, k)).map((r) => ({
    text: text.slice(r.start, r.end),
    userId: r.userId,
  }));

export interface CompareContext {
  index: AuthorIndex;
  fromSeq: number;
  toSeq: number;
}

/** Words added and removed per user (null: unknown) in one field. */
type Tally = Map<string | null, { added: number; removed: number }>;

const tally = (t: Tally, userId: string | null, key: 'added' | 'removed', n: number) => {
  const entry = t.get(userId) ?? { added: 0, removed: 0 };
  entry[key] += n;
  t.set(userId, entry);
};

interface FieldComparison {
  diff: TextDiff;
  tally: Tally;
}

const compareText = (
  from: { text: string; segments: Segment[] },
  to: { text: string; segments: Segment[] },
  ctx: CompareContext,
): FieldComparison => {
  const t: Tally = new Map();
  if (from.text === to.text) {
    return {
      diff: {
        changed: false,
        wordsAdded: 0,
        wordsRemoved: 0,
        runs: from.text ? [{ op: 'same', text: from.text, userId: null }] : [],
      },
      tally: t,
    };
  }
  const ops = cleanupForDisplay(diffText(from.text, to.text));
  const forward = ctx.fromSeq < ctx.toSeq;
  let inserted: OwnerRun[] | null = null;
  let deleted: OwnerRun[] | null = null;
  const runs: DiffRun[] = [];
  const push = (op: DiffRun['op'], text: string, userId: string | null) => {
    if (!text) return;
    const last = runs[runs.length - 1];
    if (last && last.op === op && last.userId === userId) last.text += text;
    else runs.push({ op, text, userId });
  };
  let wordsAdded = 0;
  let wordsRemoved = 0;
  for (const op of ops) {
    if (op.op === 'same') {
      push('same', op.text, null);
      continue;
    }
    let owners: OwnerRun[];
    let base: number;
    if (op.op === 'added') {
      inserted ??= ownerRuns(to.segments, (c, k) => ctx.index.insertedBy(c, k));
      owners = inserted;
      base = op.toStart;
    } else {
      // Who deleted it: only meaningful from an older to a newer state, for deletions in between.
      deleted ??= forward
        ? ownerRuns(from.segments, (c, k) => {
            const o = ctx.index.deletedBy(c, k);
            return o.userId !== null && o.seq > ctx.fromSeq && o.seq <= ctx.toSeq
              ? o
              : { ...o, userId: null };
          })
        : [];
      owners = deleted;
      base = op.fromStart;
    }
    for (const r of slice(owners, base, base + op.text.length)) {
      push(op.op, op.text.slice(r.start - base, r.end - base), r.userId);
    }
    // Each word counts once, for the owner of its first character.
    let offset = 0;
    for (const token of tokenize(op.text)) {
      if (isWord(token)) {
        const userId = ownerAt(owners, base + offset);
        tally(t, userId, op.op, 1);
        if (op.op === 'added') wordsAdded++;
        else wordsRemoved++;
      }
      offset += token.length;
    }
    // A change without words (punctuation) still names who made it.
    if (countWords(op.text) === 0) tally(t, ownerAt(owners, base), op.op, 0);
  }
  return { diff: { changed: true, wordsAdded, wordsRemoved, runs }, tally: t };
};

const SHORT_FIELDS: readonly HistoryTextField[] = ['headline', 'dateline', 'source', 'byline'];

const fieldChanges = (
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
