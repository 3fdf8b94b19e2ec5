import { CloseCode } from '@copydesk/shared';
import * as Y from 'yjs';
import { CloseError } from './close-error';
import { deleteNovelty, QueuedDeletes } from './delete-novelty';
import { encodeSyncStep1 } from './messages';
import type { SyncConnection } from './sync-connection';
import {
  type DocState,
  UpdateRejectedError,
  validateStateVector,
  validateUpdate,
} from './update-validator';

/** How long a client may take to answer our sync step 1 after it sent an update with gaps. */
const RESYNC_ANSWER_MS = 2_000;

/**
 * What the room does with a client's update:
 * - `noop`: it changes nothing (a replay, or deletes of what is gone already);
 * - `resync`: it depends on edits we lack; the client was asked for them, the update dropped;
 * - `apply-now`: it repeats some of what the document holds, so only Yjs can tell what is new;
 * - `queue`: all of it is new; it is counted here and goes into the document at the turn's end.
 */
export type Admission = 'noop' | 'resync' | 'apply-now' | 'queue';

export interface UpdateIntakeOptions {
  /** The story's document; `docNow` is the same with every accepted update applied. */
  doc: Y.Doc;
  docNow: () => Y.Doc;
  /** Largest encoded document; an update that would grow the story past it is refused (4413). */
  maxStoryBytes?: number;
}

/**
 * Decides, before Yjs sees a client's update, whether it is valid and what it adds. Updates
 * accepted in a turn go into the document together at the turn's end, so every check here
 * counts them too: their clocks, their new root types and their deletes.
 */
export class UpdateIntake {
  private readonly queuedState = new Map<number, number>();
  private readonly queuedRoots = new Set<string>();
  private readonly queuedDeletes = new QueuedDeletes();
  private readonly docState: DocState;
  /** An upper bound of the encoded document size; recomputed exactly when near the limit. */
  private sizeBound = 0;

  constructor(private readonly options: UpdateIntakeOptions) {
    const { doc } = options;
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
   * Validates `update` against the document plus this turn's queue. Throws CloseError for the
   * sender: 4400 when it is malformed or forged, 4413 when the story would grow too large.
   */
  admit(conn: SyncConnection, update: Uint8Array): Admission {
    let summary: ReturnType<typeof validateUpdate>;
    try {
      summary = validateUpdate(update, this.docState);
    } catch (err) {
      if (err instanceof UpdateRejectedError && err.reason === 'missing') {
        // A stock client that types while it reconnects sends new edits before the history we
        // lack. Not an attack: drop it and ask for everything we are missing (its reply carries
        // the dropped edit too). Rate limits bound how often this can be asked for.
        this.requestResync(conn);
        return 'resync';
      }
      if (err instanceof UpdateRejectedError) {
        throw new CloseError(CloseCode.malformed, `rejected update: ${err.message}`);
      }
      throw err;
    }
    if (summary.newStructs === 0 && summary.deleteRanges === 0) return 'noop';
    if (summary.newStructs > 0) this.ensureRoomFor(update.byteLength);
    if (summary.overlaps) return 'apply-now';
    if (summary.deleteRanges > 0) {
      const novelty = deleteNovelty(this.options.doc, this.queuedDeletes, summary.deletes);
      if (novelty === 'none' && summary.newStructs === 0) return 'noop';
      if (novelty !== 'new') return 'apply-now';
    }
    for (const [client, next] of summary.advanced) this.queuedState.set(client, next);
    for (const name of summary.newRoots) this.queuedRoots.add(name);
    this.queuedDeletes.add(summary.deletes);
    return 'queue';
  }

  /** Everything queued is in the document now. */
  applied(): void {
    this.queuedState.clear();
    this.queuedRoots.clear();
    this.queuedDeletes.clear();
  }

  /** The story's size as loaded (bytes of its snapshot and log). */
  loaded(bytes: number): void {
    this.sizeBound = bytes;
  }

  /** Every change, a client's or the server's own (restores), counts toward the size bound. */
  grew(bytes: number): void {
    this.sizeBound += bytes;
  }

  /** At least this big, encoded (an upper bound; exact only just after a limit check). */
  get sizeAtMost(): number {
    return this.sizeBound;
  }

  /** Refuses growth past maxStoryBytes; the exact size is computed only near the limit. */
  private ensureRoomFor(bytes: number): void {
    const max = this.options.maxStoryBytes;
    if (max === undefined || this.sizeBound + bytes <= max) return;
    this.sizeBound = Y.encodeStateAsUpdate(this.options.docNow()).byteLength;
    if (this.sizeBound + bytes > max) {
      throw new CloseError(
        CloseCode.tooLarge,
        `story would exceed ${max} bytes (now ${this.sizeBound}, update ${bytes})`,
      );
    }
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
    conn.send(encodeSyncStep1(Y.encodeStateVector(this.options.docNow())));
    conn.resyncTimer = setTimeout(
      () => conn.close(CloseCode.malformed, 'no answer to a resync request'),
      RESYNC_ANSWER_MS,
    );
    conn.resyncTimer.unref();
  }
}

/** A client's state vector (sync step 1); throws CloseError 4400 when it is malformed. */
export const checkStateVector = (stateVector: Uint8Array): void => {
  try {
    validateStateVector(stateVector);
  } catch (err) {
    if (err instanceof UpdateRejectedError) {
      throw new CloseError(CloseCode.malformed, `rejected state vector: ${err.message}`);
    }
    throw err;
  }
};
