import {
  type AppendedRange,
  type LoggedUpdate,
  NOTHING_APPENDED,
  type Storage,
} from '../storage/storage';

/** One room's writes of a turn, as the scheduler stores them. */
export interface RoomBatch {
  storyId: string;
  updates: LoggedUpdate[];
  headline: string;
  /** Client updates the batch holds (`updates` may be fewer: a sender's run is merged). */
  received: number;
}

/**
 * A room whose batch held this many client updates is streaming into its story (a replay, an
 * import, a crowd typing at once): its next batch is cut STREAMING_PAUSE_MS after this one, not
 * in the next turn, so a commit, a Yjs transaction and a relay frame carry a millisecond's
 * updates rather than whatever arrived since the last turn. Typing, even ten people in one
 * story, never comes near it; the other rooms are not held back.
 */
export const STREAMING_BATCH = 16;
export const STREAMING_PAUSE_MS = 2;

/** What the scheduler needs from a room (StoryRoom). */
export interface BatchingRoom {
  /** Cuts the room's unstored writes (null: nothing to store, or a write is in flight). */
  takeBatch(): RoomBatch | null;
  batchStored(range: AppendedRange): void;
  batchFailed(err: unknown): void;
}

/**
 * Stores the writes of every room that has some, once per event-loop turn, in ONE storage
 * call: with SQLite one transaction for all of them (a commit writes the WAL pages of the log,
 * its index, the sequence and the story rows — ~75 µs of CPU each when a hundred stories commit
 * separately), with PostgreSQL one group-committed transaction. If the shared call fails, each
 * room's batch is retried on its own, so one story's failure never fails the others.
 */
export class WriteScheduler {
  private readonly due = new Set<BatchingRoom>();
  private scheduled = false;
  /** Streaming rooms: when their pause ends (performance.now()). */
  private readonly pausedUntil = new WeakMap<BatchingRoom, number>();
  /** Paused rooms with writes, due again when the timer fires. */
  private readonly waiting = new Set<BatchingRoom>();
  private waitTimer: NodeJS.Timeout | null = null;
  /** Batches after which their room was held for the pause (/metrics). */
  streamingPauses = 0;

  constructor(
    private readonly storage: Storage,
    private readonly pauseMs = STREAMING_PAUSE_MS,
  ) {}

  /** The room has writes to store: they go out in this turn's (or the next turn's) call. */
  schedule(room: BatchingRoom): void {
    this.due.add(room);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const rooms: BatchingRoom[] = [];
    const batches: RoomBatch[] = [];
    const now = performance.now();
    for (const room of this.due) {
      const until = this.pausedUntil.get(room) ?? 0;
      // Timers run to the millisecond: a pause within 0.05 ms of its end is over.
      if (until > now + 0.05) {
        this.wait(room, until - now);
        continue;
      }
      const batch = room.takeBatch();
      if (!batch) continue;
      if (batch.received >= STREAMING_BATCH) {
        this.pausedUntil.set(room, now + this.pauseMs);
        this.streamingPauses++;
      }
      rooms.push(room);
      batches.push(batch);
    }
    this.due.clear();
    if (batches.length === 0) return;
    void this.store(rooms, batches);
  };

  /** The room goes out when the first pause of those waiting ends (all are at most one). */
  private wait(room: BatchingRoom, remainingMs: number): void {
    this.waiting.add(room);
    this.waitTimer ??= setTimeout(this.endPause, remainingMs);
  }

  private readonly endPause = (): void => {
    this.waitTimer = null;
    for (const room of this.waiting) this.schedule(room);
    this.waiting.clear();
  };

  private async store(rooms: BatchingRoom[], batches: RoomBatch[]): Promise<void> {
    if (batches.length > 1 && this.storage.appendUpdatesMany) {
      let ranges: AppendedRange[] | null = null;
      try {
        ranges = await this.storage.appendUpdatesMany(batches);
      } catch {
        // Retried one by one below: only the story that cannot be stored fails.
      }
      if (ranges) {
        for (const [i, room] of rooms.entries()) {
          room.batchStored(ranges[i] ?? NOTHING_APPENDED);
        }
        return;
      }
    }
    await Promise.all(
      rooms.map(async (room, i) => {
        const batch = batches[i] as RoomBatch;
        let range: AppendedRange;
        try {
          range = await this.storage.appendUpdates(batch.storyId, batch.updates, batch.headline);
        } catch (err) {
          room.batchFailed(err);
          return;
        }
        room.batchStored(range);
      }),
    );
  }
}
