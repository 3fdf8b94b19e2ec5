import * as Y from 'yjs';
import { mergeRuns, type SenderWrite, sameSender } from './merge-runs';
import type { SyncConnection } from './sync-connection';

// A room's accepted writes that are not stored yet, and how they reach its document.

export type PendingWrite = SenderWrite<SyncConnection | null>;

/** The `update` events of what `fn` does to `doc` (none are encoded otherwise). */
export const captureUpdates = (doc: Y.Doc, fn: () => void): Uint8Array[] => {
  const changed: Uint8Array[] = [];
  const onUpdate = (update: Uint8Array) => changed.push(update);
  doc.on('update', onUpdate);
  try {
    fn();
  } finally {
    doc.off('update', onUpdate);
  }
  return changed;
};

/** Drops structs Yjs could not integrate; true when there were any. */
export const dropPendingStructs = (doc: Y.Doc): boolean => {
  const store = doc.store;
  if (store.pendingStructs === null && store.pendingDs === null) return false;
  store.pendingStructs = null;
  store.pendingDs = null;
  return true;
};

export interface PendingWritesOptions {
  doc: Y.Doc;
  /** Queued updates were applied to the document (the intake's size estimate resets). */
  applied: () => void;
  /**
   * Yjs threw on `culprit`'s update (null: the server's own, or not known): what came before it
   * is kept, it and what followed are gone. The room must not serve its document any more.
   */
  applyFailed: (err: unknown, culprit: SyncConnection | null) => void;
  mergeFailed: (err: unknown) => void;
  /** Drops (and reports) structs Yjs could not integrate; true when there were any. */
  discardPendingStructs: () => boolean;
}

/**
 * The queue between accepting a client's update and storing it. `writes[applyFrom..]` are not
 * in the document yet either: they are applied together once per event-loop turn, in one Yjs
 * transaction with no `update` event to re-encode them, or earlier when anyone reads the
 * document (`materialize`).
 */
export class PendingWrites {
  private writes: PendingWrite[] = [];
  private applyFrom = 0;
  /** Writes queued since the last batch was cut (RoomBatch.received). */
  private receivedSinceCut = 0;
  /**
   * Yjs's encoding of a one-sender turn. A field, not a closure made per turn: tsx wraps each
   * named closure in __name() (a defineProperty) when it is created.
   */
  private readonly captured: Uint8Array[] = [];
  private readonly capture = (update: Uint8Array): void => {
    this.captured.push(update);
  };

  constructor(private readonly options: PendingWritesOptions) {}

  get length(): number {
    return this.writes.length;
  }

  /** `inDoc`: the document holds it already (else it is applied at the next materialize). */
  push(write: PendingWrite, inDoc: boolean): void {
    this.writes.push(write);
    this.receivedSinceCut++;
    if (inDoc) this.applyFrom = this.writes.length;
  }

  /**
   * Applies the queued updates that are not in the document yet, in one transaction. If Yjs
   * throws (a validator gap), what came before the culprit is kept and `applyFailed` is told.
   */
  materialize(): void {
    const { doc } = this.options;
    const from = this.applyFrom;
    const to = this.writes.length;
    if (from >= to) return;
    this.applyFrom = to;
    this.options.applied();
    let current = from;
    // One sender's run (a paste, a fast typist, a replay): Yjs encodes what the transaction
    // added, which is the run merged (typed characters already joined into few items), for far
    // less than Y.mergeUpdates decoding and re-encoding every update of it. Used only when
    // that transaction was the only one to fire (an observer starting another would mix its
    // changes in); otherwise the clients' own bytes are kept, as for a mixed turn.
    const captured = this.captured;
    captured.length = 0;
    const captureRun = to - from >= 2 && this.oneSender(from, to);
    if (captureRun) doc.on('update', this.capture);
    try {
      doc.transact(() => {
        for (; current < to; current++) {
          Y.applyUpdate(doc, (this.writes[current] as PendingWrite).update);
        }
      });
    } catch (err) {
      const culprit = this.writes[current]?.origin ?? null;
      this.writes.length = current;
      this.applyFrom = current;
      this.options.applyFailed(err, culprit);
      return;
    } finally {
      if (captureRun) doc.off('update', this.capture);
    }
    if (this.options.discardPendingStructs()) {
      this.options.applyFailed(new Error('validated updates left pending structs'), null);
      return;
    }
    const merged = captured.length === 1 ? captured[0] : undefined;
    if (merged) {
      const last = this.writes[to - 1] as PendingWrite;
      this.writes.splice(from, to - from, { ...last, update: merged });
      this.applyFrom = this.writes.length;
    }
  }

  /** Takes every queued write for storing (runs of one sender merged); call materialize first. */
  cut(): { writes: PendingWrite[]; received: number } {
    const writes = mergeRuns(this.writes, this.options.mergeFailed);
    const received = this.receivedSinceCut;
    this.writes = [];
    this.applyFrom = 0;
    this.receivedSinceCut = 0;
    return { writes, received };
  }

  /** The writes [from, to) all came from one connection and one account. */
  private oneSender(from: number, to: number): boolean {
    const first = this.writes[from] as PendingWrite;
    for (let i = from + 1; i < to; i++) {
      if (!sameSender(first, this.writes[i] as PendingWrite)) return false;
    }
    return true;
  }
}
