import * as Y from 'yjs';
import type { BulkSender } from './bulk-sender';
import { FullStateCache } from './full-state-cache';
import { encodeSyncStep2 } from './messages';
import type { SyncConnection } from './sync-connection';
import { checkStateVector } from './update-intake';

/** A story this big (bytes, upper bound) gets its whole state in parts, from a turn of its own. */
const OWN_TURN_BYTES = 64 * 1024;

export interface SyncStepReplyOptions {
  /** The story's document; `docNow` is the same with every accepted update applied. */
  doc: Y.Doc;
  docNow: () => Y.Doc;
  /** Runs `fn` once the document holds nothing unstored (durability: see StoryRoom). */
  afterStore: (fn: () => void) => void;
  /** False once the room must not serve anyone any more. */
  usable: () => boolean;
  /** An upper bound of the story's encoded size. */
  sizeAtMost: () => number;
  /** Paces big catch-up frames across every story of the process. */
  bulk: BulkSender;
}

/**
 * Answers a client's sync step 1 with what it lacks, once everything the reply could contain is
 * stored. A client that holds nothing gets the whole story: from a cache shared by a storm of
 * joiners, and for a big story in parts paced with every other story's catch-up frames, so that
 * live edits go out in between.
 */
export class SyncStepReply {
  private readonly fullState: FullStateCache;

  constructor(private readonly options: SyncStepReplyOptions) {
    this.fullState = new FullStateCache(options.doc, {
      later: (step) => setImmediate(() => options.afterStore(step)),
    });
  }

  /** Throws CloseError 4400 when the state vector is malformed. */
  reply(conn: SyncConnection, stateVector: Uint8Array): void {
    checkStateVector(stateVector);
    const vector = stateVector.slice();
    const whole = FullStateCache.isEmptyStateVector(vector);
    const big = () => this.options.sizeAtMost() >= OWN_TURN_BYTES;
    const open = () => this.options.usable() && !conn.closed;
    const send = () => {
      if (!open()) return;
      const doc = this.options.docNow();
      if (!whole) {
        conn.send(encodeSyncStep2(Y.encodeStateAsUpdate(doc, vector)));
      } else if (!big()) {
        this.fullState.send((frame) => conn.send(frame), false);
      } else {
        const bulk = this.options.bulk;
        this.fullState.send(
          (frame) => bulk.enqueue(frame.byteLength, () => open() && conn.send(frame)),
          true,
        );
      }
    };
    // A whole big story goes out a part per turn, the first in a turn of its own, not on top of
    // the story's load or a burst of other work (other stories wait behind one long stretch).
    this.options.afterStore(() =>
      whole && big() && !this.fullState.warm ? setImmediate(send) : send(),
    );
  }

  /** The story was loaded from a snapshot and nothing since: its parts are the whole state. */
  seed(parts: Uint8Array[]): void {
    this.fullState.seed(parts);
  }

  destroy(): void {
    this.fullState.destroy();
  }
}
