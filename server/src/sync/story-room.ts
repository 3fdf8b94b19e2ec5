import { CloseCode, canEditStory, type PublicUser, type StoryStatus } from '@copydesk/shared';
import * as Y from 'yjs';
import type { DocBus } from '../cluster/doc-bus';
import { type ClusterStats, RoomCluster } from '../cluster/room-cluster';
import { yieldToEventLoop } from '../event-loop';
import type { Logger } from '../logger';
import type { AppendedRange, Storage } from '../storage/storage';
import { BulkSender } from './bulk-sender';
import { CloseError } from './close-error';
import { encodeStored, encodeSyncUpdate } from './messages';
import {
  captureUpdates,
  dropPendingStructs,
  type PendingWrite,
  PendingWrites,
} from './pending-writes';
import { RoomAwareness } from './room-awareness';
import { StoredWaiters } from './stored-waiters';
import type { SyncConnection } from './sync-connection';
import { SyncStepReply } from './sync-step-reply';
import { UpdateIntake } from './update-intake';
import type { BatchingRoom, RoomBatch, WriteScheduler } from './write-scheduler';

/** An edit made by the server itself (e.g. a restore), attributed to an account. */
export class ServerOrigin {
  constructor(readonly userId: string) {}
}

/** Origin of edits another instance stored: relayed here, never stored again. */
const REMOTE = Symbol('remote');

export interface StoryRoomOptions {
  storage: Storage;
  /** Stores the writes of all rooms once per turn. */
  writer: WriteScheduler;
  logger: Logger;
  /** Largest encoded document; an update that would grow the story past it is refused (4413). */
  maxStoryBytes?: number;
  /** Called once a batch is stored; used to trigger background compaction. */
  onStored?: (room: StoryRoom, count: number) => void;
  /** Called when storage failed: the room must be dropped and reloaded from storage. */
  onFailed?: (room: StoryRoom) => void;
  /** Other instances serving this story (Redis); absent or disabled on a single instance. */
  cluster?: { bus: DocBus; catchUpMs: number; stats?: ClusterStats };
  /**
   * BENCHMARK ONLY (BENCH_RELAY_BEFORE_STORE): relay before the store commits, as servers
   * without durability do, to measure what store-before-relay costs. Never in production.
   */
  relayBeforeStore?: boolean;
  /** Paces big catch-up frames across every story of the process (one per room if absent). */
  bulk?: BulkSender;
}

/** What happened to a client's update. */
export type UpdateOutcome = 'applied' | 'noop' | 'dropped';

/**
 * A loaded story: its Y.Doc, awareness and connections.
 *
 * The durability rule lives here: an update is appended to the log before it is
 * relayed to anyone, and sync replies wait until the document holds nothing
 * unstored. So anything a client has seen from the server is on disk.
 *
 * The safety rule lives here too: a client's update is validated (update-validator.ts) and
 * checked against the story size limit before it touches the document, and read-only
 * connections never get that far.
 */
export class StoryRoom implements BatchingRoom {
  private readonly ydoc = new Y.Doc({ gc: true });
  /** Who is in the story and where their carets are. */
  readonly presence: RoomAwareness;
  private readonly intake: UpdateIntake;
  private readonly syncReply: SyncStepReply;
  private readonly stored = new StoredWaiters({
    allStored: () => this.pending.length === 0 && !this.writing,
    failed: () => this.failed,
  });
  readonly connections = new Set<SyncConnection>();
  /** Connections plus short-lived readers (HTTP); the room unloads at zero. */
  holders = 0;
  failed = false;
  updatesSinceSnapshot = 0;
  /** Workflow status as last read from storage (decides who may write). */
  status: StoryStatus = 'draft';
  /** Accepted, not yet stored (and perhaps not in the document yet either). */
  private readonly pending: PendingWrites;
  private writing = false;
  /** The batch being stored, and the state vector to acknowledge once it is. */
  private inFlight: { writes: PendingWrite[]; ackVector: Uint8Array | null } | null = null;
  /** The last log position this room loaded or stored. */
  private storedThrough = 0;
  /** Yjs threw mid-update: the document may hold unstored state and must be reloaded. */
  private poisoned = false;
  private readonly cluster: RoomCluster | null;

