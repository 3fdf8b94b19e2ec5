import {
  ACTIVITY_BURST_GAP_MS,
  type ActivityEntry,
  ActivityEvent,
  activitySentence,
  type CommentUser,
  type DeskActivityResponse,
  type LatestActivityResponse,
  type StoryActivityResponse,
} from '@copydesk/shared';
import { yieldToEventLoop } from '../event-loop';
import type { StoredRun } from '../history/storage-feed';
import { iso } from '../iso-time';
import { KeyedLock } from '../keyed-lock';
import type { Logger } from '../logger';
import type {
  ActivityRecord,
  ActivityStore,
  StatusChangeRecord,
  Storage,
  StoryRecord,
} from '../storage/storage';
import { RECENT_BYTES_PER_STORY, RecentUpdates } from './recent-updates';
import { newActivityId } from './story-tracker';
import { InProcessTrackerEngine, type TrackedStory, type TrackerEngine } from './tracker-engine';
import { UserDirectory } from './user-directory';

export interface ActivityLiveEvent {
  type: ActivityEvent;
  entry: ActivityEntry;
}

export type ActivityListener = (event: ActivityLiveEvent) => void;

export interface ActivityRecorderOptions {
  storage: Storage;
  logger: Logger;
  /** Shared with the comments service when both run (one account cache). */
  users?: UserDirectory;
  /** A burst ends after this long without an edit by the same person to the same field. */
  gapMs?: number;
  /** A story's new updates are turned into entries at most this often (live feed rate). */
  minIntervalMs?: number;
  /**
   * Where working copies live and apply updates (default: in this thread, yielding every
   * `sliceMs`). The server passes a WorkerTrackerEngine.
   */
  engine?: TrackerEngine;
  /** In-process engine: longest stretch (ms) of applying updates before other work runs. */
  sliceMs?: number;
  /** Updates read per storage round trip (a long backlog is read in several). */
  maxUpdatesPerRound?: number;
  /** Stories whose working copy is kept in memory (least recently used are dropped). */
  maxTrackers?: number;
  /** A story's working copy is dropped after this long without new updates (default 5 gaps). */
  idleMs?: number;
  /**
   * When another instance records a story's activity (it moved the shared cursor), this one
   * leaves the story to it for this long (default 10 s) instead of racing it round after round.
   */
  yieldMs?: number;
}

const TEXT_KINDS = new Set(['set', 'added', 'removed', 'edited', 'rewrote', 'cleared']);

/**
 * The activity feed's engine. It never sits on the sync hot path: the sync layer (or a storage
 * observer) only tells it *that* a story's log grew (`appended` / `storyChanged`); later, off the
 * event loop turn that stored the edit, it reads the new log rows — each carrying the account
 * that sent it and the time — and turns them into entries (StoryTracker), stores them together
 * with how far it has read (atomically, so two instances never record an update twice), and
 * tells listeners (`activity:new` / `activity:updated`) so the desk channel can broadcast them.
 *
 * It implements the history module's `StorageListener` shape (`appended`, `created`,
 * `statusChanged`), so `storageFeed.subscribe(recorder)` wires it with no other change.
 */
