/**
 * Word diffs of plain text (Myers' O(ND) algorithm on tokens), used to compare versions and to
 * compute the minimal edits of a restore. Long texts are compared line by line first and the
 * changed lines word by word, so a 100 000-character body stays fast.
 */

import { DEFAULT_MAX_D } from './myers';
import { diffTokens, slideLeft } from './token-diff';
import { tokenize } from './word-tokens';

export { cleanupForDisplay } from './display-cleanup';
export { myers } from './myers';
export { countWords, isWord, tokenize } from './word-tokens';

export type DiffOpKind = 'same' | 'added' | 'removed';

/** A run of the diff. Offsets are UTF-16 indexes into the old (`from`) and new (`to`) text. */
export interface DiffOp {
  op: DiffOpKind;
  text: string;
  fromStart: number;
  toStart: number;
}

/** One edit that turns `from` into `to`, at `index` of `from` (apply from the end backwards). */
export interface TextEdit {
  index: number;
  deleteCount: number;
  insert: string;
}

/**
 * The exact token diff of two texts: consecutive runs never share `op`, and inside a change the
 * removed run always comes before the added one.
 */
export const diffText = (from: string, to: string, maxD = DEFAULT_MAX_D): DiffOp[] => {
  if (from === to) return from ? [{ op: 'same', text: from, fromStart: 0, toStart: 0 }] : [];
  const a = tokenize(from);
  const b = tokenize(to);
  const script = slideLeft(diffTokens(a, b, maxD), a, b);
  const ops: DiffOp[] = [];
  let ia = 0;
  let ib = 0;
  let fa = 0;
  let fb = 0;
  const add = (op: DiffOpKind, text: string, fromStart: number, toStart: number) => {
    if (!text) return;
    const last = ops[ops.length - 1];
    if (last && last.op === op) last.text += text;
    else ops.push({ op, text, fromStart, toStart });
  };
  // The removed and added tokens of one change (between two same runs); removed first.
  let removed = '';
  let added = '';
  let hunkFrom = 0;
  let hunkTo = 0;
  const flushChange = () => {
    if (removed) add('removed', removed, hunkFrom, hunkTo);
    if (added) add('added', added, hunkFrom + removed.length, hunkTo);
    removed = '';
    added = '';
  };
  for (const [kind, count] of script) {
    if (kind === 0) {
      flushChange();
      const text = a.slice(ia, ia + count).join('');
      add('same', text, fa, fb);
      ia += count;
      ib += count;
      fa += text.length;
      fb += text.length;
      continue;
    }
    if (!removed && !added) {
      hunkFrom = fa;
      hunkTo = fb;
    }
    if (kind === 1) {
      const text = a.slice(ia, ia + count).join('');
      removed += text;
      ia += count;
      fa += text.length;
    } else {
      const text = b.slice(ib, ib + count).join('');
      added += text;
      ib += count;
      fb += text.length;
    }
  }
  flushChange();
  return ops;
};

/** The edits (right to left) that turn `from` into `to`, touching only changed tokens. */
export const textEdits = (from: string, to: string): TextEdit[] => {
  const edits: TextEdit[] = [];
  let current: TextEdit | null = null;
  for (const op of diffText(from, to)) {
    if (op.op === 'same') {
      if (current) edits.push(current);
      current = null;
      continue;
    }
    current ??= { index: op.fromStart, deleteCount: 0, insert: '' };
    if (op.op === 'removed') current.deleteCount += op.text.length;
    else current.insert += op.text;
  }
  if (current) edits.push(current);
  return edits.reverse();
};

/** Applies `textEdits` output to a string (what a restore does to a Y.Text). */
export const applyEdits = (text: string, edits: TextEdit[]): string => {
  let out = text;
  for (const e of edits) {
    out = out.slice(0, e.index) + e.insert + out.slice(e.index + e.deleteCount);
  }
  return out;
};
