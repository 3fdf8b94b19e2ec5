import { yieldToEventLoop } from '../event-loop';
import type { ActivityRecord, StoredUpdate, StoryState } from '../storage/storage';
import { groupRuns, StoryTracker } from './story-tracker';

/** What one round of a story's new updates changed in its feed. */
export interface DrainedEntries {
  entries: ActivityRecord[];
  /** Ids of the entries that are new (the others grew). */
  created: Set<string>;
}

/** A story's working copy as the recorder holds it, wherever the copy itself lives. */
export interface TrackedStory {
  readonly storyId: string;
  /** Every update with seq <= cursor has been applied. */
  readonly cursor: number;
  /** When an update was last applied (idle copies are dropped by it). */
  readonly lastUsed: number;
  /** Applies updates that follow `cursor`, in log order; returns the entries they changed. */
  apply(updates: readonly StoredUpdate[]): Promise<DrainedEntries>;
  destroy(): void;
}

export interface OpenTracker {
  storyId: string;
  /** The story as stored up to `cursor` (null when nothing was read yet). */
  state: StoryState | null;
  cursor: number;
  /** Entries of the last `gapMs` whose bursts the copy continues. */
  recent: ActivityRecord[];
  now: number;
  gapMs: number;
}

/**
 * Where the activity feed's working copies live and do their work: in the server's own event
 * loop (InProcessTrackerEngine) or in a worker thread (WorkerTrackerEngine), so that applying
 * every edit a second time never holds up an editor's keystroke.
 */
export interface TrackerEngine {
  open(request: OpenTracker): Promise<TrackedStory>;
  /** Gets ready before the first story needs it (a worker starts). */
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Working copies in this thread; a long round yields every `sliceMs` (default 4). The worker
 * thread runs one too, with no slices (nothing else waits on its loop).
 */
export class InProcessTrackerEngine implements TrackerEngine {
  private readonly sliceMs: number;

  constructor(options: { sliceMs?: number } = {}) {
    this.sliceMs = options.sliceMs ?? 4;
  }

  async open(request: OpenTracker): Promise<TrackedStory> {
    const tracker = new StoryTracker(request.storyId, request.state, request.cursor, {
      gapMs: request.gapMs,
    });
    if (request.cursor > 0) tracker.resume(request.recent, request.now);
    const sliceMs = this.sliceMs;
    return {
      storyId: request.storyId,
      get cursor() {
        return tracker.cursor;
      },
      get lastUsed() {
        return tracker.lastUsed;
      },
      async apply(updates) {
        let sliceStart = performance.now();
        for (const run of groupRuns(updates)) {
          tracker.applyRun(run);
          // Five people typing in one story make many short runs: a round of them in one go
          // was a 30-ms stretch in the 20x5x10 benchmark. The recorder's lock keeps it ours.
          if (performance.now() - sliceStart > sliceMs) {
            await yieldToEventLoop();
            sliceStart = performance.now();
          }
        }
        return tracker.drain();
      },
      destroy: () => tracker.destroy(),
    };
  }

  async warmUp(): Promise<void> {}

  async close(): Promise<void> {}
}
