// The reading form of a diff: blank-only runs between changes folded into both sides.

import type { DiffOp } from './text-diff';

interface Change {
  removed: string;
  added: string;
  fromStart: number;
  toStart: number;
}

type Piece = { same: DiffOp } | { change: Change };

/**
 * For reading: a blank-only `same` run between two changes is folded into both sides
 * ("~~the cat~~ a dog" instead of "~~the~~a ~~cat~~dog"). Offsets stay exact.
 */
export const cleanupForDisplay = (ops: DiffOp[]): DiffOp[] => {
  const pieces: Piece[] = [];
  for (const op of ops) {
    const last = pieces[pieces.length - 1];
    if (op.op === 'same') {
      pieces.push({ same: { ...op } });
    } else if (last && 'change' in last) {
      if (op.op === 'removed') last.change.removed += op.text;
      else last.change.added += op.text;
    } else {
      pieces.push({
        change: {
          removed: op.op === 'removed' ? op.text : '',
          added: op.op === 'added' ? op.text : '',
          fromStart: op.fromStart,
          toStart: op.toStart,
        },
      });
    }
  }
  const merged: Piece[] = [];
  for (const piece of pieces) {
    const blank = merged[merged.length - 1];
    const before = merged[merged.length - 2];
    if (
      'change' in piece &&
      blank &&
      'same' in blank &&
      /^[^\S\n]+$/.test(blank.same.text) &&
      before &&
      'change' in before
    ) {
      merged.pop();
      before.change.removed += blank.same.text + piece.change.removed;
      before.change.added += blank.same.text + piece.change.added;
      continue;
    }
    merged.push(piece);
  }
  const out: DiffOp[] = [];
  for (const piece of merged) {
    if ('same' in piece) {
      out.push(piece.same);
      continue;
    }
    const { removed, added, fromStart, toStart } = piece.change;
    if (removed) out.push({ op: 'removed', text: removed, fromStart, toStart });
    if (added) {
      out.push({ op: 'added', text: added, fromStart: fromStart + removed.length, toStart });
    }
  }
  return out;
};
