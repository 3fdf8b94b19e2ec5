import { ACTIVITY_BURST_GAP_MS, isTextActivityKind, storyTypes } from '@copydesk/shared';
import * as Y from 'yjs';
import type { ActivityRecord, StoredUpdate, StoryState } from '../storage/storage';
import { EntryChanges, newActivityId } from './entry-changes';
import {
  META_FIELDS,
  metaText,
  readTakeaways,
  StoryTexts,
  TEXT_FIELDS,
  type TextField,
} from './story-fields';
import { TakeawayTracker } from './takeaway-tracker';
import { TextBursts } from './text-bursts';
import { type TextChange, textChange } from './text-change';
import { type Region, splice, spliceKnown } from './text-regions';

/**
 * Turns one story's update log into activity entries, update by update, the way a person
 * would describe it. It keeps a private copy of the document at the log position it has read
 * (`cursor`), the current text of every field, and the open bursts:
 *
 * - a **burst** is one user's edits to one field (or one takeaway) with no pause longer than
 *   `gapMs`; it is one entry whose word counts are the net change over the burst (typing a word
 *   and deleting it again counts nothing);
 * - when someone else edits the same field during a burst, the burst's count so far is kept
 *   and it continues from the text after the other person's edit, so nobody is credited with
 *   anyone else's words;
 * - adding, removing and moving a takeaway are entries of their own (text typed into a
 *   takeaway one just added joins the "added" entry; consecutive moves of one takeaway by one
 *   person are one "moved" entry).
 *
 * Everything is computed from the stored update (its account id and time), never from clients.
 *
 * The parts: story-fields.ts (the texts at the cursor), text-bursts.ts and burst.ts (the
 * bursts), takeaway-tracker.ts (the takeaway list), entry-changes.ts (what a drain reports).
 */

export interface TrackerOptions {
  gapMs?: number;
  newId?: () => string;
  /**
   * Read every changed field whole and compare texts from their first character, with no
   * region kept between steps: the plain definition the incremental regions must reproduce
   * exactly (the fuzz test's oracle), at O(field length) per step.
   */
  fullScan?: boolean;
}

export class StoryTracker {
  readonly doc = new Y.Doc({ gc: true });
  /** Every update with seq <= cursor has been applied. */
  cursor: number;
  lastUsed = Date.now();
  private readonly gapMs: number;
  private readonly types;
  private readonly story = new StoryTexts();
  private readonly entries: EntryChanges;
  private readonly bursts: TextBursts;
  private readonly takeaways: TakeawayTracker;
  private touched = new Set<object>();
  /**
   * What the step being applied did to each text field (null: not known this way). The
   * transaction's items are only theirs during its event, so the observers work it out.
   */
  private readonly changes = new Map<TextField, TextChange | null>();
  private readonly fullScan: boolean;
  private fresh: boolean;
  /** Time of the newest update applied (the clock bursts expire by). */
  private latestAt = 0;

  constructor(
    readonly storyId: string,
    state: StoryState | null,
    cursor: number,
    options: TrackerOptions = {},
  ) {
    this.gapMs = options.gapMs ?? ACTIVITY_BURST_GAP_MS;
    this.entries = new EntryChanges(storyId, options.newId ?? newActivityId);
    this.fullScan = options.fullScan ?? false;
    this.cursor = cursor;
    this.types = storyTypes(this.doc);
    this.bursts = new TextBursts(this.gapMs, this.story, this.entries);
    this.takeaways = new TakeawayTracker(
      this.gapMs,
      this.types.takeaways,
      this.story,
      this.bursts,
      this.entries,
    );
    const parts = state
      ? [...(state.snapshot?.parts ?? []), ...state.updates.map((u) => u.update)]
      : [];
    if (parts.length > 0) Y.applyUpdate(this.doc, Y.mergeUpdates(parts));
    this.fresh = cursor === 0 && parts.length === 0;
    this.readAll();
    this.doc.on('afterTransaction', (tr: Y.Transaction) => {
      for (const type of tr.changedParentTypes.keys()) this.touched.add(type);
    });
    for (const f of this.fullScan ? [] : TEXT_FIELDS) {
      this.types[f].observe((event) => {
        // A second event in one step (should not happen) would need composing: read whole.
        const change = this.changes.has(f)
          ? null
          : textChange(this.types[f], event.transaction, this.story.texts.get(f) ?? '');
        this.changes.set(f, change);
      });
    }
  }

