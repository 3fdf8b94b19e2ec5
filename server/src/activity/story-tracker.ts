import { randomBytes } from 'node:crypto';
import {
  ACTIVITY_BURST_GAP_MS,
  type ActivityField,
  type ActivityKind,
  MetaKey,
  storyTypes,
} from '@copydesk/shared';
import * as Y from 'yjs';
import type { ActivityRecord, StoredUpdate, StoryState } from '../storage/storage';
import {
  applyTextDelta,
  type Region,
  splice,
  spliceKnown,
  suffixOf,
  type TextDeltaOp,
} from './text-regions';
import { type EqualEnds, wordDelta, words } from './word-delta';

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
 */

type TextField = 'headline' | 'synopsis' | 'body';
type MetaField = 'dateline' | 'source' | 'byline';
type ScalarField = TextField | MetaField;

const TEXT_FIELDS: readonly TextField[] = ['headline', 'synopsis', 'body'];
const META_FIELDS: readonly MetaField[] = [MetaKey.dateline, MetaKey.source, MetaKey.byline];

interface TakeawaySnap {
  key: string;
  text: string;
}

interface Burst {
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
}

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

export const newActivityId = (): string => `a_${randomBytes(9).toString('base64url')}`;

const metaText = (meta: Y.Map<string>, key: MetaField): string => {
  const value: unknown = meta.get(key);
  if (typeof value === 'string') return value;
  if (value instanceof Y.Text) return value.toString();
  return '';
};

const takeawayKey = (value: unknown, index: number): string => {
  if (value instanceof Y.Text && value._item) {
    return `${value._item.id.client}:${value._item.id.clock}`;
  }
  return `v${index}:${String(value)}`;
};

/**
 * Replays the edit `before → after` (someone else's) on `base`, where `before` is `base` plus
 * the burst owner's own changes. Null when the edit touches the owner's changed region.
 */
export const rebase = (base: string, before: string, after: string): string | null =>
  rebaseKnown(base, splice(base, before), after, splice(before, after));

/** `rebase` with the two regions already known: `own` of base → before, `other` of before → after. */
const rebaseKnown = (base: string, own: Region, after: string, other: Region): string | null => {
  let at: number;
  if (other.start + other.lenA <= own.start) at = other.start;
  else if (other.start >= own.start + own.lenB) at = other.start - own.lenB + own.lenA;
  else return null;
  const inserted = after.slice(other.start, other.start + other.lenB);
  return base.slice(0, at) + inserted + base.slice(at + other.lenA);
};

