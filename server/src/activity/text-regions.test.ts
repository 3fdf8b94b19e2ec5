import { describe, expect, it } from 'vitest';
import { seededInts as rng } from '../seeded-random';
import { type Region, splice, spliceKnown } from './text-regions';

/** The original char-by-char scan, kept verbatim as the definition spliceKnown must match. */
const plainSplice = (a: string, b: string): Region => {
  const max = Math.min(a.length, b.length);
  let start = 0;
  while (start < max && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let end = 0;
  while (
    end < max - start &&
    a.charCodeAt(a.length - 1 - end) === b.charCodeAt(b.length - 1 - end)
  ) {
    end++;
  }
  return { start, lenA: a.length - start - end, lenB: b.length - start - end };
};

/** Strings over a tiny alphabet, so that prefixes, suffixes and ambiguous edits are common. */
const randomText = (r: (n: number) => number, len: number): string =>
  Array.from({ length: len }, () => 'ab a'[r(4)]).join('');

const commonPrefix = (a: string, b: string): number => {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
};
const commonSuffix = (a: string, b: string): number => {
  let i = 0;
  while (i < a.length && i < b.length && a[a.length - 1 - i] === b[b.length - 1 - i]) i++;
  return i;
};

describe('spliceKnown', () => {
  it('is splice for every true lower bound of the common prefix and suffix', () => {
    const r = rng(7);
    for (let round = 0; round < 3000; round++) {
      const a = randomText(r, r(30));
      // b: a with one to three random edits, or unrelated text.
      let b = a;
      if (r(10) === 0) b = randomText(r, r(30));
      else {
        for (let k = r(3) + 1; k > 0; k--) {
          const at = r(b.length + 1);
          b = b.slice(0, at) + randomText(r, r(4)) + b.slice(at + r(4));
        }
      }
      const expected = plainSplice(a, b);
      expect(splice(a, b)).toEqual(expected);
      const p = commonPrefix(a, b);
      const s = commonSuffix(a, b);
      const knownPrefix = r(p + 1);
      const knownSuffix = r(s + 1);
      expect(spliceKnown(a, b, knownPrefix, knownSuffix)).toEqual(expected);
      expect(spliceKnown(a, b, p, s)).toEqual(expected);
    }
  });

  it('places an ambiguous insertion where the plain scan does', () => {
    // "a" + "aa": the plain scan reports the insertion at the end, and the known bounds
    // (suffix 1 from an edit reported at 0) must not move it.
    expect(spliceKnown('a', 'aaa', 0, 1)).toEqual(plainSplice('a', 'aaa'));
    expect(spliceKnown('xaay', 'xaaaay', 1, 1)).toEqual({ start: 3, lenA: 0, lenB: 2 });
  });
});