  /** Continues the still-open entries of a previous run (another process or before a restart). */
  resume(recent: ActivityRecord[], now: number): void {
    for (const entry of recent) {
      if (now - entry.lastAt > this.gapMs) continue;
      const key = `${entry.userId}|${entry.target}`;
      if (entry.kind === 'moved') {
        this.takeaways.resumeMove(key, entry);
        continue;
      }
      if (!isTextActivityKind(entry.kind)) continue;
      const text = this.story.textOf(entry.target);
      if (text === null) continue;
      this.bursts.resume(key, entry, text);
    }
  }

  private readAll(): void {
    this.bursts.forgetRegions();
    for (const f of TEXT_FIELDS) this.story.texts.set(f, this.types[f].toString());
    for (const f of META_FIELDS) this.story.texts.set(f, metaText(this.types.meta, f));
    this.story.takeaways = readTakeaways(this.types.takeaways);
  }

  /** Applies the next logged update and records what it changed. */
  apply(u: StoredUpdate): void {
    this.applyStep([u], u);
  }

  /**
   * Applies consecutive logged updates by one account as one step: one Yjs transaction and one
   * read of each changed field, instead of one per keystroke (a field's text is read whole, so
   * per-keystroke steps cost O(length) each). The step is dated by its last update; callers
   * keep runs short (see groupRuns), so an entry's first time is off by at most that span.
   */
  applyRun(run: readonly StoredUpdate[]): void {
    const last = run[run.length - 1];
    if (!last) return;
    if (this.fresh || run.length === 1) {
      for (const u of run) this.applyStep([u], u);
      return;
    }
    this.applyStep(run, last);
  }

  private applyStep(updates: readonly StoredUpdate[], u: StoredUpdate): void {
    this.lastUsed = Date.now();
    this.touched = new Set();
    this.changes.clear();
    this.doc.transact(() => {
      for (const x of updates) Y.applyUpdate(this.doc, x.update);
    });
    this.cursor = u.seq;
    this.latestAt = Math.max(this.latestAt, u.at);
    if (this.fresh) {
      this.fresh = false;
      this.readAll();
      this.entries.record({
        userId: u.userId,
        field: 'story',
        kind: 'created',
        target: 'story',
        at: u.at,
      });
      return;
    }
    for (const f of TEXT_FIELDS) {
      if (!this.touched.has(this.types[f])) continue;
      const before = this.story.texts.get(f) ?? '';
      const step = this.textStep(f, before);
      this.bursts.step(u, f, f, step.after, null, step.change);
    }
    if (this.touched.has(this.types.meta)) {
      for (const f of META_FIELDS) this.bursts.step(u, f, f, metaText(this.types.meta, f), null);
    }
    if (this.touched.has(this.types.takeaways)) this.takeaways.step(u);
  }

  /**
   * A text field's new text and its changed region, from the step's own items when it is plain
   * text (text-change.ts), else by reading the field whole.
   */
  private textStep(f: TextField, before: string): { after: string; change: Region | null } {
    const applied = this.changes.get(f);
    if (applied) {
      const { after, prefix, suffix } = applied;
      return { after, change: spliceKnown(before, after, prefix, suffix) };
    }
    const after = this.types[f].toString();
    return { after, change: this.fullScan ? null : splice(before, after) };
  }

  /**
   * The entries changed since the last call (with their final counts so far) and which of them
   * are new. Bursts idle for longer than the gap (relative to the newest update applied) are
   * forgotten afterwards.
   */
  drain(): { entries: ActivityRecord[]; created: Set<string> } {
    const now = this.latestAt;
    this.bursts.refreshDirty();
    const drained = this.entries.drain();
    this.bursts.expire(now);
    this.takeaways.expire(now);
    return drained;
  }

  /** Bursts still open (for tests and metrics). */
  get openBursts(): number {
    return this.bursts.size;
  }

  destroy(): void {
    this.doc.destroy();
  }
}

/**
 * Splits logged updates into runs a tracker may apply as one step: consecutive, by the same
 * account, within `spanMs` of the run's first update and at most `maxRun` long.
 */
export const groupRuns = (
  updates: readonly StoredUpdate[],
  spanMs = 1_000,
  maxRun = 500,
): StoredUpdate[][] => {
  const runs: StoredUpdate[][] = [];
  let run: StoredUpdate[] = [];
  for (const u of updates) {
    const first = run[0];
    if (first && (first.userId !== u.userId || u.at - first.at > spanMs || run.length >= maxRun)) {
      runs.push(run);
      run = [];
    }
    run.push(u);
  }
  if (run.length > 0) runs.push(run);
  return runs;
};
