import type { ActivityRecord } from '../storage/storage';
import { ownAfterRebase, rebase, rebaseKnown } from './text-edits';
import { type Region, splice, suffixOf } from './text-regions';
import { type EqualEnds, wordDelta } from './word-delta';

/**
 * One person's edits to one field or takeaway with no pause longer than the gap (see
 * StoryTracker), and how its net word counts survive other people's edits to the same text.
 */
export interface Burst {
  entry: ActivityRecord;
  /** The open segment is measured from this text. */
  base: string;
  committedAdded: number;
  committedRemoved: number;
  /** Kind fixed by what started the burst (`added` takeaway); else classified from counts. */
  fixedKind: boolean;
  /** The takeaway is gone: its text is frozen in `base`. */
  gone: boolean;
  /**
   * `splice(base, text of the target now)`, kept up to date edit by edit for the long text
   * fields so nothing rescans them; null when not known (then it is computed from scratch).
   */
  own: Region | null;
  /** The person's own steps since `base` was last set (see SEGMENT_STEPS). */
  segmentSteps: number;
}

/**
 * A burst counts its words from `base` in one comparison, whose cost grows with how far the
 * person's edits are spread through the text times how many there are. Several people typing
 * in turn at the end of a live story keep one burst each open for as long as they type, each
 * spanning everyone's text since: after this many of the person's own steps the count so far is
 * kept and measured on from the text then (a word typed before that point and deleted after it
 * counts as added and removed).
 */
export const SEGMENT_STEPS = 100;

/** The lengths of the burst's base and its target's text now that are known to be equal. */
export const knownEnds = (b: Burst): EqualEnds | undefined => {
  const own = b.own;
  return own ? { prefix: own.start, suffix: suffixOf(own, b.base.length) } : undefined;
};

/** Keeps a burst's count so far and measures on from `after`. */
export const checkpoint = (b: Burst, before: string, after: string): void => {
  const d = wordDelta(b.base, before, knownEnds(b));
  b.committedAdded += d.added;
  b.committedRemoved += d.removed;
  b.base = after;
  b.own = null;
  b.segmentSteps = 0;
};

/**
 * Someone else changed the burst's field from `before` to `after`. Their edit is replayed on
 * the burst's base text when it lies outside the burst's own changes (the usual case: two
 * people typing in different places), so the burst's net count excludes it exactly. When the
 * two overlap, the burst's count so far is kept and it goes on measuring from `after`.
 */
export const otherEdit = (b: Burst, before: string, after: string, change: Region | null): void => {
  if (!change) {
    const rebased = rebase(b.base, before, after);
    if (rebased !== null) b.base = rebased;
    else checkpoint(b, before, after);
    return;
  }
  const own = b.own ?? splice(b.base, before);
  const rebased = rebaseKnown(b.base, own, after, change);
  if (rebased !== null) {
    b.own = ownAfterRebase(own, change, rebased, after);
    b.base = rebased;
    return;
  }
  b.own = own;
  checkpoint(b, before, after);
  // splice(after, after): nothing differs, the empty region sits at the end.
  b.own = { start: after.length, lenA: 0, lenB: 0 };
};
