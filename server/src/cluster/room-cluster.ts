import type { Logger } from '../logger';
import type { AppendedRange, Storage } from '../storage/storage';
import type { ClusterMessage } from './cluster-messages';
import type { DocBus } from './doc-bus';
import { SeqFrontier } from './seq-frontier';

/** What a room lets its cluster link do to it. */
export interface ClusteredRoom {
  readonly id: string;
  /** Applies updates that another instance already stored; false if dependencies were missing. */
  applyRemoteUpdates(updates: Uint8Array[]): boolean;
  applyRemoteAwareness(update: Uint8Array): void;
}

const CATCH_UP_BATCH = 5_000;

/** Shared by an instance's rooms: what /metrics reports. */
export interface ClusterStats {
  /**
   * Catch-ups from the update log asked for because a bus message was missing, late or lacked
   * its dependencies (not the periodic check): steady editing on several instances needs none.
   */
  catchUps: number;
}

/**
 * Keeps one loaded story in step with the other instances serving it.
 *
 * Fast path: stored updates arrive over the bus and are applied at once. Truth: the update log.
 * Appends to one story are serialised in storage, so reading `seq > appliedThrough` always
 * returns a gap-free continuation; the room catches up from it on a timer, soon after a bus
 * message or an append of its own reveals rows it has not seen (each says which row of the
 * story it follows: SeqFrontier), after a Redis reconnect, and whenever a bus message lacked
 * its dependencies. A lost or reordered Redis message therefore delays an edit by at most one
 * catch-up, never loses it — the failure mode of relays that trust pub/sub alone. Reading the
 * log after every message instead cost a query and a re-apply of every edit on every instance.
 */
export class RoomCluster {
  private frontier = new SeqFrontier();
  /** A message from an instance that does not say what it follows: read the log soon. */
  private unverified = false;
  private early: ClusterMessage[] | null = [];
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(
    private readonly room: ClusteredRoom,
    private readonly options: {
      bus: DocBus;
      storage: Storage;
      logger: Logger;
      catchUpMs: number;
      stats?: ClusterStats;
    },
  ) {}

  /** Subscribes before the room loads, so nothing published meanwhile is missed. */
  async subscribe(): Promise<void> {
    await this.options.bus.subscribe(this.room.id, (message) => this.onMessage(message));
  }

  /** The room holds the log up to `seq`: apply what arrived during the load, start the timer. */
  loaded(seq: number): void {
    this.frontier = new SeqFrontier(seq);
    const early = this.early ?? [];
    this.early = null;
    for (const message of early) this.onMessage(message);
    this.timer = setInterval(() => this.catchUp(true), this.options.catchUpMs);
    this.timer.unref();
    if (early.length > 0) this.catchUp();
  }

  /** This instance stored `updates` as the story's rows `range`: tell the others. */
  stored(updates: Uint8Array[], range: AppendedRange): void {
    const { bus } = this.options;
    bus.publish(this.room.id, {
      kind: 'updates',
      instanceId: bus.instanceId,
      prevSeq: range.prevSeq,
      lastSeq: range.lastSeq,
      updates,
    });
    this.frontier.add(range.prevSeq, range.lastSeq);
    // Another instance's rows came before ours: its message is likely on the way.
    if (this.mayMissRows) this.catchUpSoon();
  }

  publishAwareness(update: Uint8Array): void {
    const { bus } = this.options;
    bus.publish(this.room.id, { kind: 'awareness', instanceId: bus.instanceId, update });
  }

  private onMessage(message: ClusterMessage): void {
    if (this.closed) return;
    if (this.early) {
      this.early.push(message);
      return;
    }
    if (message.kind === 'awareness') {
      this.room.applyRemoteAwareness(message.update);
      return;
    }
    if (message.lastSeq <= this.frontier.appliedThrough) return;
    if (!this.room.applyRemoteUpdates(message.updates)) {
      this.catchUp();
      return;
    }
    if (message.prevSeq === null) this.unverified = true;
    else this.frontier.add(message.prevSeq, message.lastSeq);
    if (this.mayMissRows) this.catchUpSoon();
  }

  /** Rows of the story may be stored that this instance has not applied. */
  private get mayMissRows(): boolean {
    return this.unverified || this.frontier.hasGap;
  }

  /**
   * Reads the log a little later if rows are still missing then: the message that fills a gap
   * is usually already on its way, and a stream of messages needs one read, not one each.
   */
  private catchUpSoon(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      if (this.mayMissRows) void this.catchUp();
    }, 50);
    this.soon.unref();
  }

  /** Reads and applies everything stored after `appliedThrough` (one read at a time). */
  catchUp(periodic = false): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!periodic && this.options.stats) this.options.stats.catchUps++;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.readLog().finally(() => {
      this.running = null;
      if (this.again && !this.closed) {
        this.again = false;
        void this.catchUp();
      }
    });
    return this.running;
  }

  private async readLog(): Promise<void> {
    const history = this.options.storage.history;
    if (!history) return;
    this.unverified = false;
    try {
      for (;;) {
        const rows = await history.loadUpdates(
          this.room.id,
          this.frontier.appliedThrough,
          Number.MAX_SAFE_INTEGER,
          CATCH_UP_BATCH,
        );
        const last = rows.at(-1);
        if (!last || this.closed) return;
        if (!this.room.applyRemoteUpdates(rows.map((r) => r.update))) {
          this.options.logger.error({ storyId: this.room.id }, 'stored log has a gap');
          return;
        }
        this.frontier.readThrough(last.seq);
        if (rows.length < CATCH_UP_BATCH) return;
      }
    } catch (err) {
      this.options.logger.warn({ err, storyId: this.room.id }, 'cluster catch-up failed; retrying');
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.options.bus.unsubscribe(this.room.id);
  }
}
