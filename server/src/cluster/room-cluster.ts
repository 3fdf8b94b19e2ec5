import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import type { ClusterMessage } from './cluster-messages';
import type { DocBus } from './doc-bus';

/** What a room lets its cluster link do to it. */
export interface ClusteredRoom {
  readonly id: string;
  /** Applies updates that another instance already stored; false if dependencies were missing. */
  applyRemoteUpdates(updates: Uint8Array[]): boolean;
  applyRemoteAwareness(update: Uint8Array): void;
}

const CATCH_UP_BATCH = 5_000;

/**
 * Keeps one loaded story in step with the other instances serving it.
 *
 * Fast path: stored updates arrive over the bus and are applied at once. Truth: the update log.
 * Appends to one story are serialised in storage, so reading `seq > appliedThrough` always
 * returns a gap-free continuation; the room catches up from it on a timer, soon after every
 * bus message, after a Redis reconnect, and whenever a bus message lacked its dependencies.
 * A lost or reordered Redis message therefore delays an edit by at most one catch-up, never
 * loses it — the failure mode of relays that trust pub/sub alone.
 */
export class RoomCluster {
  private appliedThrough = 0;
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
    },
  ) {}

  /** Subscribes before the room loads, so nothing published meanwhile is missed. */
  async subscribe(): Promise<void> {
    await this.options.bus.subscribe(this.room.id, (message) => this.onMessage(message));
  }

  /** The room holds the log up to `seq`: apply what arrived during the load, start the timer. */
  loaded(seq: number): void {
    this.appliedThrough = seq;
    const early = this.early ?? [];
    this.early = null;
    for (const message of early) this.onMessage(message);
    this.timer = setInterval(() => this.catchUp(), this.options.catchUpMs);
    this.timer.unref();
    if (early.length > 0) this.catchUp();
  }

  /** This instance stored `updates` (ending at `lastSeq`): tell the others. */
  stored(updates: Uint8Array[], lastSeq: number): void {
    const { bus } = this.options;
    bus.publish(this.room.id, { kind: 'updates', instanceId: bus.instanceId, lastSeq, updates });
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
    if (message.lastSeq <= this.appliedThrough) return;
    if (!this.room.applyRemoteUpdates(message.updates)) {
      this.catchUp();
      return;
    }
    this.catchUpSoon();
  }

  /** Coalesces the catch-ups that follow a stream of bus messages. */
  private catchUpSoon(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      this.catchUp();
    }, 50);
    this.soon.unref();
  }

  /** Reads and applies everything stored after `appliedThrough` (one read at a time). */
  catchUp(): Promise<void> {
    if (this.closed) return Promise.resolve();
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
    try {
      for (;;) {
        const rows = await history.loadUpdates(
          this.room.id,
          this.appliedThrough,
          Number.MAX_SAFE_INTEGER,
          CATCH_UP_BATCH,
        );
        const last = rows.at(-1);
        if (!last || this.closed) return;
        if (!this.room.applyRemoteUpdates(rows.map((r) => r.update))) {
          this.options.logger.error({ storyId: this.room.id }, 'stored log has a gap');
          return;
        }
        this.appliedThrough = last.seq;
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
