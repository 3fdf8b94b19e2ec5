import {
  ACTIVITY_BURST_GAP_MS,
  type ActivityEntry,
  type DeskActivityResponse,
  type LatestActivityResponse,
  type StoryActivityResponse,
} from '@copydesk/shared';
import type { StoredRun } from '../history/storage-feed';
import { iso } from '../iso-time';
import { KeyedLock } from '../keyed-lock';
import type {
  ActivityRecord,
  ActivityStore,
  StatusChangeRecord,
  StoryRecord,
} from '../storage/storage';
import { statusEntry } from './entry-changes';
import { entryViews } from './entry-views';
import { type ActivityListener, LiveEvents } from './live-events';
import type { ActivityRecorderOptions } from './recorder-options';
import { RoundScheduler } from './round-scheduler';
import { InProcessTrackerEngine } from './tracker-engine';
import { UserDirectory } from './user-directory';
import { WorkingCopies } from './working-copies';

export type { ActivityRecorderOptions } from './recorder-options';

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
 *
 * The parts: round-scheduler.ts (when rounds run), working-copies.ts (the copies and a round's
 * work), live-events.ts (the listeners), entry-views.ts (entries as the API shows them).
 */
export class ActivityRecorder {
  readonly users: UserDirectory;
  private readonly gapMs: number;
  private readonly copies: WorkingCopies;
  private readonly rounds: RoundScheduler;
  private readonly live: LiveEvents;
  /** Serialises work per story (background rounds and `flush` may overlap). */
  private readonly locks = new KeyedLock();
  private closed = false;

  constructor(private readonly options: ActivityRecorderOptions) {
    this.users = options.users ?? new UserDirectory(options.storage);
    this.gapMs = options.gapMs ?? ACTIVITY_BURST_GAP_MS;
    this.live = new LiveEvents(this.users, this.gapMs, options.logger);
    this.copies = new WorkingCopies({
      engine: options.engine ?? new InProcessTrackerEngine({ sliceMs: options.sliceMs }),
      gapMs: this.gapMs,
      maxUpdatesPerRound: options.maxUpdatesPerRound ?? 1_000,
      maxTrackers: options.maxTrackers ?? 100,
      idleMs: options.idleMs ?? 5 * this.gapMs,
      locks: this.locks,
      live: this.live,
      logger: options.logger,
    });
    this.rounds = new RoundScheduler({
      minIntervalMs: options.minIntervalMs ?? 2_000,
      yieldMs: options.yieldMs ?? 10_000,
      logger: options.logger,
      process: (storyId) => this.process(storyId),
      afterRounds: () => this.copies.evict(),
    });
  }

  /** Stories whose working copy (a full Y.Doc) is in memory: the soak watches it go to 0. */
  get workingCopies(): number {
    return this.copies.size;
  }

  /** Rounds that read their updates from storage rather than from what was just stored (tests). */
  get logReads(): number {
    return this.copies.logReads;
  }

  /** Working copies built from storage so far (a rebuild loads the story: the costly part). */
  get trackerBuilds(): number {
    return this.copies.trackerBuilds;
  }

  private get store(): ActivityStore | undefined {
    return this.options.storage.activity;
  }

  // ---- hooks (cheap: they only schedule work) ---------------------------------------------

  /** The story's update log grew (call after a batch is stored). */
  storyChanged(storyId: string): void {
    if (this.closed || !this.store) return;
    this.rounds.mark(storyId);
  }

  /** StorageListener: updates were appended. */
  appended(storyId: string, run: StoredRun): void {
    // A story another instance records gets no rounds here for a while: keep nothing for it.
    if (this.closed || !this.store || this.rounds.isYielded(storyId)) {
      this.copies.recent.forget(storyId);
    } else this.copies.recent.heard(storyId, run);
    this.storyChanged(storyId);
  }

  /** StorageListener: a story was created (its first update is the "created" entry). */
  created(story: StoryRecord, _first?: unknown): void {
    this.copies.recent.forget(story.id);
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
    return this.live.subscribe(listener);
  }

  // ---- processing ------------------------------------------------------------------------

  /** Reads everything stored so far for the story into entries (the API calls it before reading). */
  async flush(storyId: string): Promise<void> {
    if (!this.store || this.closed) return;
    this.rounds.unmark(storyId);
    await this.process(storyId, true);
  }

  /**
   * Flushes every story this instance was told about and has not processed yet, including those
   * whose round is under way: a round takes its story off `dirty` when it starts, and while it
   * waits for its working copy (a worker thread) the desk feed must wait for it too.
   */
  async flushPending(): Promise<void> {
    const ids = new Set([...this.rounds.pending, ...this.locks.keys()]);
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
      if (!(await this.copies.round(store, storyId, now))) this.rounds.leaveToOther(storyId);
    });
  }

  private async recordStatus(change: StatusChangeRecord): Promise<void> {
    const store = this.store;
    if (!store || this.closed) return;
    const entry = statusEntry(change);
    await store.putActivity([entry]);
    await this.live.emit([entry], new Set([entry.id]));
  }

  // ---- reading ---------------------------------------------------------------------------

  /** Entries as the API and the live feed show them (names and colours from the accounts). */
  views(records: ActivityRecord[]): Promise<ActivityEntry[]> {
    return entryViews(this.users, records, this.gapMs);
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
      await this.copies.warmUp();
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
    const rounds = this.rounds.close();
    this.copies.stopEvicting();
    await rounds;
    await this.locks.settled();
    await this.copies.close();
  }
}
