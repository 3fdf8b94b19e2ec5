import type { Logger } from '../logger';
import type { StatusChangeRecord, Storage, StoryRecord } from '../storage/storage';
import { BackgroundQueue } from './background-queue';
import type { HistorySettings } from './history-settings';
import type { StorageFeed } from './storage-feed';
import { VersionBursts } from './version-bursts';
import type { VersionRecorder } from './version-recorder';

export interface AutomaticVersionsOptions {
  storage: Storage;
  logger: Logger;
  settings: Required<HistorySettings>;
  recorder: VersionRecorder;
  /** Reports appends, new stories and status moves (see storage-feed.ts). */
  feed?: StorageFeed;
}

/**
 * The versions nobody asks for: `auto` when a burst of editing ends (version-bursts.ts),
 * `created` with a new story and `status` at every workflow move, as the storage feed reports
 * them. They are made in the background, one at a time (background-queue.ts).
 */
export class AutomaticVersions {
  private readonly storage: Storage;
  private readonly recorder: VersionRecorder;
  private readonly bursts: VersionBursts;
  private readonly queue: BackgroundQueue;
  private readonly unsubscribe: (() => void) | null;
  private closed = false;

  constructor(options: AutomaticVersionsOptions) {
    this.storage = options.storage;
    this.recorder = options.recorder;
    this.queue = new BackgroundQueue(options.logger);
    this.bursts = new VersionBursts({
      ...options.settings,
      cut: (storyId) =>
        this.background(storyId, 'automatic version', () =>
          this.recorder.record(storyId, { reason: 'auto' }),
        ),
    });
    this.unsubscribe =
      options.feed?.subscribe({
        appended: (storyId, run) => this.noteAppended(storyId, run.updates.length),
        created: (story) => this.noteCreated(story),
        statusChanged: (change) => this.noteStatusChanged(change),
      }) ?? null;
  }

  private get available(): boolean {
    return this.storage.history !== undefined;
  }

  /** Whether the story has edits whose automatic version is still to be cut here. */
  settling(storyId: string): boolean {
    return this.bursts.has(storyId);
  }

  private background(storyId: string, what: string, work: () => Promise<unknown>): void {
    if (this.closed || !this.available) return;
    this.queue.add(storyId, what, work);
  }

  /** New updates were stored: (re)start the story's burst, or cut its version now. */
  noteAppended(storyId: string, count: number): void {
    if (this.closed || !this.available) return;
    this.bursts.appended(storyId, count);
  }

  private noteCreated(story: StoryRecord): void {
    this.background(story.id, 'creation version', () =>
      this.recorder.record(story.id, { reason: 'created', userId: story.createdBy }),
    );
  }

  private noteStatusChanged(change: StatusChangeRecord): void {
    this.background(change.storyId, 'status version', () =>
      this.recorder.record(change.storyId, {
        reason: 'status',
        userId: change.userId,
        status: change.to,
        previousStatus: change.from,
      }),
    );
  }

  /** Makes the automatic versions of every burst still settling, now. */
  async flushPending(): Promise<void> {
    this.bursts.settleAll();
    await this.queue.idle();
  }

  /** Resolves when the versions being made right now are made (pending bursts keep waiting). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops the timers, makes pending versions and waits for them (before storage closes). */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flushPending().catch(() => undefined);
    this.closed = true;
    this.bursts.stop();
    this.unsubscribe?.();
    await this.queue.settled();
  }
}
