import { CloseCode, canEditStory, type PublicUser, type StoryStatus } from '@copydesk/shared';
import * as Y from 'yjs';
import type { DocBus } from '../cluster/doc-bus';
import { type ClusterStats, RoomCluster } from '../cluster/room-cluster';
import { serviceUnavailable } from '../errors';
import { yieldToEventLoop } from '../event-loop';
import type { Logger } from '../logger';
import type { AppendedRange, Storage } from '../storage/storage';
import { BulkSender } from './bulk-sender';
import { CloseError } from './close-error';
import { deleteNovelty, QueuedDeletes } from './delete-novelty';
import { FullStateCache } from './full-state-cache';
import { mergeRuns, type SenderWrite, sameSender } from './merge-runs';
import { encodeStored, encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate } from './messages';
import { RoomAwareness } from './room-awareness';
import type { SyncConnection } from './sync-connection';
import {
  type DocState,
  UpdateRejectedError,
  validateStateVector,
  validateUpdate,
} from './update-validator';
import type { BatchingRoom, RoomBatch, WriteScheduler } from './write-scheduler';

const storyUnavailable = () =>
  serviceUnavailable('This story could not be stored; try again shortly.');

/** An edit made by the server itself (e.g. a restore), attributed to an account. */
export class ServerOrigin {
  constructor(readonly userId: string) {}
}

/** How long a client may take to answer our sync step 1 after it sent an update with gaps. */
const RESYNC_ANSWER_MS = 2_000;

/** A story this big (bytes, upper bound) gets its whole state in parts, from a turn of its own. */
const OWN_TURN_BYTES = 64 * 1024;

/** Origin of edits another instance stored: relayed here, never stored again. */
const REMOTE = Symbol('remote');

