import type { StoryStatus } from '@copydesk/shared';
import type { DocBus } from '../cluster/doc-bus';
import type { ClusterStats } from '../cluster/room-cluster';
import { yieldToEventLoop } from '../event-loop';
import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import { BulkSender } from './bulk-sender';
import type { Compactor } from './compactor';
import { StoryRoom } from './story-room';
import { WriteScheduler } from './write-scheduler';

export interface RoomRegistryOptions {
  storage: Storage;
  logger: Logger;
  compactor: Compactor;
  /** How long a story with no holders stays in memory (reconnects are cheap within it). */
  unloadAfterMs: number;
  compactEveryUpdates: number;
  /** Largest encoded story (MAX_STORY_BYTES). */
  maxStoryBytes?: number;
  /** Instances sharing stories (Redis); catch-up interval from the log. */
  bus?: DocBus;
  catchUpMs?: number;
  /** Benchmark only: see StoryRoomOptions.relayBeforeStore. */
  relayBeforeStore?: boolean;
}

const WRITE_FAILURE_HOLD_MS = 10_000;

/** Loads each story once, shares it among its holders, and unloads it when idle. */
export class RoomRegistry {
  private readonly rooms = new Map<string, Promise<StoryRoom>>();
  readonly clusterStats: ClusterStats = { catchUps: 0 };
  /** Rooms whose load finished (same keys as `rooms` once loaded). */
  private readonly ready = new Map<string, StoryRoom>();
  private readonly unloadTimers = new Map<string, NodeJS.Timeout>();

  /** When storing edits last failed; cleared by the next successful store. */
  private lastWriteFailureAt: number | null = null;

  /** One storage call per turn for every room's writes. */
  private readonly writer: WriteScheduler;
  /** Every story's joiners' catch-up frames, paced together. */
  private readonly bulk = new BulkSender();

  constructor(private readonly options: RoomRegistryOptions) {
    this.writer = new WriteScheduler(options.storage);
  }

  /**
   * False while storing edits fails (and for a while after the last failure, since no one may
   * write again until clients come back): `/readyz` reports it, as a plain read cannot.
   */
  writesHealthy(now = Date.now()): boolean {
    return (
      this.lastWriteFailureAt === null || now - this.lastWriteFailureAt > WRITE_FAILURE_HOLD_MS
    );
  }

  /** Times a streaming story's next commit was held to carry more (write-scheduler.ts). */
  get streamingPauses(): number {
    return this.writer.streamingPauses;
  }

  get loadedCount(): number {
    return this.rooms.size;
  }

  /** The loaded room of a story, if any (no loading). */
  loaded(storyId: string): StoryRoom | undefined {
    return this.ready.get(storyId);
  }

  /** Every loaded room, synchronously (for the periodic re-checks). */
  readyRooms(): StoryRoom[] {
    return [...this.ready.values()];
  }

  /** A story's workflow status changed: a loaded room applies it to its connections at once. */
  statusChanged(storyId: string, status: StoryStatus): void {
    this.ready.get(storyId)?.setStatus(status);
  }

  /** Loads (or reuses) the story and counts the caller as a holder until `release`. */
  async acquire(storyId: string): Promise<StoryRoom> {
    const timer = this.unloadTimers.get(storyId);
    if (timer) {
      clearTimeout(timer);
      this.unloadTimers.delete(storyId);
    }
    let loading = this.rooms.get(storyId);
    if (!loading) {
      loading = this.load(storyId);
      this.rooms.set(storyId, loading);
      loading.catch(() => this.rooms.delete(storyId));
    }
    const room = await loading;
    room.holders++;
    return room;
  }

  release(room: StoryRoom): void {
    room.holders = Math.max(0, room.holders - 1);
    if (room.holders > 0 || room.failed) return;
    const timer = setTimeout(() => void this.unload(room), this.options.unloadAfterMs);
    timer.unref();
    this.unloadTimers.set(room.id, timer);
  }

  /** Reads a story's document briefly (HTTP views) without keeping it loaded. */
  async withRoom<T>(storyId: string, fn: (room: StoryRoom) => T | Promise<T>): Promise<T> {
    const room = await this.acquire(storyId);
    try {
      await room.whenStoredAsync();
      return await fn(room);
    } finally {
      this.release(room);
    }
  }

  /** Rooms currently loaded (for shutdown and metrics). */
  async loadedRooms(): Promise<StoryRoom[]> {
    const settled = await Promise.allSettled(this.rooms.values());
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }

  private async load(storyId: string): Promise<StoryRoom> {
    const room = new StoryRoom(storyId, {
      writer: this.writer,
      bulk: this.bulk,
      storage: this.options.storage,
      logger: this.options.logger,
      ...(this.options.maxStoryBytes === undefined
        ? {}
        : { maxStoryBytes: this.options.maxStoryBytes }),
      onStored: (r) => {
        this.lastWriteFailureAt = null;
        if (r.updatesSinceSnapshot >= this.options.compactEveryUpdates) this.compact(r);
      },
      onFailed: (r) => {
        if (!r.poisonedOnly) this.lastWriteFailureAt = Date.now();
        this.drop(r);
      },
      ...(this.options.relayBeforeStore ? { relayBeforeStore: true } : {}),
      ...(this.options.bus
        ? {
            cluster: {
              bus: this.options.bus,
              catchUpMs: this.options.catchUpMs ?? 2_000,
              stats: this.clusterStats,
            },
          }
        : {}),
    });
    try {
      await room.load();
    } catch (err) {
      room.destroy();
      throw err;
    }
    // Loading a big story is one long stretch (its Yjs apply): let other stories' sockets run
    // before its joiners' replies add another.
    await yieldToEventLoop();
    this.ready.set(storyId, room);
    this.options.logger.debug({ storyId }, 'story loaded');
    return room;
  }

  private compact(room: StoryRoom): void {
    room.updatesSinceSnapshot = 0;
    this.options.compactor.schedule(room.id);
  }

  private async unload(room: StoryRoom): Promise<void> {
    this.unloadTimers.delete(room.id);
    try {
      await room.whenStoredAsync();
    } catch {
      return; // storing failed: the room was dropped already (onFailed)
    }
    if (room.holders > 0 || this.rooms.get(room.id) === undefined) return;
    if (room.updatesSinceSnapshot > 0) this.compact(room);
    this.rooms.delete(room.id);
    this.ready.delete(room.id);
    room.destroy();
    this.options.logger.debug({ storyId: room.id }, 'story unloaded');
  }

  private drop(room: StoryRoom): void {
    this.rooms.delete(room.id);
    this.ready.delete(room.id);
    const timer = this.unloadTimers.get(room.id);
    if (timer) clearTimeout(timer);
    this.unloadTimers.delete(room.id);
    room.destroy();
  }

  /** Waits for every loaded story to store what it holds (graceful shutdown). */
  async flushAll(): Promise<void> {
    const rooms = await this.loadedRooms();
    // A room whose store fails is dropped; its edits are with its clients (they resend them).
    await Promise.all(rooms.map((r) => r.whenStoredAsync().catch(() => undefined)));
  }

  close(): void {
    for (const timer of this.unloadTimers.values()) clearTimeout(timer);
    this.unloadTimers.clear();
  }
}
