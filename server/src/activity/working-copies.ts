import type { KeyedLock } from '../keyed-lock';
import type { Logger } from '../logger';
import type { ActivityStore } from '../storage/storage';
import type { LiveEvents } from './live-events';
import { RECENT_BYTES_PER_STORY, RecentUpdates } from './recent-updates';
import type { TrackedStory, TrackerEngine } from './tracker-engine';

export interface WorkingCopiesOptions {
  engine: TrackerEngine;
  gapMs: number;
  maxUpdatesPerRound: number;
  maxTrackers: number;
  idleMs: number;
  /** The recorder's per-story lock: a copy in use is not dropped. */
  locks: KeyedLock;
  live: LiveEvents;
  logger: Logger;
}

/**
 * The recorder's working copies of its stories (wherever the engine keeps them): how a copy
 * catches up with its story's log, and when an idle one is dropped.
 */
export class WorkingCopies {
  private readonly trackers = new Map<string, TrackedStory>();
  /** What this process just stored, so a round need not read it back (recent-updates.ts). */
  readonly recent: RecentUpdates;
  /** Rounds that read their updates from storage rather than from `recent` (tests). */
  logReads = 0;
  /** Working copies built from storage so far (a rebuild loads the story: the costly part). */
  trackerBuilds = 0;
  private evictTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: WorkingCopiesOptions) {
    this.recent = new RecentUpdates({
      maxUpdates: options.maxUpdatesPerRound,
      maxBytes: RECENT_BYTES_PER_STORY,
    });
  }

  get size(): number {
    return this.trackers.size;
  }

  /**
   * Catches the story's copy up with its log, retrying a failed attempt. False when another
   * instance moved the story's cursor and `now` is not set (then the story is left to it).
   */
  async round(store: ActivityStore, storyId: string, now: boolean): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt++) {
      let done: boolean;
      try {
        done = await this.catchUp(store, storyId, now);
      } catch (err) {
        // The copy is dropped (it may hold part of a batch, or died with its worker); the
        // next attempt rebuilds it from the cursor, so nothing is skipped or counted twice.
        this.drop(storyId);
        if (attempt === 2) throw err;
        this.options.logger.warn({ err, storyId }, 'activity: round failed; retrying');
        continue;
      }
      if (done) return true;
      this.drop(storyId);
      if (!now) return false;
    }
    return true;
  }

  /**
   * Returns false when another instance moved the cursor (then nothing was stored by us).
   * `now` (a reader waits): read storage, which also holds what other instances stored.
   */
  private async catchUp(store: ActivityStore, storyId: string, now: boolean): Promise<boolean> {
    const { maxUpdatesPerRound } = this.options;
    const cursor = await store.getActivityCursor(storyId);
    let tracker = this.trackers.get(storyId);
    if (tracker && tracker.cursor !== cursor) return false;
    if (!tracker) {
      tracker = await this.build(store, storyId, cursor);
      this.trackers.set(storyId, tracker);
      this.scheduleEvict();
    }
    for (;;) {
      const updates =
        (now ? null : this.recent.after(storyId, tracker.cursor, maxUpdatesPerRound)) ??
        (await this.readLog(store, storyId, tracker.cursor));
      if (updates.length === 0) return true;
      const from = tracker.cursor;
      const { entries, created } = await tracker.apply(updates);
      const at = Date.now();
      for (const e of entries) e.updatedAt = at;
      if (!(await store.commitActivity(storyId, from, tracker.cursor, entries))) return false;
      await this.options.live.emit(entries, created);
      if (updates.length < maxUpdatesPerRound) return true;
      // A long backlog: let other work run between rounds.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private readLog(store: ActivityStore, storyId: string, cursor: number) {
    this.logReads++;
    return store.loadUpdatesAfter(storyId, cursor, this.options.maxUpdatesPerRound);
  }

  private async build(
    store: ActivityStore,
    storyId: string,
    cursor: number,
  ): Promise<TrackedStory> {
    this.trackerBuilds++;
    const { gapMs } = this.options;
    const state = cursor > 0 ? await store.loadStateAt(storyId, cursor) : null;
    const now = Date.now();
    const recent = cursor > 0 ? await store.listRecentActivity(storyId, now - gapMs) : [];
    return this.options.engine.open({ storyId, state, cursor, recent, now, gapMs });
  }

  drop(storyId: string): void {
    this.trackers.get(storyId)?.destroy();
    this.trackers.delete(storyId);
  }

  /**
   * Drops idle working copies on a timer. Evicting only after a processing round kept every
   * copy for as long as no story changed: a desk that went quiet held a full Y.Doc per story
   * it had edited (up to maxTrackers) indefinitely, long after the stories unloaded (the soak).
   */
  private scheduleEvict(): void {
    if (this.evictTimer || this.closed || this.trackers.size === 0) return;
    let oldest = Number.POSITIVE_INFINITY;
    for (const t of this.trackers.values()) oldest = Math.min(oldest, t.lastUsed);
    this.evictTimer = setTimeout(
      () => {
        this.evictTimer = null;
        this.evict();
        this.scheduleEvict();
      },
      // A copy still busy (locked) when due is looked at again a little later.
      Math.max(100, oldest + this.options.idleMs - Date.now() + 1),
    );
    this.evictTimer.unref();
  }

  /** Keeps at most maxTrackers working copies; idle ones (no open burst left) go first. */
  evict(): void {
    const { idleMs, maxTrackers, locks } = this.options;
    const now = Date.now();
    for (const [id, t] of this.trackers) {
      if (now - t.lastUsed > idleMs && !locks.held(id)) this.drop(id);
    }
    if (this.trackers.size <= maxTrackers) return;
    const byAge = [...this.trackers].sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [id] of byAge.slice(0, this.trackers.size - maxTrackers)) {
      if (!locks.held(id)) this.drop(id);
    }
  }

  /** Starts the engine's worker, if it has one. */
  warmUp(): Promise<void> {
    return this.options.engine.warmUp();
  }

  /** No more eviction timers (the recorder is closing). */
  stopEvicting(): void {
    this.closed = true;
    if (this.evictTimer) clearTimeout(this.evictTimer);
    this.evictTimer = null;
  }

  /** Drops every copy and stops the engine. */
  async close(): Promise<void> {
    this.stopEvicting();
    for (const id of [...this.trackers.keys()]) this.drop(id);
    await this.options.engine.close();
  }
}
