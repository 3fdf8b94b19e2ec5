import { isDeepStrictEqual } from 'node:util';
import { type AwarenessState, type PublicUser, UPDATE_BOUNDS } from '@copydesk/shared';
import { Awareness, applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import type { Logger } from '../logger';
import {
  type AwarenessEntry,
  awarenessUserOf,
  encodeAwarenessUpdate,
  withAccountIdentity,
} from './awareness-filter';
import { AwarenessRenewals } from './awareness-renewals';
import { encodeAwareness } from './messages';
import type { SyncConnection } from './sync-connection';

/** Awareness changes within this window go out together (one message per connection). */
const AWARENESS_COALESCE_MS = 50;

/** What presence needs of a connection (SyncConnection). */
export type PresenceMember = Pick<SyncConnection, 'user' | 'clientIds' | 'send'>;

/** Origin of awareness another instance sent: relayed here, never published back. */
const REMOTE = Symbol('remote awareness');

export interface RoomAwarenessOptions {
  storyId: string;
  logger: Logger;
  /** The story's open connections: every change goes to each of them. */
  connections: ReadonlySet<PresenceMember>;
  /** Sends changes made through this instance's connections to the other instances (if any). */
  publish?: (update: Uint8Array) => void;
}

/**
 * A story's presence: who is here and where their carets are (y-protocols awareness).
 *
 * Each state is stamped with its connection's account, so nobody can show up as someone else,
 * and a clientID belongs to the connection that first sent it (echoes and spoofs are dropped).
 * Changes go out coalesced, one message per connection per AWARENESS_COALESCE_MS; unchanged
 * renewals go out spread over a few seconds (awareness-renewals.ts).
 */
export class RoomAwareness {
  readonly awareness: Awareness;
  /** Changes not yet sent to connections / to other instances. */
  private readonly changed = new Set<number>();
  private readonly toPublish = new Set<number>();
  private readonly renewals = new AwarenessRenewals({
    release: (renewed) => {
      for (const [clientId, { local }] of renewed) this.mark(clientId, local);
      this.flushSoon();
    },
  });
  private timer: NodeJS.Timeout | null = null;
  /** One user block per account shown in this story (see applyOwned). */
  private readonly userBlocks = new Map<string, NonNullable<AwarenessState['user']>>();
  private readonly owners = new Map<number, PresenceMember>();

  constructor(
    doc: Y.Doc,
    private readonly options: RoomAwarenessOptions,
  ) {
    this.awareness = new Awareness(doc);
    // The server never has a presence of its own.
    this.awareness.setLocalState(null);
    // y-protocols emits 'change' (real changes) just before 'update' (changes and renewals).
    this.awareness.on('change', this.onChange);
    this.awareness.on('update', this.onUpdate);
  }

  /** Entries a client sent; those it may not set are skipped (see the class comment). */
  applyClient(conn: PresenceMember, entries: AwarenessEntry[]): void {
    const accepted: AwarenessEntry[] = [];
    const states = this.awareness.getStates();
    for (const entry of entries) {
      const owner = this.owners.get(entry.clientId);
      if (owner && owner !== conn) {
        // Another connection's clientID: an echo or a spoof. Only the same account with a
        // newer state may take it over (a reconnect before the old socket has closed).
        const clock = this.awareness.meta.get(entry.clientId)?.clock ?? 0;
        if (owner.user.id !== conn.user.id || entry.clock <= clock) continue;
        owner.clientIds.delete(entry.clientId);
      } else if (!owner) {
        // A live state nobody here owns belongs to another instance's client: an echo.
        if (states.has(entry.clientId)) continue;
        if (conn.clientIds.size >= UPDATE_BOUNDS.maxClientIdsPerConnection) continue;
      }
      this.owners.set(entry.clientId, conn);
      conn.clientIds.add(entry.clientId);
      accepted.push(withAccountIdentity(entry, conn.user));
    }
    if (accepted.length > 0) this.applyOwned(conn, accepted);
  }

  applyRemote(update: Uint8Array): void {
    try {
      applyAwarenessUpdate(this.awareness, update, REMOTE);
    } catch (err) {
      this.options.logger.warn(
        { err, storyId: this.options.storyId },
        'bad awareness from another instance',
      );
    }
  }

  /** The account behind `conn` changed (name, colour, role): its states show the new one. */
  updateUser(conn: PresenceMember, user: PublicUser): void {
    const entries: AwarenessEntry[] = [];
    for (const clientId of conn.clientIds) {
      const state = this.awareness.getStates().get(clientId) as AwarenessEntry['state'];
      if (this.owners.get(clientId) !== conn || !state) continue;
      const clock = (this.awareness.meta.get(clientId)?.clock ?? 0) + 1;
      entries.push(withAccountIdentity({ clientId, clock, state }, user));
    }
    if (entries.length > 0) this.applyOwned(conn, entries);
  }

  /** `conn` closed: its clients leave the story now, not at their 30-s timeout. */
  leave(conn: PresenceMember): void {
    const owned = [...conn.clientIds].filter((id) => this.owners.get(id) === conn);
    for (const id of owned) this.owners.delete(id);
    if (owned.length > 0) removeAwarenessStates(this.awareness, owned, conn);
  }

  /** Full awareness for a newcomer. */
  snapshot(): Uint8Array | null {
    const states = this.awareness.getStates();
    if (states.size === 0) return null;
    return encodeAwareness(encodeAwarenessUpdate(this.entries(states.keys())));
  }

  destroy(): void {
    if (this.timer) {
      // Departures still reach the other instances (no ghost until their timeout).
      clearTimeout(this.timer);
      this.flush();
    }
    this.renewals.destroy();
    this.awareness.destroy();
  }

  /**
   * Applies entries stamped with `conn`'s account through y-protocols, then points each stored
   * state at one shared copy of the account's user block: hundreds of connections of a few
   * accounts otherwise each keep their own parsed copy of the same six strings.
   */
  private applyOwned(conn: PresenceMember, entries: AwarenessEntry[]): void {
    applyAwarenessUpdate(this.awareness, encodeAwarenessUpdate(entries), conn);
    const shared = this.sharedUserBlock(conn.user);
    const states = this.awareness.getStates();
    for (const { clientId } of entries) {
      const state = states.get(clientId) as AwarenessState | undefined;
      if (state?.user && isDeepStrictEqual(state.user, shared)) state.user = shared;
    }
  }

  private sharedUserBlock(user: PublicUser): NonNullable<AwarenessState['user']> {
    const fresh = awarenessUserOf(user);
    const known = this.userBlocks.get(user.id);
    if (known && isDeepStrictEqual(known, fresh)) return known;
    this.userBlocks.set(user.id, fresh);
    return fresh;
  }

  private mark(clientId: number, local: boolean): void {
    this.changed.add(clientId);
    if (local) this.toPublish.add(clientId);
  }

  /** Joins, departures and changed states: out within AWARENESS_COALESCE_MS. */
  private readonly onChange = (
    change: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const local = origin !== REMOTE;
    for (const ids of [change.added, change.updated, change.removed]) {
      for (const clientId of ids) {
        this.renewals.drop(clientId);
        this.mark(clientId, local);
      }
    }
    this.flushSoon();
  };

  /**
   * Every update, renewals included (y-protocols emits it after 'change'). A client updated but
   * not waiting to go out sent its state unchanged: a renewal, which waits its turn.
   */
  private readonly onUpdate = (change: { updated: number[] }, origin: unknown): void => {
    const local = origin !== REMOTE;
    for (const clientId of change.updated) {
      if (!this.changed.has(clientId)) this.renewals.hold(clientId, local);
      else if (local) this.toPublish.add(clientId);
    }
  };

  private flushSoon(): void {
    if (this.changed.size === 0 || this.timer) return;
    this.timer = setTimeout(this.flush, AWARENESS_COALESCE_MS);
    this.timer.unref();
  }

  /**
   * Sends every change of the last AWARENESS_COALESCE_MS as one message per connection.
   * Relaying each client's renewal one by one is O(clients²) messages when a crowd connects at
   * once (the peers' tail in the 1×10×200 benchmark); caret moves can wait 50 ms.
   */
  private readonly flush = (): void => {
    this.timer = null;
    const entries = this.entries(this.changed);
    const { publish } = this.options;
    // Without other instances there is nothing to encode for them (JSON of every state).
    if (publish && this.toPublish.size > 0)
      publish(encodeAwarenessUpdate(this.entries(this.toPublish)));
    this.changed.clear();
    this.toPublish.clear();
    if (entries.length === 0) return;
    const frame = encodeAwareness(encodeAwarenessUpdate(entries));
    // The sender gets its own renewal back too: y-websocket clients treat 30 s of
    // silence as a dead connection, and a lone editor hears nothing else.
    for (const conn of this.options.connections) conn.send(frame);
  };

  private entries(clientIds: Iterable<number>): AwarenessEntry[] {
    const states = this.awareness.getStates();
    const entries: AwarenessEntry[] = [];
    for (const clientId of clientIds) {
      entries.push({
        clientId,
        clock: this.awareness.meta.get(clientId)?.clock ?? 0,
        state: (states.get(clientId) as AwarenessEntry['state']) ?? null,
      });
    }
    return entries;
  }
}
