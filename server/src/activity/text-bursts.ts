import type { ActivityField } from '@copydesk/shared';
import type { ActivityRecord, StoredUpdate } from '../storage/storage';
import { type Burst, checkpoint, knownEnds, otherEdit, SEGMENT_STEPS } from './burst';
import type { EntryChanges } from './entry-changes';
import type { ScalarField, StoryTexts } from './story-fields';
import { classifyEdit } from './text-edits';
import { type Region, splice, spliceKnown, suffixOf } from './text-regions';
import { wordDelta, words } from './word-delta';

/**
 * One story's open text bursts (see StoryTracker): each person's edits to one field or takeaway,
 * counted net from the text before them and kept apart from everyone else's edits to it.
 */
export class TextBursts {
  /** Open bursts by `${userId}|${target}`. */
  private readonly bursts = new Map<string, Burst>();
  private readonly dirty = new Set<Burst>();

  constructor(
    private readonly gapMs: number,
    private readonly story: StoryTexts,
    private readonly entries: EntryChanges,
  ) {}

  get size(): number {
    return this.bursts.size;
  }

  /** Continues a previous run's burst, measuring on from its target's `text` now. */
  resume(key: string, entry: ActivityRecord, text: string): void {
    this.bursts.set(key, {
      entry: { ...entry },
      base: text,
      committedAdded: entry.wordsAdded,
      committedRemoved: entry.wordsRemoved,
      fixedKind: entry.field === 'takeaway' && entry.kind === 'added',
      gone: false,
      own: null,
      segmentSteps: 0,
    });
  }

  /** The texts were read whole: no burst's region is known any more. */
  forgetRegions(): void {
    for (const b of this.bursts.values()) b.own = null;
  }

  /** A takeaway was just added: text typed into it joins its "added" `entry`. */
  openAdded(key: string, entry: ActivityRecord): void {
    const burst: Burst = {
      entry,
      base: '',
      committedAdded: 0,
      committedRemoved: 0,
      fixedKind: true,
      gone: false,
      own: null,
      segmentSteps: 0,
    };
    this.bursts.set(key, burst);
    this.dirty.add(burst);
  }

  /** Ends every burst on `target` (a takeaway that is gone), its text frozen at `finalText`. */
  closeTarget(target: string, finalText: string): void {
    for (const [key, b] of this.bursts) {
      if (b.entry.target === target) this.close(key, b, finalText);
    }
  }

  /** Brings every burst edited since the last call up to date (reports its entry changed). */
  refreshDirty(): void {
    for (const b of this.dirty) this.refresh(b, true);
    this.dirty.clear();
  }

  /** Forgets bursts idle for longer than the gap at `now`. */
  expire(now: number): void {
    for (const [key, b] of this.bursts)
      if (now - b.entry.lastAt > this.gapMs) this.bursts.delete(key);
  }

  /**
   * Brings a burst's entry up to date with the text of its target now; reports it as changed
   * when it was edited (`dirty`) or its counts moved.
   */
  private refresh(b: Burst, dirty: boolean): void {
    const current = b.gone ? b.base : (this.story.textOf(b.entry.target) ?? b.base);
    const d = wordDelta(b.base, current, b.gone ? undefined : knownEnds(b));
    const e = b.entry;
    const before = `${e.kind}|${e.wordsAdded}|${e.wordsRemoved}`;
    e.wordsAdded = b.committedAdded + d.added;
    e.wordsRemoved = b.committedRemoved + d.removed;
    if (!b.fixedKind) {
      let kind = classifyEdit(e.startWords, current, e.wordsAdded, e.wordsRemoved);
      // For a takeaway, "added"/"removed" mean the item itself: a text edit is "edited".
      if (e.field === 'takeaway' && (kind === 'added' || kind === 'removed')) kind = 'edited';
      e.kind = kind;
    }
    if (dirty || before !== `${e.kind}|${e.wordsAdded}|${e.wordsRemoved}`) {
      this.entries.changed.set(e.id, e);
    }
  }

  /** Ends a burst now (its time is over, or its takeaway is gone). */
  private close(key: string, b: Burst, finalText: string | null): void {
    if (finalText !== null) {
      checkpoint(b, finalText, finalText);
      b.gone = true;
    }
    this.refresh(b, this.dirty.has(b));
    this.dirty.delete(b);
    this.bursts.delete(key);
  }

  private openBurst(
    userId: string,
    target: string,
    at: number,
  ): { key: string; burst: Burst | undefined } {
    const key = `${userId}|${target}`;
    const burst = this.bursts.get(key);
    if (burst && at - burst.entry.lastAt > this.gapMs) {
      this.close(key, burst, null);
      return { key, burst: undefined };
    }
    return { key, burst };
  }

  /**
   * `u` changed `target` (a field, or `takeaway:<key>`) to `after`; `change` is
   * splice(text before, after) when known.
   */
  step(
    u: StoredUpdate,
    field: ActivityField,
    target: string,
    after: string,
    takeawayIndex: number | null,
    change: Region | null = null,
  ): void {
    const before = target.startsWith('takeaway:')
      ? (this.story.textOf(target) ?? '')
      : (this.story.texts.get(target as ScalarField) ?? '');
    // `change` is exactly splice(before, after): empty only when the texts are equal.
    if (change ? change.lenA === 0 && change.lenB === 0 : before === after) return;
    for (const [key, b] of this.bursts) {
      if (b.entry.target === target && b.entry.userId !== u.userId) {
        if (u.at - b.entry.lastAt > this.gapMs) this.close(key, b, null);
        else otherEdit(b, before, after, change);
      }
    }
    const found = this.openBurst(u.userId, target, u.at);
    if (!target.startsWith('takeaway:')) this.story.texts.set(target as ScalarField, after);
    let burst = found.burst;
    if (!burst) {
      burst = {
        entry: {
          id: this.entries.newId(),
          storyId: this.entries.storyId,
          userId: u.userId,
          field,
          kind: 'edited',
          target,
          takeawayIndex,
          fromTakeawayIndex: null,
          fromStatus: null,
          toStatus: null,
          wordsAdded: 0,
          wordsRemoved: 0,
          startWords: words(before).length,
          firstAt: u.at,
          lastAt: u.at,
          updatedAt: u.at,
        },
        base: before,
        committedAdded: 0,
        committedRemoved: 0,
        fixedKind: false,
        gone: false,
        // splice(base, after) with base = before.
        own: change,
        segmentSteps: 1,
      };
      this.bursts.set(found.key, burst);
      this.entries.createdIds.add(burst.entry.id);
    } else if (change) {
      // base vs before and before vs after agree on their starts and ends: so do base and
      // after, on at least the shorter of each.
      const own = burst.own ?? splice(burst.base, before);
      burst.own = spliceKnown(
        burst.base,
        after,
        Math.min(own.start, change.start),
        Math.min(suffixOf(own, burst.base.length), suffixOf(change, before.length)),
      );
    } else {
      burst.own = null;
    }
    if (found.burst && ++burst.segmentSteps >= SEGMENT_STEPS) {
      checkpoint(burst, after, after);
      // splice(after, after): nothing differs, the empty region sits at the end.
      if (change) burst.own = { start: after.length, lenA: 0, lenB: 0 };
    }
    burst.entry.lastAt = u.at;
    if (takeawayIndex !== null) burst.entry.takeawayIndex = takeawayIndex;
    this.dirty.add(burst);
  }
}