  constructor(
    readonly id: string,
    private readonly options: StoryRoomOptions,
  ) {
    const doc = this.ydoc;
    const docNow = () => this.doc;
    this.intake = new UpdateIntake({ doc, docNow, maxStoryBytes: options.maxStoryBytes });
    this.pending = new PendingWrites({
      doc,
      applied: () => this.intake.applied(),
      applyFailed: (err, culprit) => {
        culprit?.close(CloseCode.malformed, 'update could not be applied');
        this.poison(err, culprit);
      },
      mergeFailed: (err) =>
        options.logger.warn({ err, storyId: id }, 'merging updates failed; storing each'),
      discardPendingStructs: () => this.discardPendingStructs(null),
    });
    this.syncReply = new SyncStepReply({
      doc,
      docNow,
      afterStore: (fn) => (options.relayBeforeStore ? fn() : this.whenStored(fn)),
      usable: () => this.usable,
      sizeAtMost: () => this.intake.sizeAtMost,
      bulk: options.bulk ?? new BulkSender(),
    });
    this.presence = new RoomAwareness(this.ydoc, {
      storyId: id,
      logger: options.logger,
      connections: this.connections,
      publish: options.cluster?.bus.enabled
        ? (update) => this.cluster?.publishAwareness(update)
        : undefined,
    });
    const cluster = options.cluster;
    this.cluster = cluster?.bus.enabled
      ? new RoomCluster(this, { ...cluster, storage: options.storage, logger: options.logger })
      : null;
  }

  /**
   * The document with every accepted update in it. Client updates are validated and queued as
   * they arrive, and applied to the document together once per event-loop turn (one Yjs
   * transaction for the lot, with no `update` event to re-encode: the client's own bytes are
   * stored and relayed). Anyone reading the document gets the queue applied first.
   */
  get doc(): Y.Doc {
    this.materialize();
    return this.ydoc;
  }

  /**
   * Loads the newest snapshot, a part per event-loop turn (a big story's whole state in one
   * apply is a stretch of 20–110 ms that every other story waits behind), then the log since
   * in one transaction.
   */
  async load(): Promise<void> {
    await this.cluster?.subscribe();
    const [state, record] = await Promise.all([
      this.options.storage.loadStoryState(this.id),
      this.options.storage.getStory(this.id),
    ]);
    if (record) this.status = record.status;
    const snapshotParts = state.snapshot?.parts ?? [];
    const logged = state.updates.map((u) => u.update);
    this.updatesSinceSnapshot = logged.length;
    this.intake.loaded([...snapshotParts, ...logged].reduce((sum, p) => sum + p.byteLength, 0));
    for (const [i, part] of snapshotParts.entries()) {
      if (i > 0) await yieldToEventLoop();
      Y.applyUpdate(this.ydoc, part);
    }
    // One transaction applying each update is ~10x faster than Y.mergeUpdates for thousands
    // of small keystroke updates (measured: 40 ms vs 0.3-0.9 s for 2000).
    if (logged.length > 0) {
      this.ydoc.transact(() => {
        for (const update of logged) Y.applyUpdate(this.ydoc, update);
      });
    } else if (state.snapshot) {
      this.syncReply.seed(snapshotParts);
    }
    this.storedThrough = state.updates.at(-1)?.seq ?? state.snapshot?.upto ?? 0;
    this.cluster?.loaded(this.storedThrough);
  }

  /**
   * Applies updates another instance already stored (bus or log catch-up). Returns false, and
   * drops what could not be integrated, when their dependencies are not here yet: the caller
   * then catches up from the log, where they are in order.
   */
  applyRemoteUpdates(updates: Uint8Array[]): boolean {
    if (!this.usable) return true;
    this.materialize();
    // Stored by another instance already: relay only what is new here.
    const changed = captureUpdates(this.ydoc, () =>
      this.ydoc.transact(() => {
        for (const update of updates) Y.applyUpdate(this.ydoc, update, REMOTE);
      }, REMOTE),
    );
    for (const update of changed) {
      const frame = encodeSyncUpdate(update);
      for (const conn of this.connections) conn.send(frame);
    }
    return !dropPendingStructs(this.ydoc);
  }

  /** Re-reads the log for other instances' edits (after a Redis reconnect). */
  catchUpFromLog(): Promise<void> {
    return this.cluster?.catchUp() ?? Promise.resolve();
  }

  applyRemoteAwareness(update: Uint8Array): void {
    this.presence.applyRemote(update);
  }

  /** The room was dropped because Yjs threw on a validated update, not because storage failed. */
  get poisonedOnly(): boolean {
    return this.poisoned;
  }

  /** False once the room must not serve anyone any more (storage failure or a poisoned doc). */
  get usable(): boolean {
    return !this.failed && !this.poisoned;
  }

  /** Whether `user` may change the text right now. */
  canWrite(user: PublicUser): boolean {
    return canEditStory(user.role, this.status);
  }

