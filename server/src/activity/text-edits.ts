import type { ActivityKind } from '@copydesk/shared';
import { type Region, splice, spliceKnown, suffixOf } from './text-regions';

/**
 * Replays the edit `before → after` (someone else's) on `base`, where `before` is `base` plus
 * the burst owner's own changes. Null when the edit touches the owner's changed region.
 */
export const rebase = (base: string, before: string, after: string): string | null =>
  rebaseKnown(base, splice(base, before), after, splice(before, after));

/** `rebase` with the two regions already known: `own` of base → before, `other` of before → after. */
export const rebaseKnown = (
  base: string,
  own: Region,
  after: string,
  other: Region,
): string | null => {
  let at: number;
  if (other.start + other.lenA <= own.start) at = other.start;
  else if (other.start >= own.start + own.lenB) at = other.start - own.lenB + own.lenA;
  else return null;
  const inserted = after.slice(other.start, other.start + other.lenB);
  return base.slice(0, at) + inserted + base.slice(at + other.lenA);
};

/** What `own` (base → text) becomes when the text changes by `c` (with `c` outside it). */
export const ownAfterRebase = (own: Region, c: Region, base: string, after: string): Region => {
  const shift = c.lenB - c.lenA;
  // Same test as rebaseKnown: an edit wholly before the burst's region only moves it (the
  // texts still share everything before it, and the same characters from it to the end).
  if (c.start + c.lenA <= own.start) return { ...own, start: own.start + shift };
  // After it: both sides of the region still differ at their first and last characters, so the
  // region stands — unless one side is empty and the edit touches it, when the scan may slide.
  if ((own.lenA > 0 && own.lenB > 0) || c.start > own.start + own.lenB) return own;
  return spliceKnown(base, after, own.start, suffixOf(own, base.length));
};

/** Kind of a text burst from its start and its net counts. */
export const classifyEdit = (
  startWords: number,
  current: string,
  added: number,
  removed: number,
): ActivityKind => {
  const nowEmpty = current.trim() === '';
  if (startWords === 0) return nowEmpty ? 'edited' : 'set';
  if (nowEmpty) return 'cleared';
  if (added > 0 && removed === 0) return 'added';
  if (removed > 0 && added === 0) return 'removed';
  if (added > 0 && removed * 2 > startWords) return 'rewrote';
  return 'edited';
};