type PendingWrite = SenderWrite<SyncConnection | null>;

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
  private readonly fullState = new FullStateCache(this.ydoc, {
    later: (step) =>
      setImmediate(() => (this.options.relayBeforeStore ? step() : this.whenStored(step))),
  });
  private readonly bulk: BulkSender;
  /**
   * Yjs's encoding of a one-sender turn (materialize). A field, not a closure made per turn:
   * tsx wraps each named closure in __name() (a defineProperty) when it is created.
   */
  private readonly captured: Uint8Array[] = [];
  private readonly capture = (update: Uint8Array): void => {
    this.captured.push(update);
  };
  readonly connections = new Set<SyncConnection>();
  /** Connections plus short-lived readers (HTTP); the room unloads at zero. */
  holders = 0;
  failed = false;
  updatesSinceSnapshot = 0;
  /** Workflow status as last read from storage (decides who may write). */
  status: StoryStatus = 'draft';
  /** Accepted, not yet stored. `pending[applyFrom..]` are not in the document yet either. */
  private pending: PendingWrite[] = [];
  private applyFrom = 0;
  /** Writes queued since the last batch was cut (RoomBatch.received). */
  private receivedSinceCut = 0;
  /** Next clock per client and root names, counting accepted updates not yet in the document. */
  private readonly queuedState = new Map<number, number>();
  private readonly queuedRoots = new Set<string>();
  private readonly queuedDeletes = new QueuedDeletes();
  private writing = false;
  /** The batch being stored, and the state vector to acknowledge once it is. */
  private inFlight: { writes: PendingWrite[]; ackVector: Uint8Array | null } | null = null;
  /** The last log position this room loaded or stored. */
  private storedThrough = 0;
  private storedWaiters: (() => void)[] = [];
  /** whenStoredAsync's rejections, for when storing fails before it resolves. */
  private readonly failureWaiters = new Set<(err: Error) => void>();
  /** An upper bound of the encoded document size; recomputed exactly when near the limit. */
  private sizeBound = 0;
  /** Yjs threw mid-update: the document may hold unstored state and must be reloaded. */
  private poisoned = false;
  private readonly docState: DocState;
  private readonly cluster: RoomCluster | null;

  constructor(
    readonly id: string,
    private readonly options: StoryRoomOptions,
  ) {
    this.bulk = options.bulk ?? new BulkSender();
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
    const doc = this.ydoc;
    const { queuedState, queuedRoots } = this;
    this.docState = {
      stateOf: (client) => queuedState.get(client) ?? Y.getState(doc.store, client),
      hasRoot: (name) => doc.share.has(name) || queuedRoots.has(name),
      get rootCount() {
        return doc.share.size + queuedRoots.size;
      },
    };
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
    this.sizeBound = [...snapshotParts, ...logged].reduce((sum, p) => sum + p.byteLength, 0);
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
      this.fullState.seed(snapshotParts);
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
    const changed = this.captureUpdates(() =>
      this.ydoc.transact(() => {
        for (const update of updates) Y.applyUpdate(this.ydoc, update, REMOTE);
      }, REMOTE),
    );
    for (const update of changed) {
      const frame = encodeSyncUpdate(update);
      for (const conn of this.connections) conn.send(frame);
    }
    const store = this.ydoc.store;
    if (store.pendingStructs === null && store.pendingDs === null) return true;
    store.pendingStructs = null;
    store.pendingDs = null;
    return false;
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
    let summary: ReturnType<typeof validateUpdate>;
    try {
      summary = validateUpdate(update, this.docState);
    } catch (err) {
      if (err instanceof UpdateRejectedError && err.reason === 'missing') {
        // A stock client that types while it reconnects sends new edits before the history we
        // lack. Not an attack: drop it and ask for everything we are missing (its reply carries
        // the dropped edit too). Rate limits bound how often this can be asked for.
        this.requestResync(conn);
        return 'dropped';
      }
      if (err instanceof UpdateRejectedError) {
        throw new CloseError(CloseCode.malformed, `rejected update: ${err.message}`);
      }
      throw err;
    }
    if (summary.newStructs === 0 && summary.deleteRanges === 0) return 'noop';
    if (summary.newStructs > 0) this.ensureRoomFor(update.byteLength);

    // Yjs gets its own exact copy (never a view into a larger, possibly pooled, buffer).
    const exact = update.slice();
    let applyNow = summary.overlaps;
    if (!applyNow && summary.deleteRanges > 0) {
      const novelty = deleteNovelty(this.ydoc, this.queuedDeletes, summary.deletes);
      if (novelty === 'none' && summary.newStructs === 0) return 'noop';
      applyNow = novelty !== 'new';
    }
    if (applyNow) return this.applyExactly(conn, exact);
    for (const [client, next] of summary.advanced) this.queuedState.set(client, next);
    for (const name of summary.newRoots) this.queuedRoots.add(name);
    this.queuedDeletes.add(summary.deletes);
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
      changed = this.captureUpdates(() => Y.applyUpdate(this.ydoc, update, conn));
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
    const changed = this.captureUpdates(() => this.ydoc.transact(() => edit(this.ydoc), origin));
    for (const update of changed) {
      this.queueWrite({ update, userId, at: Date.now(), origin: null }, true);
    }
  }

  /** The `update` events of what `fn` does to the document (none are encoded otherwise). */
  private captureUpdates(fn: () => void): Uint8Array[] {
    const changed: Uint8Array[] = [];
    const onUpdate = (update: Uint8Array) => changed.push(update);
    this.ydoc.on('update', onUpdate);
    try {
      fn();
    } finally {
      this.ydoc.off('update', onUpdate);
    }
    return changed;
  }

  /** The validator should make pending structs impossible; never keep (or serve) them. */
  private discardPendingStructs(conn: SyncConnection | null): boolean {
    const store = this.ydoc.store;
    if (store.pendingStructs === null && store.pendingDs === null) return false;
    store.pendingStructs = null;
    store.pendingDs = null;
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
    const from = this.applyFrom;
    const to = this.pending.length;
    if (from >= to || this.poisoned) return;
    this.applyFrom = to;
    this.queuedState.clear();
    this.queuedRoots.clear();
    this.queuedDeletes.clear();
    let current = from;
    // One sender's run (a paste, a fast typist, a replay): Yjs encodes what the transaction
    // added, which is the run merged (typed characters already joined into few items), for far
    // less than Y.mergeUpdates decoding and re-encoding every update of it. Used only when
    // that transaction was the only one to fire (an observer starting another would mix its
    // changes in); otherwise the clients' own bytes are kept, as for a mixed turn.
    const captured = this.captured;
    captured.length = 0;
    const captureRun = to - from >= 2 && this.oneSender(from, to);
    if (captureRun) this.ydoc.on('update', this.capture);
    try {
      this.ydoc.transact(() => {
        for (; current < to; current++) {
          Y.applyUpdate(this.ydoc, (this.pending[current] as PendingWrite).update);
        }
      });
    } catch (err) {
      const culprit = this.pending[current]?.origin ?? null;
      this.pending.length = current;
      this.applyFrom = current;
      culprit?.close(CloseCode.malformed, 'update could not be applied');
      this.poison(err, culprit);
      return;
    } finally {
      if (captureRun) this.ydoc.off('update', this.capture);
    }
    if (this.discardPendingStructs(null)) {
      this.poison(new Error('validated updates left pending structs'), null);
      return;
    }
    const merged = captured.length === 1 ? captured[0] : undefined;
    if (merged) {
      const last = this.pending[to - 1] as PendingWrite;
      this.pending.splice(from, to - from, { ...last, update: merged });
      this.applyFrom = this.pending.length;
    }
  }

  /** The writes [from, to) all came from one connection and one account. */
  private oneSender(from: number, to: number): boolean {
    const first = this.pending[from] as PendingWrite;
    for (let i = from + 1; i < to; i++) {
      if (!sameSender(first, this.pending[i] as PendingWrite)) return false;
    }
    return true;
  }

  /**
   * Asks a client for what we lack. A real client answers at once with sync step 2; a client
   * that does not answer in time, or still sends gaps after answering, is not a y-websocket
   * client (e.g. forged clocks) and is closed with 4400.
   */
  private requestResync(conn: SyncConnection): void {
    if (conn.resyncAnswered) {
      throw new CloseError(CloseCode.malformed, 'update depends on content nobody sent');
    }
    if (conn.resyncTimer) return;
    conn.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
    conn.resyncTimer = setTimeout(
      () => conn.close(CloseCode.malformed, 'no answer to a resync request'),
      RESYNC_ANSWER_MS,
    );
    conn.resyncTimer.unref();
  }

  /** Refuses growth past maxStoryBytes; the exact size is computed only near the limit. */
  private ensureRoomFor(bytes: number): void {
    const max = this.options.maxStoryBytes;
    if (max === undefined || this.sizeBound + bytes <= max) return;
    this.sizeBound = Y.encodeStateAsUpdate(this.doc).byteLength;
    if (this.sizeBound + bytes > max) {
      throw new CloseError(
        CloseCode.tooLarge,
        `story would exceed ${max} bytes (now ${this.sizeBound}, update ${bytes})`,
      );
    }
  }

  /** Big enough that its whole state goes out in parts, a part per turn (bound, not exact). */
  private get big(): boolean {
    return this.sizeBound >= OWN_TURN_BYTES;
  }

  /** Answers sync step 1 once everything the reply could contain is stored. */
  replySyncStep1(conn: SyncConnection, stateVector: Uint8Array): void {
    try {
      validateStateVector(stateVector);
    } catch (err) {
      if (err instanceof UpdateRejectedError) {
        throw new CloseError(CloseCode.malformed, `rejected state vector: ${err.message}`);
      }
      throw err;
    }
    const vector = stateVector.slice();
    const whole = FullStateCache.isEmptyStateVector(vector);
    const open = () => !(this.poisoned || this.failed || conn.closed);
    const reply = () => {
      if (!open()) return;
      const doc = this.doc;
      if (!whole) {
        conn.send(encodeSyncStep2(Y.encodeStateAsUpdate(doc, vector)));
      } else if (!this.big) {
        this.fullState.send((frame) => conn.send(frame), false);
      } else {
        // Paced with every other story's catch-up frames: live edits go out in between.
        this.fullState.send(
          (frame) => this.bulk.enqueue(frame.byteLength, () => open() && conn.send(frame)),
          true,
        );
      }
    };
    // A whole big story goes out a part per turn, the first in a turn of its own, not on top of
    // the story's load or a burst of other work (other stories wait behind one long stretch).
    const replyInOwnTurn = () =>
      whole && this.big && !this.fullState.warm ? setImmediate(reply) : reply();
    if (this.options.relayBeforeStore) replyInOwnTurn();
    else this.whenStored(replyInOwnTurn);
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
    if (this.pending.length === 0 && !this.writing) fn();
    else this.storedWaiters.push(fn);
  }

  /**
   * Resolves once nothing is unstored; rejects (503) if storing fails first. The room then holds
   * edits that are not stored and must never be read, and its sync waiters are dropped (see
   * `fail`): a promise that merely never settled hung HTTP views and, behind it, every version
   * the history queues after it.
   */
  whenStoredAsync(): Promise<void> {
    if (this.failed) return Promise.reject(storyUnavailable());
    return new Promise((resolve, reject) => {
      this.failureWaiters.add(reject);
      this.whenStored(() => {
        this.failureWaiters.delete(reject);
        resolve();
      });
    });
  }

  /** `inDoc`: the document holds it already (else it is applied at the next materialize). */
  private queueWrite(write: PendingWrite, inDoc: boolean): void {
    // Every change, a client's or the server's own (restores), counts toward the size bound.
    this.sizeBound += write.update.byteLength;
    if (this.options.relayBeforeStore) this.relayUpdate(write);
    this.pending.push(write);
    this.receivedSinceCut++;
    if (inDoc) this.applyFrom = this.pending.length;
    if (!this.writing && this.pending.length === 1) this.scheduleWrite();
  }

  /** WriteScheduler: cuts what is to be stored now (null when nothing, or a write is out). */
  takeBatch(): RoomBatch | null {
    if (this.writing || this.failed) return null;
    this.materialize();
    if (this.pending.length === 0) {
      this.storedNothing();
      return null;
    }
    this.writing = true;
    const batch = mergeRuns(this.pending, (err) =>
      this.options.logger.warn({ err, storyId: this.id }, 'merging updates failed; storing each'),
    );
    this.pending = [];
    this.applyFrom = 0;
    // At the cut the document holds exactly what is stored plus this batch: once the batch is
    // stored, this state vector is durable (the "Saved" acknowledgement).
    this.inFlight = {
      writes: batch,
      ackVector: batch.some((w) => w.origin?.wantsAck) ? Y.encodeStateVector(this.ydoc) : null,
    };
    const received = this.receivedSinceCut;
    this.receivedSinceCut = 0;
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
    else this.storedNothing();
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

  /** Nothing is waiting to be stored: whoever waited for that may go on. */
  private storedNothing(): void {
    const waiters = this.storedWaiters;
    this.storedWaiters = [];
    for (const fn of waiters) fn();
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
    this.storedWaiters = [];
    for (const reject of this.failureWaiters) reject(storyUnavailable());
    this.failureWaiters.clear();
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
    this.fullState.destroy();
    this.ydoc.destroy();
  }
}