/** What `own` (base → text) becomes when the text changes by `c` (with `c` outside it). */
const ownAfterRebase = (own: Region, c: Region, base: string, after: string): Region => {
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

export class StoryTracker {
  readonly doc = new Y.Doc({ gc: true });
  /** Every update with seq <= cursor has been applied. */
  cursor: number;
  lastUsed = Date.now();
  private readonly gapMs: number;
  private readonly newId: () => string;
  private readonly types;
  private readonly texts = new Map<ScalarField, string>();
  private takeaways: TakeawaySnap[] = [];
  /** Open bursts by `${userId}|${target}`. */
  private readonly bursts = new Map<string, Burst>();
  /** Open "moved" entries by `${userId}|${target}` (target: the takeaway's new key). */
  private readonly moves = new Map<string, ActivityRecord>();
  private readonly dirty = new Set<Burst>();
  /** Entries changed since the last `drain`, by id. */
  private readonly changed = new Map<string, ActivityRecord>();
  private readonly createdIds = new Set<string>();
  private touched = new Set<object>();
  /**
   * Each text field's Yjs delta in the step being applied (null: none or unusable). Yjs only
   * computes a delta during its event, so the observers save them for applyStep.
   */
  private readonly deltas = new Map<TextField, readonly TextDeltaOp[] | null>();
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
    this.newId = options.newId ?? newActivityId;
    this.fullScan = options.fullScan ?? false;
    this.cursor = cursor;
    this.types = storyTypes(this.doc);
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
        this.deltas.set(f, this.deltas.has(f) ? null : event.delta);
      });
    }
  }

  /** Continues the still-open entries of a previous run (another process or before a restart). */
  resume(recent: ActivityRecord[], now: number): void {
    for (const entry of recent) {
      if (now - entry.lastAt > this.gapMs) continue;
      const key = `${entry.userId}|${entry.target}`;
      if (entry.kind === 'moved') {
        this.moves.set(key, { ...entry });
        continue;
      }
      const textKinds: ActivityKind[] = ['set', 'added', 'removed', 'edited', 'rewrote', 'cleared'];
      if (!textKinds.includes(entry.kind)) continue;
      const text = this.textOf(entry.target);
      if (text === null) continue;
      this.bursts.set(key, {
        entry: { ...entry },
        base: text,
        committedAdded: entry.wordsAdded,
        committedRemoved: entry.wordsRemoved,
        fixedKind: entry.field === 'takeaway' && entry.kind === 'added',
        gone: false,
        own: null,
      });
    }
  }

  private readAll(): void {
    for (const b of this.bursts.values()) b.own = null;
    for (const f of TEXT_FIELDS) this.texts.set(f, this.types[f].toString());
    for (const f of META_FIELDS) this.texts.set(f, metaText(this.types.meta, f));
    this.takeaways = this.readTakeaways();
  }

  private readTakeaways(): TakeawaySnap[] {
    return this.types.takeaways.toArray().map((value: unknown, index) => ({
      key: takeawayKey(value, index),
      text: value instanceof Y.Text ? value.toString() : String(value ?? ''),
    }));
  }

  /** Current text of a burst target, or null when it does not exist. */
  private textOf(target: string): string | null {
    if (target.startsWith('takeaway:')) {
      const key = target.slice('takeaway:'.length);
      return this.takeaways.find((t) => t.key === key)?.text ?? null;
    }
    return this.texts.get(target as ScalarField) ?? null;
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
    this.deltas.clear();
    this.doc.transact(() => {
      for (const x of updates) Y.applyUpdate(this.doc, x.update);
    });
    this.cursor = u.seq;
    this.latestAt = Math.max(this.latestAt, u.at);
    if (this.fresh) {
      this.fresh = false;
      this.readAll();
      this.record({
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
      const before = this.texts.get(f) ?? '';
      const step = this.textStep(f, before);
      this.stepText(u, f, f, step.after, null, step.change);
    }
    if (this.touched.has(this.types.meta)) {
      for (const f of META_FIELDS) this.stepText(u, f, f, metaText(this.types.meta, f), null);
    }
    if (this.touched.has(this.types.takeaways)) this.stepTakeaways(u);
  }

  /**
   * A text field's new text and its changed region, from the Yjs delta when it is plain text
   * (O(size of the edit) on top of Yjs's own walk), else by reading the field whole.
   */
  private textStep(f: TextField, before: string): { after: string; change: Region | null } {
    const ops = this.deltas.get(f);
    const applied = ops ? applyTextDelta(before, ops, this.types[f].length) : null;
    if (applied) {
      const { after, prefix, suffix } = applied;
      return { after, change: spliceKnown(before, after, prefix, suffix) };
    }
    const after = this.types[f].toString();
    return { after, change: this.fullScan ? null : splice(before, after) };
  }

  /** A one-off entry (created, removed, moved…): not a growing burst. */
  private record(e: {
    userId: string;
    field: ActivityField;
    kind: ActivityKind;
    target: string;
    at: number;
    takeawayIndex?: number | null;
    fromTakeawayIndex?: number | null;
    wordsAdded?: number;
    wordsRemoved?: number;
  }): ActivityRecord {
    const entry: ActivityRecord = {
      id: this.newId(),
      storyId: this.storyId,
      userId: e.userId,
      field: e.field,
      kind: e.kind,
      target: e.target,
      takeawayIndex: e.takeawayIndex ?? null,
      fromTakeawayIndex: e.fromTakeawayIndex ?? null,
      fromStatus: null,
      toStatus: null,
      wordsAdded: e.wordsAdded ?? 0,
      wordsRemoved: e.wordsRemoved ?? 0,
      startWords: 0,
      firstAt: e.at,
      lastAt: e.at,
      updatedAt: e.at,
    };
    this.changed.set(entry.id, entry);
    this.createdIds.add(entry.id);
    return entry;
  }

  /**
   * Brings a burst's entry up to date with the text of its target now; reports it as changed
   * when it was edited (`dirty`) or its counts moved.
   */
  private refresh(b: Burst, dirty: boolean): void {
    const current = b.gone ? b.base : (this.textOf(b.entry.target) ?? b.base);
    const d = wordDelta(b.base, current, b.gone ? undefined : this.knownEnds(b));
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
      this.changed.set(e.id, e);
    }
  }

  /**
   * Someone else changed the burst's field from `before` to `after`. Their edit is replayed on
   * the burst's base text when it lies outside the burst's own changes (the usual case: two
   * people typing in different places), so the burst's net count excludes it exactly. When the
   * two overlap, the burst's count so far is kept and it goes on measuring from `after`.
   */
  private otherEdit(b: Burst, before: string, after: string, change: Region | null): void {
    if (!change) {
      const rebased = rebase(b.base, before, after);
      if (rebased !== null) b.base = rebased;
      else this.checkpoint(b, before, after);
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
    this.checkpoint(b, before, after);
    // splice(after, after): nothing differs, the empty region sits at the end.
    b.own = { start: after.length, lenA: 0, lenB: 0 };
  }

  /** The lengths of the burst's base and its target's text now that are known to be equal. */
  private knownEnds(b: Burst): EqualEnds | undefined {
    const own = b.own;
    return own ? { prefix: own.start, suffix: suffixOf(own, b.base.length) } : undefined;
  }

  /** Keeps a burst's count so far and measures on from `after`. */
  private checkpoint(b: Burst, before: string, after: string): void {
    const d = wordDelta(b.base, before, this.knownEnds(b));
    b.committedAdded += d.added;
    b.committedRemoved += d.removed;
    b.base = after;
    b.own = null;
  }

  /** Ends a burst now (its time is over, or its takeaway is gone). */
  private close(key: string, b: Burst, finalText: string | null): void {
    if (finalText !== null) {
      this.checkpoint(b, finalText, finalText);
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

  private stepText(
    u: StoredUpdate,
    field: ActivityField,
    target: string,
    after: string,
    takeawayIndex: number | null,
    change: Region | null = null,
  ): void {
    const before = target.startsWith('takeaway:')
      ? (this.textOf(target) ?? '')
      : (this.texts.get(target as ScalarField) ?? '');
    // `change` is exactly splice(before, after): empty only when the texts are equal.
    if (change ? change.lenA === 0 && change.lenB === 0 : before === after) return;
    for (const [key, b] of this.bursts) {
      if (b.entry.target === target && b.entry.userId !== u.userId) {
        if (u.at - b.entry.lastAt > this.gapMs) this.close(key, b, null);
        else this.otherEdit(b, before, after, change);
      }
    }
    const found = this.openBurst(u.userId, target, u.at);
    if (!target.startsWith('takeaway:')) this.texts.set(target as ScalarField, after);
    let burst = found.burst;
    if (!burst) {
      burst = {
        entry: {
          id: this.newId(),
          storyId: this.storyId,
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
      };
      this.bursts.set(found.key, burst);
      this.createdIds.add(burst.entry.id);
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
    burst.entry.lastAt = u.at;
    if (takeawayIndex !== null) burst.entry.takeawayIndex = takeawayIndex;
    this.dirty.add(burst);
  }

  private stepTakeaways(u: StoredUpdate): void {
    const before = this.takeaways;
    const after = this.readTakeaways();
    const beforeIndex = new Map(before.map((t, i) => [t.key, i]));
    const afterIndex = new Map(after.map((t, i) => [t.key, i]));
    const removed = before.filter((t) => !afterIndex.has(t.key));
    const added = after.filter((t) => !beforeIndex.has(t.key));

    // Text edits of takeaways that stay (measured against the old snapshot, then committed).
    this.takeaways = after.map((t) => {
      const old = beforeIndex.has(t.key) ? before[beforeIndex.get(t.key) ?? 0] : undefined;
      return old ? { key: t.key, text: old.text } : t;
    });
    for (const [index, t] of after.entries()) {
      if (!beforeIndex.has(t.key)) continue;
      const target = `takeaway:${t.key}`;
      this.stepText(u, 'takeaway', target, t.text, index);
      const snap = this.takeaways[index];
      if (snap) snap.text = t.text;
    }

    // A move is a delete and an insert of the same text in one update (docs/PROTOCOL.md).
    const moved: { from: TakeawaySnap; to: TakeawaySnap }[] = [];
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

    const finish = (key: string, text: string) => {
      for (const [burstKey, b] of this.bursts) {
        if (b.entry.target === `takeaway:${key}`) this.close(burstKey, b, text);
      }
      for (const [moveKey, m] of this.moves) {
        if (m.target === `takeaway:${key}`) this.moves.delete(moveKey);
      }
    };

    for (const { from, to } of moved) {
      const fromIndex = beforeIndex.get(from.key) ?? 0;
      const toIndex = afterIndex.get(to.key) ?? 0;
      const prevKey = `${u.userId}|takeaway:${from.key}`;
      const prev = this.moves.get(prevKey);
      finish(from.key, from.text);
      if (prev && u.at - prev.lastAt <= this.gapMs) {
        prev.target = `takeaway:${to.key}`;
        prev.takeawayIndex = toIndex;
        prev.lastAt = u.at;
        this.changed.set(prev.id, prev);
        this.moves.set(`${u.userId}|${prev.target}`, prev);
      } else {
        const entry = this.record({
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
      finish(r.key, r.text);
      this.record({
        userId: u.userId,
        field: 'takeaway',
        kind: 'removed',
        target: `takeaway:${r.key}`,
        at: u.at,
        takeawayIndex: beforeIndex.get(r.key) ?? 0,
        wordsRemoved: words(r.text).length,
      });
    }
    this.takeaways = after;
    for (const a of unmatchedAdded) {
      const target = `takeaway:${a.key}`;
      const entry = this.record({
        userId: u.userId,
        field: 'takeaway',
        kind: 'added',
        target,
        at: u.at,
        takeawayIndex: afterIndex.get(a.key) ?? 0,
      });
      const burst: Burst = {
        entry,
        base: '',
        committedAdded: 0,
        committedRemoved: 0,
        fixedKind: true,
        gone: false,
        own: null,
      };
      this.bursts.set(`${u.userId}|${target}`, burst);
      this.dirty.add(burst);
    }
  }

  /**
   * The entries changed since the last call (with their final counts so far) and which of them
   * are new. Bursts idle for longer than the gap (relative to the newest update applied) are
   * forgotten afterwards.
   */
  drain(): { entries: ActivityRecord[]; created: Set<string> } {
    const now = this.latestAt;
    for (const b of this.dirty) this.refresh(b, true);
    this.dirty.clear();
    const entries = [...this.changed.values()].map((e) => ({ ...e }));
    const created = new Set([...this.createdIds].filter((id) => this.changed.has(id)));
    this.changed.clear();
    this.createdIds.clear();
    for (const [key, b] of this.bursts)
      if (now - b.entry.lastAt > this.gapMs) this.bursts.delete(key);
    for (const [key, m] of this.moves) if (now - m.lastAt > this.gapMs) this.moves.delete(key);
    return { entries, created };
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