  join(conn: SyncConnection): void {
    this.connections.add(conn);
  }

  leave(conn: SyncConnection): void {
    if (!this.connections.delete(conn)) return;
    this.presence.leave(conn);
  }

  /** The workflow moved: every open connection gets its write permission for the new status. */
  setStatus(status: StoryStatus): void {
    if (status === this.status) return;
    this.status = status;
    for (const conn of this.connections) conn.readOnly = !this.canWrite(conn.user);
    this.options.logger.debug({ storyId: this.id, status }, 'story status applied to connections');
  }

  /** The account behind `conn` changed (role, name, colour): permissions and presence follow. */
  updateUser(conn: SyncConnection, user: PublicUser): void {
    conn.user = user;
    conn.readOnly = !this.canWrite(user);
    this.presence.updateUser(conn, user);
  }

  /**
   * Applies a client's update (sync step 2 or update). Read-only connections are dropped here,
   * before any decoding. Throws CloseError (4400 invalid, 4413 too large) for the sender.
   */
  applyClientUpdate(conn: SyncConnection, update: Uint8Array): UpdateOutcome {
    if (conn.readOnly || this.failed || this.poisoned) return 'dropped';
    const admission = this.intake.admit(conn, update);
    if (admission === 'noop') return 'noop';
    if (admission === 'resync') return 'dropped';
    // Yjs gets its own exact copy (never a view into a larger, possibly pooled, buffer).
    const exact = update.slice();
    if (admission === 'apply-now') return this.applyExactly(conn, exact);
    this.queueWrite({ update: exact, userId: conn.user.id, at: Date.now(), origin: conn }, false);
    return 'applied';
  }

  /**
   * An update that repeats content the document has, or deletes some of what is deleted
   * already (reconnect races, two people deleting the same words): applied at once, and what
   * Yjs reports as new is stored instead of the client's bytes, so the log (and who-wrote-what
   * in the history) only ever holds each insertion and deletion once.
   */
  private applyExactly(conn: SyncConnection, update: Uint8Array): UpdateOutcome {
    this.materialize();
    if (!this.usable) return 'dropped';
    let changed: Uint8Array[];
    try {
      changed = captureUpdates(this.ydoc, () => Y.applyUpdate(this.ydoc, update, conn));
    } catch (err) {
      this.poison(err, conn);
      throw new CloseError(CloseCode.malformed, 'update could not be applied');
    }
    const leftPending = this.discardPendingStructs(conn);
    for (const u of changed) {
      this.queueWrite({ update: u, userId: conn.user.id, at: Date.now(), origin: conn }, true);
    }
    if (leftPending) throw new CloseError(CloseCode.malformed, 'update has missing dependencies');
    return changed.length > 0 ? 'applied' : 'noop';
  }

  /** Edits made by the server itself (a restore), stored and relayed like a client's. */
  editAsServer(userId: string, edit: (doc: Y.Doc) => void): void {
    this.materialize();
    const origin = new ServerOrigin(userId);
    const changed = captureUpdates(this.ydoc, () =>
      this.ydoc.transact(() => edit(this.ydoc), origin),
    );
    for (const update of changed) {
      this.queueWrite({ update, userId, at: Date.now(), origin: null }, true);
    }
  }

  /** The validator should make pending structs impossible; never keep (or serve) them. */
  private discardPendingStructs(conn: SyncConnection | null): boolean {
    if (!dropPendingStructs(this.ydoc)) return false;
    this.options.logger.error(
      { storyId: this.id, user: conn?.user.username },
      'validated update left pending structs; discarded them',
    );
    return true;
  }

  /**
   * Applies the accepted updates that are not in the document yet, in one transaction. If Yjs
   * throws (a validator gap), what came before the culprit is kept and stored, the culprit's
   * sender is closed with 4400, and the room reloads from storage once that is stored.
   */
  private materialize(): void {
    if (!this.poisoned) this.pending.materialize();
  }

  /** Answers sync step 1 once everything the reply could contain is stored. */
  replySyncStep1(conn: SyncConnection, stateVector: Uint8Array): void {
    this.syncReply.reply(conn, stateVector);
  }

  /**
   * The log position the document holds exactly — every stored update up to it and nothing
   * else — or null when that is not known right now (unstored edits, or other instances write
   * to this story too). History reads versions from here instead of rebuilding them.
   */
  exactStoredPoint(): number | null {
    if (!this.usable || this.cluster || this.writing || this.pending.length > 0) return null;
    return this.storedThrough;
  }

  /** Calls `fn` as soon as the document holds nothing that is not yet stored. */
  whenStored(fn: () => void): void {
    this.stored.whenStored(fn);
  }

