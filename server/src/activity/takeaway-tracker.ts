import type * as Y from 'yjs';
import type { ActivityRecord, StoredUpdate } from '../storage/storage';
import type { EntryChanges } from './entry-changes';
import { readTakeaways, type StoryTexts, type TakeawaySnap } from './story-fields';
import type { TextBursts } from './text-bursts';
import { words } from './word-delta';

/** A takeaway that left one place in the list and came back at another in one update. */
interface TakeawayMove {
  from: TakeawaySnap;
  to: TakeawaySnap;
}

/**
 * One story's takeaway list, update by update: adding, removing and moving a takeaway are
 * entries of their own, and text edits of the takeaways that stay go to their bursts.
 */
export class TakeawayTracker {
  /** Open "moved" entries by `${userId}|${target}` (target: the takeaway's new key). */
  private readonly moves = new Map<string, ActivityRecord>();

  constructor(
    private readonly gapMs: number,
    private readonly list: Y.Array<Y.Text>,
    private readonly story: StoryTexts,
    private readonly bursts: TextBursts,
    private readonly entries: EntryChanges,
  ) {}

  /** Continues a previous run's "moved" entry. */
  resumeMove(key: string, entry: ActivityRecord): void {
    this.moves.set(key, { ...entry });
  }

  /** Forgets "moved" entries idle for longer than the gap at `now`. */
  expire(now: number): void {
    for (const [key, m] of this.moves) if (now - m.lastAt > this.gapMs) this.moves.delete(key);
  }

  /** Ends the bursts and the open move of a takeaway that is gone (its last text: `text`). */
  private finish(key: string, text: string): void {
    const target = `takeaway:${key}`;
    this.bursts.closeTarget(target, text);
    for (const [moveKey, m] of this.moves) {
      if (m.target === target) this.moves.delete(moveKey);
    }
  }

  /** `u` changed the takeaway list (or the text of some takeaways). */
  step(u: StoredUpdate): void {
    const before = this.story.takeaways;
    const after = readTakeaways(this.list);
    const beforeIndex = new Map(before.map((t, i) => [t.key, i]));
    const afterIndex = new Map(after.map((t, i) => [t.key, i]));
    const removed = before.filter((t) => !afterIndex.has(t.key));
    const added = after.filter((t) => !beforeIndex.has(t.key));

    // Text edits of takeaways that stay (measured against the old snapshot, then committed).
    this.story.takeaways = after.map((t) => {
      const old = beforeIndex.has(t.key) ? before[beforeIndex.get(t.key) ?? 0] : undefined;
      return old ? { key: t.key, text: old.text } : t;
    });
    for (const [index, t] of after.entries()) {
      if (!beforeIndex.has(t.key)) continue;
      const target = `takeaway:${t.key}`;
      this.bursts.step(u, 'takeaway', target, t.text, index);
      const snap = this.story.takeaways[index];
      if (snap) snap.text = t.text;
    }

    // A move is a delete and an insert of the same text in one update (docs/PROTOCOL.md).
    const moved: TakeawayMove[] = [];
    const unmatchedRemoved = [...removed];
    const unmatchedAdded: TakeawaySnap[] = [];
    for (const a of added) {
      const i = unmatchedRemoved.findIndex((r) => r.text === a.text);
      const r = i === -1 ? undefined : unmatchedRemoved[i];
      if (r) {
        unmatchedRemoved.splice(i, 1);
        moved.push({ from: r, to: a });
      } else unmatchedAdded.push(a);
    }

    for (const { from, to } of moved) {
      const fromIndex = beforeIndex.get(from.key) ?? 0;
      const toIndex = afterIndex.get(to.key) ?? 0;
      const prevKey = `${u.userId}|takeaway:${from.key}`;
      const prev = this.moves.get(prevKey);
      this.finish(from.key, from.text);
      if (prev && u.at - prev.lastAt <= this.gapMs) {
        prev.target = `takeaway:${to.key}`;
        prev.takeawayIndex = toIndex;
        prev.lastAt = u.at;
        this.entries.changed.set(prev.id, prev);
        this.moves.set(`${u.userId}|${prev.target}`, prev);
      } else {
        const entry = this.entries.record({
          userId: u.userId,
          field: 'takeaway',
          kind: 'moved',
          target: `takeaway:${to.key}`,
          at: u.at,
          takeawayIndex: toIndex,
          fromTakeawayIndex: fromIndex,
        });
        this.moves.set(`${u.userId}|${entry.target}`, entry);
      }
    }
    for (const r of unmatchedRemoved) {
      this.finish(r.key, r.text);
      this.entries.record({
        userId: u.userId,
        field: 'takeaway',
        kind: 'removed',
        target: `takeaway:${r.key}`,
        at: u.at,
        takeawayIndex: beforeIndex.get(r.key) ?? 0,
        wordsRemoved: words(r.text).length,
      });
    }
    this.story.takeaways = after;
    for (const a of unmatchedAdded) {
      const target = `takeaway:${a.key}`;
      const entry = this.entries.record({
        userId: u.userId,
        field: 'takeaway',
        kind: 'added',
        target,
        at: u.at,
        takeawayIndex: afterIndex.get(a.key) ?? 0,
      });
      this.bursts.openAdded(`${u.userId}|${target}`, entry);
    }
  }
}
