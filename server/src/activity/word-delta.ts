/**
 * How many words an edit added and removed: the two texts' words are compared as sequences
 * (longest common subsequence, Myers' O(ND) algorithm), so moving a cursor, fixing a typo or
 * retyping a word counts what a reader would count.
 */

/** The same notion of a word as `countWords` in shared/src/counters.ts. */
const WORD =
  /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*(?:(?:['’\-‐‑]|(?<=\p{N})[.,](?=\p{N}))[\p{L}\p{M}\p{N}]+)*/gu;

export const words = (text: string): string[] => text.match(WORD) ?? [];

export interface WordDelta {
  added: number;
  removed: number;
}

/** Largest edit distance the exact comparison explores before approximating. */
const MAX_D = 1000;

/** Myers' shortest edit distance (insertions + deletions), or null when it exceeds `maxD`. */
const editDistance = (a: Int32Array, b: Int32Array, maxD: number): number | null => {
  const n = a.length;
  const m = b.length;
  const limit = Math.min(n + m, maxD);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
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
      if (x >= n && y >= m) return d;
    }
  }
  return null;
};

/** Characters a word may contain (see WORD): letters, marks, digits and its inner connectors. */
const WORD_CHAR = /[\p{L}\p{M}\p{N}'’\-‐‑.,]/u;

/**
 * A character no word contains: whitespace, but also brackets, slashes, colons… A cut beside
 * one never splits a word, and text without spaces ("[a.1][b.2]…", a long URL) still has them.
 * Surrogate halves count as word characters: the letter they belong to is not split either.
 */
const separates = (code: number): boolean => {
  if (code < 128) {
    return !(
      (code >= 48 && code <= 57) ||
      (code >= 65 && code <= 90) ||
      (code >= 97 && code <= 122) ||
      code === 39 ||
      code === 44 ||
      code === 45 ||
      code === 46
    );
  }
  if (code >= 0xd800 && code <= 0xdfff) return false;
  return !WORD_CHAR.test(String.fromCharCode(code));
};

/** Lengths of a common beginning and end two texts are already known to share. */
export interface EqualEnds {
  prefix: number;
  suffix: number;
}

/**
 * The parts of two texts that differ, cut beside a separator (never inside a word), so that their
 * common beginning and end — the same words on both sides, always part of a longest common
 * subsequence — need not be split into words at all. A keystroke in a long body compares a few
 * words instead of the whole field twice. `known` (true lower bounds only) lets the scans start
 * where a caller already knows the texts agree; the result is the same as without it.
 */
export const differingParts = (
  before: string,
  after: string,
  known?: EqualEnds,
): [string, string] => {
  const max = Math.min(before.length, after.length);
  let start = Math.min(known?.prefix ?? 0, max);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  while (start > 0 && !separates(before.charCodeAt(start - 1))) start--;
  // The scan from the end never passes `start`, so neither may the known part of it.
  const skip = Math.min(known?.suffix ?? 0, before.length - start, after.length - start);
  let endA = before.length - skip;
  let endB = after.length - skip;
  while (
    endA > start &&
    endB > start &&
    before.charCodeAt(endA - 1) === after.charCodeAt(endB - 1)
  ) {
    endA--;
    endB--;
  }
  while (endA < before.length && !separates(before.charCodeAt(endA))) {
    endA++;
    endB++;
  }
  return [before.slice(start, endA), after.slice(start, endB)];
};

/**
 * Each word as a number, the same for equal words (`ids` is shared by both sides). At module
 * level, not a closure in wordDelta: tsx wraps each named closure in __name() when created.
 */
const wordIds = (list: string[], ids: Map<string, number>): Int32Array => {
  const out = new Int32Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const word = list[i] as string;
    let value = ids.get(word);
    if (value === undefined) {
      value = ids.size;
      ids.set(word, value);
    }
    out[i] = value;
  }
  return out;
};

/**
 * Words in `after` not in `before` (added) and the other way round (removed). `known`: lengths
 * of a beginning and end the texts are known to share, to skip rescanning them.
 */
export const wordDelta = (before: string, after: string, known?: EqualEnds): WordDelta => {
  if (before === after) return { added: 0, removed: 0 };
  const [changedBefore, changedAfter] = differingParts(before, after, known);
  const a = words(changedBefore);
  const b = words(changedAfter);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  if (n === 0 || m === 0) return { added: m, removed: n };
  const ids = new Map<string, number>();
  const left = wordIds(a.slice(start, endA), ids);
  const right = wordIds(b.slice(start, endB), ids);
  const d = editDistance(left, right, MAX_D);
  if (d !== null) {
    const common = (n + m - d) / 2;
    return { added: m - common, removed: n - common };
  }
  // Huge rewrite: words in common regardless of order (close enough for a feed line).
  const counts = new Map<number, number>();
  for (const w of left) counts.set(w, (counts.get(w) ?? 0) + 1);
  let common = 0;
  for (const w of right) {
    const c = counts.get(w) ?? 0;
    if (c > 0) {
      common++;
      counts.set(w, c - 1);
    }
  }
  return { added: m - common, removed: n - common };
};
