// One text (field or takeaway) in two states: word diff with authors, words changed per user.

import type { DiffRun, TextDiff } from '@copydesk/shared';
import type { AuthorIndex } from './author-index';
import type { Segment } from './doc-content';
import { type OwnerRun, ownerAt, ownerRuns, slice } from './owner-runs';
import { cleanupForDisplay, countWords, diffText, isWord, tokenize } from './text-diff';

export interface CompareContext {
  index: AuthorIndex;
  fromSeq: number;
  toSeq: number;
}

/** Words added and removed per user (null: unknown) in one field. */
export type Tally = Map<string | null, { added: number; removed: number }>;

const tally = (t: Tally, userId: string | null, key: 'added' | 'removed', n: number) => {
  const entry = t.get(userId) ?? { added: 0, removed: 0 };
  entry[key] += n;
  t.set(userId, entry);
};

export interface FieldComparison {
  diff: TextDiff;
  tally: Tally;
}

export const compareText = (
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