  /**
   * Resolves once nothing is unstored; rejects (503) if storing fails first. The room then holds
   * edits that are not stored and must never be read, and its sync waiters are dropped (see
   * `fail`).
   */
  whenStoredAsync(): Promise<void> {
    return this.stored.whenStoredAsync();
  }

  /** `inDoc`: the document holds it already (else it is applied at the next materialize). */
  private queueWrite(write: PendingWrite, inDoc: boolean): void {
    this.intake.grew(write.update.byteLength);
    if (this.options.relayBeforeStore) this.relayUpdate(write);
    this.pending.push(write, inDoc);
    if (!this.writing && this.pending.length === 1) this.scheduleWrite();
  }

  /** WriteScheduler: cuts what is to be stored now (null when nothing, or a write is out). */
  takeBatch(): RoomBatch | null {
    if (this.writing || this.failed) return null;
    this.materialize();
    if (this.pending.length === 0) {
      this.stored.release();
      return null;
    }
    this.writing = true;
    const { writes: batch, received } = this.pending.cut();
    // At the cut the document holds exactly what is stored plus this batch: once the batch is
    // stored, this state vector is durable (the "Saved" acknowledgement).
    this.inFlight = {
      writes: batch,
      ackVector: batch.some((w) => w.origin?.wantsAck) ? Y.encodeStateVector(this.ydoc) : null,
    };
    return {
      storyId: this.id,
      updates: batch,
      headline: this.ydoc.getText('headline').toString().slice(0, 300),
      received,
    };
  }

  /** WriteScheduler: the batch is stored; relay it and let waiters go on. */
  batchStored(range: AppendedRange): void {
    const inFlight = this.inFlight;
    this.inFlight = null;
    this.writing = false;
    if (!inFlight) return;
    const batch = inFlight.writes;
    this.storedThrough = range.lastSeq;
    this.updatesSinceSnapshot += batch.length;
    this.relay(batch, inFlight.ackVector);
    this.cluster?.stored(
      batch.map((w) => w.update),
      range,
    );
    if (this.pending.length > 0) this.scheduleWrite();
    else this.stored.release();
    this.options.onStored?.(this, batch.length);
  }

  /** WriteScheduler: storage refused the batch. */
  batchFailed(err: unknown): void {
    this.inFlight = null;
    this.writing = false;
    this.fail(err);
  }

  private scheduleWrite(): void {
    this.options.writer.schedule(this);
  }

  private relayUpdate(write: PendingWrite): void {
    const frame = encodeSyncUpdate(write.update);
    for (const conn of this.connections) if (conn !== write.origin) conn.send(frame);
  }

  private relay(batch: PendingWrite[], ackVector: Uint8Array | null): void {
    if (!this.options.relayBeforeStore) for (const write of batch) this.relayUpdate(write);
    const ackers = new Set(batch.map((w) => w.origin).filter((c) => c?.wantsAck));
    if (ackers.size > 0 && ackVector) {
      const frame = encodeStored(ackVector);
      for (const conn of ackers) conn?.send(frame);
    }
  }

  /**
   * Storage refused the batch: the in-memory document now holds edits that are not
   * stored, so it must never be served. Close everyone (they keep their edits and
   * resync on reconnect) and let the registry drop the room.
   */
  private fail(err: unknown): void {
    this.failed = true;
    this.options.logger.error(
      { err, storyId: this.id },
      'storing updates failed; dropping story from memory',
    );
    this.stored.fail();
    for (const conn of this.connections)
      conn.close(CloseCode.storageUnavailable, 'storage unavailable');
    this.options.onFailed?.(this);
  }

  /**
   * Yjs threw half-way through a validated update (a validator gap): part of it may be in the
   * document, unstored and never relayed. Store what others sent before, then close everyone
   * with 1012 (they reconnect at once) and let the registry reload the story from storage.
   */
  private poison(err: unknown, conn: SyncConnection | null): void {
    if (this.poisoned) return;
    this.poisoned = true;
    this.options.logger.error(
      { err, storyId: this.id, user: conn?.user.username },
      'applying a validated update failed; reloading the story from storage',
    );
    this.whenStored(() => {
      this.failed = true;
      for (const c of this.connections) c.close(CloseCode.serviceRestart, 'story reloading');
      this.options.onFailed?.(this);
    });
  }

  destroy(): void {
    // Before the cluster closes: departures still reach the other instances.
    this.presence.destroy();
    this.cluster?.close();
    this.syncReply.destroy();
    this.ydoc.destroy();
  }
}
