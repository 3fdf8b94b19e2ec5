import { CloseCode } from '@copydesk/shared';
import { Awareness, applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { Logger } from '../logger';
import type { LoggedUpdate, Storage } from '../storage/storage';
import {
  type AwarenessEntry,
  encodeAwarenessUpdate,
  withAccountIdentity,
} from './awareness-filter';
import { encodeAwareness, encodeStored, encodeSyncStep2, encodeSyncUpdate } from './messages';
import { SyncConnection } from './sync-connection';

/** An edit made by the server itself (e.g. a restore), attributed to an account. */
export class ServerOrigin {
  constructor(readonly userId: string) {}
}

interface PendingWrite extends LoggedUpdate {
  origin: SyncConnection | null;
}

export interface StoryRoomOptions {
  storage: Storage;
  logger: Logger;
  /** Called once a batch is stored; used to trigger background compaction. */
  onStored?: (room: StoryRoom, count: number) => void;
  /** Called when storage failed: the room must be dropped and reloaded from storage. */
  onFailed?: (room: StoryRoom) => void;
}

/**
 * A loaded story: its Y.Doc, awareness and connections.
 *
 * The durability rule lives here: an update is appended to the log before it is
 * relayed to anyone, and sync replies wait until the document holds nothing
 * unstored. So anything a client has seen from the server is on disk.
 */
export class StoryRoom {
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new Awareness(this.doc);
  readonly connections = new Set<SyncConnection>();
  /** Connections plus short-lived readers (HTTP); the room unloads at zero. */
  holders = 0;
  failed = false;
  updatesSinceSnapshot = 0;
  private pending: PendingWrite[] = [];
  private writing = false;
  private storedWaiters: (() => void)[] = [];
  private readonly clientOwners = new Map<number, SyncConnection>();

  constructor(
    readonly id: string,
    private readonly options: StoryRoomOptions,
  ) {
    // The server never has a presence of its own.
    this.awareness.setLocalState(null);
    this.doc.on('update', this.onDocUpdate);
    this.awareness.on('update', this.onAwarenessUpdate);
  }

  /** Loads snapshot + log since in one merge (much faster than applying them one by one). */
  async load(): Promise<void> {
    const state = await this.options.storage.loadStoryState(this.id);
    const parts = [
      ...(state.snapshot ? [state.snapshot.state] : []),
      ...state.updates.map((u) => u.update),
    ];
    this.updatesSinceSnapshot = state.updates.length;
    if (parts.length === 0) return;
    this.doc.off('update', this.onDocUpdate);
    Y.applyUpdate(this.doc, parts.length === 1 ? (parts[0] as Uint8Array) : Y.mergeUpdates(parts));
    this.doc.on('update', this.onDocUpdate);
  }

  join(conn: SyncConnection): void {
    this.connections.add(conn);
  }

  leave(conn: SyncConnection): void {
    if (!this.connections.delete(conn)) return;
    const owned = [...conn.clientIds].filter((id) => this.clientOwners.get(id) === conn);
    for (const id of owned) this.clientOwners.delete(id);
    if (owned.length > 0) removeAwarenessStates(this.awareness, owned, conn);
  }

  /** Applies a client's update. Throws on undecodable updates (caller closes with 4400). */
  applyClientUpdate(conn: SyncConnection, update: Uint8Array): void {
    if (conn.readOnly || this.failed) return;
    Y.applyUpdate(this.doc, update, conn);
  }

  /** Answers sync step 1 once everything the reply could contain is stored. */
  replySyncStep1(conn: SyncConnection, stateVector: Uint8Array): void {
    // Decode eagerly so a bad state vector fails inside the caller's error handling.
    Y.decodeStateVector(stateVector);
    this.whenStored(() => conn.send(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, stateVector))));
  }

  applyClientAwareness(conn: SyncConnection, entries: AwarenessEntry[]): void {
    const accepted: AwarenessEntry[] = [];
    for (const entry of entries) {
      const owner = this.clientOwners.get(entry.clientId);
      if (owner && owner !== conn) continue; // another connection's clientID: a spoof
      if (!owner) {
        this.clientOwners.set(entry.clientId, conn);
        conn.clientIds.add(entry.clientId);
      }
      accepted.push(withAccountIdentity(entry, conn.user));
    }
    if (accepted.length > 0) {
      applyAwarenessUpdate(this.awareness, encodeAwarenessUpdate(accepted), conn);
    }
  }

  /** Calls `fn` as soon as the document holds nothing that is not yet stored. */
  whenStored(fn: () => void): void {
    if (this.pending.length === 0 && !this.writing) fn();
    else this.storedWaiters.push(fn);
  }

  whenStoredAsync(): Promise<void> {
    return new Promise((resolve) => this.whenStored(resolve));
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    const conn = origin instanceof SyncConnection ? origin : null;
    const userId = conn?.user.id ?? (origin instanceof ServerOrigin ? origin.userId : 'system');
    this.pending.push({ update, userId, at: Date.now(), origin: conn });
    if (!this.writing && this.pending.length === 1) setImmediate(this.writeBatch);
  };

  private readonly writeBatch = async (): Promise<void> => {
    if (this.writing || this.pending.length === 0 || this.failed) return;
    this.writing = true;
    const batch = this.pending;
    this.pending = [];
    try {
      const headline = this.doc.getText('headline').toString().slice(0, 300);
      await this.options.storage.appendUpdates(this.id, batch, headline);
    } catch (err) {
      this.writing = false;
      this.fail(err);
      return;
    }
    this.writing = false;
    this.updatesSinceSnapshot += batch.length;
    this.relay(batch);
    if (this.pending.length > 0) {
      setImmediate(this.writeBatch);
    } else {
      const waiters = this.storedWaiters;
      this.storedWaiters = [];
      for (const fn of waiters) fn();
    }
    this.options.onStored?.(this, batch.length);
  };

  private relay(batch: PendingWrite[]): void {
    for (const write of batch) {
      const frame = encodeSyncUpdate(write.update);
      for (const conn of this.connections) if (conn !== write.origin) conn.send(frame);
    }
    const ackers = new Set(batch.map((w) => w.origin).filter((c) => c?.wantsAck));
    if (ackers.size > 0) {
      const frame = encodeStored(Y.encodeStateVector(this.doc));
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
    for (const conn of this.connections)
      conn.close(CloseCode.storageUnavailable, 'storage unavailable');
    this.options.onFailed?.(this);
  }

  private readonly onAwarenessUpdate = (change: {
    added: number[];
    updated: number[];
    removed: number[];
  }): void => {
    const changed = [...change.added, ...change.updated, ...change.removed];
    if (changed.length === 0) return;
    const entries: AwarenessEntry[] = changed.map((clientId) => ({
      clientId,
      clock: this.awareness.meta.get(clientId)?.clock ?? 0,
      state: (this.awareness.getStates().get(clientId) as AwarenessEntry['state']) ?? null,
    }));
    const frame = encodeAwareness(encodeAwarenessUpdate(entries));
    // The sender gets its own renewal back too: y-websocket clients treat 30 s of
    // silence as a dead connection, and a lone editor hears nothing else.
    for (const conn of this.connections) conn.send(frame);
  };

  /** Full awareness for a newcomer. */
  awarenessSnapshot(): Uint8Array | null {
    const states = this.awareness.getStates();
    if (states.size === 0) return null;
    const entries: AwarenessEntry[] = [...states.keys()].map((clientId) => ({
      clientId,
      clock: this.awareness.meta.get(clientId)?.clock ?? 0,
      state: (states.get(clientId) as AwarenessEntry['state']) ?? null,
    }));
    return encodeAwareness(encodeAwarenessUpdate(entries));
  }

  destroy(): void {
    this.awareness.destroy();
    this.doc.destroy();
  }
}
