import { FATAL_CLOSE_CODES, MessageType } from '@copydesk/shared';
import * as decoding from 'lib0/decoding';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

export type ConnectionState =
  | { kind: 'connecting' }
  | { kind: 'saved' }
  | { kind: 'syncing' }
  | { kind: 'offline' }
  | { kind: 'closed'; code: number };

type StateVector = Map<number, number>;

const mergeMax = (into: StateVector, from: Map<number, number>): void => {
  for (const [client, clock] of from) {
    if (clock > (into.get(client) ?? 0)) into.set(client, clock);
  }
};

const SYNC_STEP_1 = 0;
const SYNC_STEP_2 = 1;

/**
 * Tells truthfully whether the server has stored this tab's edits, from the server's
 * `stored` acks (MessageType.stored, sent because we connect with `ack=1`).
 *
 * State vectors do not cover deletions (a delete does not advance a client's clock), so a
 * delete-only local update stays "pending" until the next ack that arrives after it was sent.
 */
export class SaveTracker {
  private readonly serverVector: StateVector = new Map();
  /** Clocks that must reach the server: our edits and offline edits restored from IndexedDB. */
  private readonly mustStore: StateVector = new Map();
  private pendingDeletes = false;
  private connected = false;
  private everDisconnected = false;
  private fatalCode: number | null = null;
  private state: ConnectionState = { kind: 'connecting' };
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly doc: Y.Doc,
    private readonly provider: WebsocketProvider,
  ) {
    provider.messageHandlers[MessageType.stored] = (_encoder, decoder) => {
      mergeMax(this.serverVector, Y.decodeStateVector(decoding.readVarUint8Array(decoder)));
      this.pendingDeletes = false;
      this.recompute();
    };
    this.peekServerStateVector();
    provider.on('status', this.onStatus);
    provider.on('sync', this.recompute);
    provider.on('closed', this.onClosed);
    doc.on('update', this.onUpdate);
  }

  /**
   * The server opens with sync step 1 (its state vector) and answers our step 1 with step 2
   * only once everything it holds is stored. So when its step 2 arrives, everything in that
   * earlier state vector is stored: this covers edits whose ack was lost with a dropped
   * connection, and offline edits restored from IndexedDB that the server already had.
   */
  private peekServerStateVector(): void {
    const original = this.provider.messageHandlers[MessageType.sync];
    if (!original) return;
    let announced: Map<number, number> | null = null;
    this.provider.messageHandlers[MessageType.sync] = (encoder, decoder, provider, emit, type) => {
      const peek = decoding.clone(decoder);
      const step = decoding.readVarUint(peek);
      if (step === SYNC_STEP_1) {
        announced = Y.decodeStateVector(decoding.readVarUint8Array(peek));
      } else if (step === SYNC_STEP_2 && announced) {
        mergeMax(this.serverVector, announced);
        announced = null;
      }
      original(encoder, decoder, provider, emit, type);
      this.recompute();
    };
  }

  private readonly onStatus = ({ status }: { status: string }): void => {
    this.connected = status === 'connected';
    if (status === 'disconnected') this.everDisconnected = true;
    this.recompute();
  };

  private readonly onClosed = ({ code }: { code: number }): void => {
    if (FATAL_CLOSE_CODES.includes(code)) this.fatalCode = code;
    this.recompute();
  };

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    // Updates from the provider came from the server, so the server has them.
    if (origin === this.provider) return;
    const { to } = Y.parseUpdateMeta(update);
    if (to.size === 0) this.pendingDeletes = true;
    mergeMax(this.mustStore, to);
    this.recompute();
  };

  private allStored(): boolean {
    if (this.pendingDeletes) return false;
    for (const [client, clock] of this.mustStore) {
      if ((this.serverVector.get(client) ?? 0) < clock) return false;
    }
    return true;
  }

  private readonly recompute = (): void => {
    const next = this.compute();
    if (next.kind === this.state.kind) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  };

  private compute(): ConnectionState {
    if (this.fatalCode !== null) return { kind: 'closed', code: this.fatalCode };
    if (!this.connected)
      return this.everDisconnected ? { kind: 'offline' } : { kind: 'connecting' };
    if (!this.provider.synced || !this.allStored()) return { kind: 'syncing' };
    return { kind: 'saved' };
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): ConnectionState => this.state;

  destroy(): void {
    this.provider.off('status', this.onStatus);
    this.provider.off('sync', this.recompute);
    this.provider.off('closed', this.onClosed);
    this.doc.off('update', this.onUpdate);
    this.listeners.clear();
  }
}