export class ActivityRecorder {
  readonly users: UserDirectory;
  private readonly gapMs: number;
  private readonly minIntervalMs: number;
  private readonly engine: TrackerEngine;
  private readonly maxUpdatesPerRound: number;
  private readonly maxTrackers: number;
  private readonly idleMs: number;
  private readonly trackers = new Map<string, TrackedStory>();
  /** What this process just stored, so a round need not read it back (recent-updates.ts). */
  private readonly recent: RecentUpdates;
  /** Rounds that read their updates from storage rather than from `recent` (tests). */
  logReads = 0;
  private readonly dirty = new Set<string>();
  private readonly lastRun = new Map<string, number>();
  /** Stories another instance is recording, left to it until the time given. */
  private readonly yielded = new Map<string, number>();
  private readonly yieldMs: number;
  /** Working copies built from storage so far (a rebuild loads the story: the costly part). */
  trackerBuilds = 0;
  /** Serialises work per story (background rounds and `flush` may overlap). */
  private readonly locks = new KeyedLock();
  private readonly listeners = new Set<ActivityListener>();
  private timer: NodeJS.Timeout | null = null;
  private evictTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: ActivityRecorderOptions) {
    this.users = options.users ?? new UserDirectory(options.storage);
    this.gapMs = options.gapMs ?? ACTIVITY_BURST_GAP_MS;
    this.minIntervalMs = options.minIntervalMs ?? 2_000;
    this.engine = options.engine ?? new InProcessTrackerEngine({ sliceMs: options.sliceMs });
    this.maxUpdatesPerRound = options.maxUpdatesPerRound ?? 1_000;
    this.recent = new RecentUpdates({
      maxUpdates: this.maxUpdatesPerRound,
      maxBytes: RECENT_BYTES_PER_STORY,
    });
    this.maxTrackers = options.maxTrackers ?? 100;
    this.idleMs = options.idleMs ?? 5 * this.gapMs;
    this.yieldMs = options.yieldMs ?? 10_000;
  }

  /** Stories whose working copy (a full Y.Doc) is in memory: the soak watches it go to 0. */
  get workingCopies(): number {
    return this.trackers.size;
  }

  private get store(): ActivityStore | undefined {
    return this.options.storage.activity;
  }

  // ---- hooks (cheap: they only schedule work) ---------------------------------------------

  /** The story's update log grew (call after a batch is stored). */
  storyChanged(storyId: string): void {
    if (this.closed || !this.store) return;
    this.dirty.add(storyId);
    this.kick();
  }

  /** StorageListener: updates were appended. */
  appended(storyId: string, run: StoredRun): void {
    // A story another instance records gets no rounds here for a while: keep nothing for it.
    if (this.closed || !this.store || this.yielded.has(storyId)) this.recent.forget(storyId);
    else this.recent.heard(storyId, run);
    this.storyChanged(storyId);
  }

  /** StorageListener: a story was created (its first update is the "created" entry). */
  created(story: StoryRecord, _first?: unknown): void {
    this.recent.forget(story.id);
    this.storyChanged(story.id);
  }

  /** StorageListener: a workflow move was recorded. */
  statusChanged(change: StatusChangeRecord): void {
    void this.recordStatus(change).catch((err: unknown) =>
      this.options.logger.error({ err, storyId: change.storyId }, 'activity: status not recorded'),
    );
  }

  /** Live feed: called with every new or grown entry. Returns the unsubscribe function. */
  subscribe(listener: ActivityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- scheduling ------------------------------------------------------------------------

  private kick(): void {
    if (this.running || this.timer || this.closed || this.dirty.size === 0) return;
    const now = Date.now();
    let due = Number.POSITIVE_INFINITY;
    for (const id of this.dirty) due = Math.min(due, this.dueAt(id));
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.running = this.runDue().finally(() => {
          this.running = null;
          this.kick();
        });
      },
      Math.max(0, due - now),
    );
    this.timer.unref();
  }

  private async runDue(): Promise<void> {
    const now = Date.now();
    const due = [...this.dirty].filter((id) => this.dueAt(id) <= now);
    for (const id of due) {
      // SQLite answers at once: without a turn between stories, a round over many busy stories
      // is one long stretch of the event loop that every editor's keystroke waits behind.
      await yieldToEventLoop();
      if (this.closed) return;
      this.dirty.delete(id);
      this.lastRun.set(id, Date.now());
      await this.process(id).catch((err: unknown) =>
        this.options.logger.error({ err, storyId: id }, 'activity: processing failed'),
      );
    }
    this.evict();
  }

  private dueAt(storyId: string): number {
    const next = (this.lastRun.get(storyId) ?? 0) + this.minIntervalMs;
    const yieldedUntil = this.yielded.get(storyId);
    if (yieldedUntil === undefined) return next;
    if (yieldedUntil <= Date.now()) this.yielded.delete(storyId);
    return Math.max(next, yieldedUntil);
  }

  /** Reads everything stored so far for the story into entries (the API calls it before reading). */
  async flush(storyId: string): Promise<void> {
    if (!this.store || this.closed) return;
    this.dirty.delete(storyId);
    await this.process(storyId, true);
  }

  /**
   * Flushes every story this instance was told about and has not processed yet, including those
   * whose round is under way: a round takes its story off `dirty` when it starts, and while it
   * waits for its working copy (a worker thread) the desk feed must wait for it too.
   */
  async flushPending(): Promise<void> {
    const ids = new Set([...this.dirty, ...this.locks.keys()]);
    for (const id of ids) await this.flush(id);
  }

  /**
   * `now` (a reader waits for the feed): catch up even when another instance is recording the
   * story. Otherwise a story whose cursor another instance moved is left to that instance for
   * `yieldMs`: two instances taking turns would each rebuild the story's working copy from
   * storage on every round (both hear of the story's edits when editors sit on both).
   */
  private process(storyId: string, now = false): Promise<void> {
    return this.locks.run(storyId, async () => {
      const store = this.store;
      if (!store || this.closed) return;
      for (let attempt = 0; attempt < 3; attempt++) {
        let done: boolean;
        try {
          done = await this.processOnce(store, storyId, now);
        } catch (err) {
          // The copy is dropped (it may hold part of a batch, or died with its worker); the
          // next attempt rebuilds it from the cursor, so nothing is skipped or counted twice.
          this.dropTracker(storyId);
          if (attempt === 2) throw err;
          this.options.logger.warn({ err, storyId }, 'activity: round failed; retrying');
          continue;
        }
        if (done) return;
        this.dropTracker(storyId);
        if (!now) {
          this.yielded.set(storyId, Date.now() + this.yieldMs);
          this.dirty.add(storyId);
          return;
        }
      }
    });
  }

  /**
   * Returns false when another instance moved the cursor (then nothing was stored by us).
   * `now` (a reader waits): read storage, which also holds what other instances stored.
   */
  private async processOnce(store: ActivityStore, storyId: string, now: boolean): Promise<boolean> {
    const cursor = await store.getActivityCursor(storyId);
    let tracker = this.trackers.get(storyId);
    if (tracker && tracker.cursor !== cursor) return false;
    if (!tracker) {
      tracker = await this.buildTracker(store, storyId, cursor);
      this.trackers.set(storyId, tracker);
      this.scheduleEvict();
    }
    for (;;) {
      const updates =
        (now ? null : this.recent.after(storyId, tracker.cursor, this.maxUpdatesPerRound)) ??
        (await this.readLog(store, storyId, tracker.cursor));
      if (updates.length === 0) return true;
      const from = tracker.cursor;
      const { entries, created } = await tracker.apply(updates);
      const at = Date.now();
      for (const e of entries) e.updatedAt = at;
      if (!(await store.commitActivity(storyId, from, tracker.cursor, entries))) return false;
      await this.emit(entries, created);
      if (updates.length < this.maxUpdatesPerRound) return true;
      // A long backlog: let other work run between rounds.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private readLog(store: ActivityStore, storyId: string, cursor: number) {
    this.logReads++;
    return store.loadUpdatesAfter(storyId, cursor, this.maxUpdatesPerRound);
  }

  private async buildTracker(
    store: ActivityStore,
    storyId: string,
    cursor: number,
  ): Promise<TrackedStory> {
    this.trackerBuilds++;
    const state = cursor > 0 ? await store.loadStateAt(storyId, cursor) : null;
    const now = Date.now();
    const recent = cursor > 0 ? await store.listRecentActivity(storyId, now - this.gapMs) : [];
    return this.engine.open({ storyId, state, cursor, recent, now, gapMs: this.gapMs });
  }

  private dropTracker(storyId: string): void {
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
      Math.max(100, oldest + this.idleMs - Date.now() + 1),
    );
    this.evictTimer.unref();
  }

  /** Keeps at most maxTrackers working copies; idle ones (no open burst left) go first. */
  private evict(): void {
    const now = Date.now();
    for (const [id, t] of this.trackers) {
      if (now - t.lastUsed > this.idleMs && !this.locks.held(id)) this.dropTracker(id);
    }
    if (this.trackers.size <= this.maxTrackers) return;
    const byAge = [...this.trackers].sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [id] of byAge.slice(0, this.trackers.size - this.maxTrackers)) {
      if (!this.locks.held(id)) this.dropTracker(id);
    }
  }

  private async recordStatus(change: StatusChangeRecord): Promise<void> {
    const store = this.store;
    if (!store || this.closed) return;
    const entry: ActivityRecord = {
      id: newActivityId(),
      storyId: change.storyId,
      userId: change.userId,
      field: 'status',
      kind: 'status',
      target: 'status',
      takeawayIndex: null,
      fromTakeawayIndex: null,
      fromStatus: change.from,
      toStatus: change.to,
      wordsAdded: 0,
      wordsRemoved: 0,
      startWords: 0,
      firstAt: change.at,
      lastAt: change.at,
      updatedAt: Date.now(),
    };
    await store.putActivity([entry]);
    await this.emit([entry], new Set([entry.id]));
  }

  private async emit(entries: ActivityRecord[], created: Set<string>): Promise<void> {
    if (this.listeners.size === 0 || entries.length === 0) return;
    const views = await this.views(entries);
    for (const entry of views) {
      const event: ActivityLiveEvent = {
        type: created.has(entry.id) ? ActivityEvent.created : ActivityEvent.updated,
        entry,
      };
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (err) {
          this.options.logger.error({ err }, 'activity listener failed');
        }
      }
    }
  }

  // ---- reading ---------------------------------------------------------------------------

  /** Entries as the API and the live feed show them (names and colours from the accounts). */
  async views(records: ActivityRecord[]): Promise<ActivityEntry[]> {
    const users = await this.users.users(records.map((r) => r.userId));
    const now = Date.now();
    return records.map((r) => toEntry(r, users.get(r.userId), now, this.gapMs));
  }

  private requireStore(): ActivityStore | null {
    return this.store ?? null;
  }

  async storyActivity(
    storyId: string,
    before: number | null,
    limit: number,
  ): Promise<StoryActivityResponse> {
    const store = this.requireStore();
    if (!store) return { storyId, entries: [], nextBefore: null };
    await this.flush(storyId);
    const records = await store.listActivity(storyId, before, limit);
    const last = records[records.length - 1];
    return {
      storyId,
      entries: await this.views(records),
      nextBefore: records.length === limit && last ? iso(last.lastAt) : null,
    };
  }

  async deskActivity(since: number | null, limit: number): Promise<DeskActivityResponse> {
    const store = this.requireStore();
    const serverTime = Date.now();
    if (!store) return { entries: [], serverTime: iso(serverTime) };
    await this.flushPending();
    const records = await store.listActivityUpdatedSince(since ?? 0, limit);
    return { entries: await this.views(records), serverTime: iso(serverTime) };
  }

  async latest(): Promise<LatestActivityResponse> {
    const store = this.requireStore();
    if (!store) return { stories: {} };
    await this.flushPending();
    const views = await this.views(await store.latestActivityPerStory());
    return { stories: Object.fromEntries(views.map((v) => [v.storyId, v])) };
  }

  /** Starts the engine's worker, if it has one; a failure is logged and retried on first use. */
  async warmUp(): Promise<void> {
    if (!this.store) return;
    try {
      await this.engine.warmUp();
    } catch (err) {
      // Closing while it starts is not a failure.
      if (!this.closed) {
        this.options.logger.warn({ err }, 'activity: worker did not start; retried on first use');
      }
    }
  }

  /** Stops scheduling; waits for the round in progress. Work not done is redone after restart. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.evictTimer) clearTimeout(this.evictTimer);
    this.evictTimer = null;
    await this.running;
    await this.locks.settled();
    for (const id of [...this.trackers.keys()]) this.dropTracker(id);
    await this.engine.close();
  }
}

export const toEntry = (
  r: ActivityRecord,
  user: CommentUser | undefined,
  now: number,
  gapMs: number,
): ActivityEntry => {
  const name = user?.displayName ?? 'Unknown user';
  return {
    id: r.id,
    storyId: r.storyId,
    userId: r.userId,
    userName: name,
    userColor: user?.color ?? '#6b7280',
    field: r.field,
    kind: r.kind,
    takeawayIndex: r.takeawayIndex,
    fromTakeawayIndex: r.fromTakeawayIndex,
    fromStatus: r.fromStatus,
    toStatus: r.toStatus,
    summary: activitySentence(name, r),
    wordsAdded: r.wordsAdded,
    wordsRemoved: r.wordsRemoved,
    firstAt: iso(r.firstAt),
    lastAt: iso(r.lastAt),
    updatedAt: iso(r.updatedAt),
    open:
      (TEXT_KINDS.has(r.kind) || (r.field === 'takeaway' && r.kind === 'added')) &&
      now - r.lastAt <= gapMs,
  };
};
