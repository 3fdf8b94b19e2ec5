// The token-count edit script of two token lists: trimmed, line-first when long, changes slid left.

import { myers, pushRun, type Script } from './myers';

/** Above this many tokens (after trimming), compare lines first. */
const LINE_FIRST_TOKENS = 3000;

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
export const diffTokens = (a: string[], b: string[], maxD: number): Script => {
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
  pushRun(script, 0, pre);
  if (midA.length + midB.length <= LINE_FIRST_TOKENS) {
    const words = myers(interner.idsOf(midA), interner.idsOf(midB), maxD);
    for (const [kind, count] of words ?? [
      [1, midA.length] as [1, number],
      [2, midB.length] as [2, number],
    ])
      pushRun(script, kind, count);
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
      pushRun(script, 1, midA.length);
      pushRun(script, 2, midB.length);
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
          pushRun(script, kind, count);
        pendingA = [];
        pendingB = [];
      };
      for (const [kind, count] of byLine) {
        if (kind === 0) {
          flush();
          let tokens = 0;
          for (let i = 0; i < count; i++) tokens += (linesA[la + i] as string[]).length;
          pushRun(script, 0, tokens);
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
  pushRun(script, 0, suf);
  return script;
};

/**
 * An insertion or deletion between equal tokens can often sit in several places
 * ("Geneva [and Vienna ]on" = "Geneva[ and Vienna] on"). Slide each such change as far left as
 * it goes, so it starts with the blank a person typed first and ends at the word.
 */
export const slideLeft = (script: Script, a: string[], b: string[]): Script => {
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
