/**
 * Word diffs of plain text (Myers' O(ND) algorithm on tokens), used to compare versions and to
 * compute the minimal edits of a restore. Long texts are compared line by line first and the
 * changed lines word by word, so a 100 000-character body stays fast.
 */

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

const TOKEN =
  /\n|[^\S\n]+|\p{N}+(?:[.,:]\p{N}+)+|[\p{L}\p{N}\p{M}_]+(?:['’][\p{L}\p{N}\p{M}_]+)*|[\s\S]/gu;
const WORDISH = /[\p{L}\p{N}]/u;

/** Words, runs of blanks, single newlines and single other characters (punctuation). */
export const tokenize = (text: string): string[] => text.match(TOKEN) ?? [];

export const isWord = (token: string): boolean => WORDISH.test(token);

export const countWords = (text: string): number => tokenize(text).filter(isWord).length;

/** Edit script: [kind, count] with 0 = same, 1 = removed (from a), 2 = added (from b). */
type Script = [0 | 1 | 2, number][];

/** Largest edit distance the exact algorithm explores (memory grows with its square). */
const DEFAULT_MAX_D = 1500;
/** Above this many tokens (after trimming), compare lines first. */
const LINE_FIRST_TOKENS = 3000;

const push = (script: Script, kind: 0 | 1 | 2, count: number): void => {
  if (count === 0) return;
  const last = script[script.length - 1];
  if (last && last[0] === kind) last[1] += count;
  else script.push([kind, count]);
};

/**
 * Myers' diff of two integer sequences. Returns null when more than `maxD` insertions plus
 * deletions would be needed (the caller then treats the whole range as replaced).
 */
export const myers = (
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  maxD = DEFAULT_MAX_D,
): Script | null => {
  const n = a.length;
  const m = b.length;
  if (n === 0 && m === 0) return [];
  if (n === 0) return [[2, m]];
  if (m === 0) return [[1, n]];
  const limit = Math.min(n + m, maxD);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= limit; d++) {
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0));
      let x = down ? (v[offset + k + 1] ?? 0) : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        trace.push(v.slice(offset - d, offset + d + 1));
        return backtrack(trace, n, m);
      }
    }
    trace.push(v.slice(offset - d, offset + d + 1));
  }
  return null;
};

/** trace[d][k + d] = furthest x on diagonal k after d edits. */
const backtrack = (trace: Int32Array[], n: number, m: number): Script => {
  const reversed: Script = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d--) {
    const prev = trace[d - 1] as Int32Array;
    const k = x - y;
    const at = (kk: number): number => prev[kk + d - 1] ?? 0;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    const snake = Math.min(x - prevX - (down ? 0 : 1), y - prevY - (down ? 1 : 0));
    push(reversed, 0, snake);
    x -= snake;
    y -= snake;
    if (down) {
      push(reversed, 2, 1);
      y--;
    } else {
      push(reversed, 1, 1);
      x--;
    }
  }
  push(reversed, 0, x);
  const script: Script = [];
  for (let i = reversed.length - 1; i >= 0; i--) {
    const [kind, count] = reversed[i] as [0 | 1 | 2, number];
    push(script, kind, count);
  }
  return script;
};

class Interner {
  private readonly ids = new Map<string, number>();
  idsOf(tokens: string[]): Int32Array {
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as string;
      let id = this.ids.get(t);
      if (id === undefined) {
        id = this.ids.size;
        this.ids.set(t, id);
      }
      out[i] = id;
    }
    return out;
  }
}

/** Token script → script over lines (`\n` closes a line). */
const splitLines = (tokens: string[]): string[][] => {
  const lines: string[][] = [];
  let line: string[] = [];
  for (const t of tokens) {
    line.push(t);
    if (t === '\n') {
      lines.push(line);
      line = [];
    }
  }
  if (line.length > 0) lines.push(line);
  return lines;
};

/** Diff of two token lists as a token-count script (replace-all when too different). */
const diffTokens = (a: string[], b: string[], maxD: number): Script => {
  const interner = new Interner();
  // Common prefix and suffix are cheap and shrink everything after.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (
    suf < a.length - pre &&
    suf < b.length - pre &&
    a[a.length - 1 - suf] === b[b.length - 1 - suf]
  )
    suf++;
  const midA = a.slice(pre, a.length - suf);
  const midB = b.slice(pre, b.length - suf);
  const script: Script = [];
  push(script, 0, pre);
  if (midA.length + midB.length <= LINE_FIRST_TOKENS) {
    const words = myers(interner.idsOf(midA), interner.idsOf(midB), maxD);
    for (const [kind, count] of words ?? [
      [1, midA.length] as [1, number],
      [2, midB.length] as [2, number],
    ])
      push(script, kind, count);
  } else {
    const linesA = splitLines(midA);
    const linesB = splitLines(midB);
    const lineIds = new Interner();
    const byLine = myers(
      lineIds.idsOf(linesA.map((l) => l.join(''))),
      lineIds.idsOf(linesB.map((l) => l.join(''))),
      maxD,
    );
    if (!byLine) {
      push(script, 1, midA.length);
      push(script, 2, midB.length);
    } else {
      let la = 0;
      let lb = 0;
      let pendingA: string[] = [];
      let pendingB: string[] = [];
      const flush = () => {
        if (pendingA.length + pendingB.length === 0) return;
        const words = myers(interner.idsOf(pendingA), interner.idsOf(pendingB), maxD);
        for (const [kind, count] of words ?? [
          [1, pendingA.length] as [1, number],
          [2, pendingB.length] as [2, number],
        ])
          push(script, kind, count);
        pendingA = [];
        pendingB = [];
      };
      for (const [kind, count] of byLine) {
        if (kind === 0) {
          flush();
          let tokens = 0;
          for (let i = 0; i < count; i++) tokens += (linesA[la + i] as string[]).length;
          push(script, 0, tokens);
          la += count;
          lb += count;
        } else if (kind === 1) {
          for (let i = 0; i < count; i++) pendingA.push(...(linesA[la + i] as string[]));
          la += count;
        } else {
          for (let i = 0; i < count; i++) pendingB.push(...(linesB[lb + i] as string[]));
          lb += count;
        }
      }
      flush();
    }
  }
  push(script, 0, suf);
  return script;
};

/**
 * An insertion or deletion between equal tokens can often sit in several places
 * ("Geneva [and Vienna ]on" = "Geneva[ and Vienna] on"). Slide each such change as far left as
 * it goes, so it starts with the blank a person typed first and ends at the word.
 */
const slideLeft = (script: Script, a: string[], b: string[]): Script => {
  const out: Script = script.map(([kind, count]) => [kind, count]);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < out.length; i++) {
    const entry = out[i] as [0 | 1 | 2, number];
    const [kind, count] = entry;
    const prev = out[i - 1];
    const next = out[i + 1];
    if (kind !== 0 && prev && prev[0] === 0 && (!next || next[0] === 0)) {
      const tokens = kind === 1 ? a : b;
      const start = kind === 1 ? ia : ib;
      let shift = 0;
      while (shift < prev[1] && tokens[start - 1 - shift] === tokens[start + count - 1 - shift]) {
        shift++;
      }
      if (shift > 0) {
        prev[1] -= shift;
        if (next) next[1] += shift;
        else out.push([0, shift]);
        ia -= shift;
        ib -= shift;
      }
    }
    if (kind !== 2) ia += count;
    if (kind !== 1) ib += count;
  }
  return out.filter(([, count]) => count > 0);
};

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
