/**
 * The one region where two versions of a text differ, computed without rescanning what is
 * already known to be equal. StoryTracker keeps long fields (a 10 KB body typed into by several
 * people at once) and must not pay O(length) per keystroke per open burst.
 */

/** `a[start, start+lenA)` became `b[start, start+lenB)`; the rest of `a` and `b` is equal. */
export interface Region {
  start: number;
  lenA: number;
  lenB: number;
}

/**
 * Exactly `splice(a, b)`, given that `a` and `b` agree on their first `knownPrefix` and their
 * last `knownSuffix` characters (both must be true lower bounds, or the answer is wrong). The
 * scans resume at those bounds; the suffix stays capped by what the prefix left, as in `splice`,
 * so an ambiguous edit (typing "aa" after "a") is placed exactly where `splice` places it.
 */
export const spliceKnown = (
  a: string,
  b: string,
  knownPrefix: number,
  knownSuffix: number,
): Region => {
  const max = Math.min(a.length, b.length);
  let start = Math.min(knownPrefix, max);
  while (start < max && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let end = Math.min(knownSuffix, max - start);
  while (
    end < max - start &&
    a.charCodeAt(a.length - 1 - end) === b.charCodeAt(b.length - 1 - end)
  ) {
    end++;
  }
  return { start, lenA: a.length - start - end, lenB: b.length - start - end };
};

/** The one region where `a` and `b` differ (longest common prefix first, then suffix). */
export const splice = (a: string, b: string): Region => spliceKnown(a, b, 0, 0);

/** How many characters after a region's old side are left in the old text (its common end). */
export const suffixOf = (r: Region, aLength: number): number => aLength - r.start - r.lenA;
