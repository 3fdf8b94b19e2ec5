import * as Y from 'yjs';
import { encodeSyncStep2 } from './messages';

/** Documents smaller than this are cheap to encode per joiner; not worth holding a copy. */
const MIN_CACHED_BYTES = 16 * 1024;
/** A cached copy is dropped this long after it was made (joins come in storms, then stop). */
const KEEP_MS = 2_000;

/**
 * The sync step 2 a new client gets (its state vector is empty: the whole document), encoded
 * once per document version. A storm of joiners on a big story otherwise encodes the same
 * hundreds of kilobytes once each, in one stretch of the event loop that every other story
 * waits behind (the peers' cold-join tail).
 */
export class FullStateCache {
  private version = 0;
  private cached: { version: number; frame: Uint8Array } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly doc: Y.Doc) {
    doc.on('afterTransaction', this.bump);
  }

  private readonly bump = (): void => {
    this.version++;
  };

  /** A y-websocket client that holds nothing sends the empty state vector (one zero byte). */
  static isEmptyStateVector(vector: Uint8Array): boolean {
    return vector.byteLength === 1 && vector[0] === 0;
  }

  /** The next `frame()` is a copy, not an encoding of the whole document. */
  get warm(): boolean {
    return this.cached?.version === this.version;
  }

  /** The framed sync step 2 holding the whole document as it is now. */
  frame(): Uint8Array {
    if (this.cached && this.warm) return this.cached.frame;
    const frame = encodeSyncStep2(Y.encodeStateAsUpdate(this.doc));
    this.keep(frame);
    return frame;
  }

  /**
   * The document is exactly `update` (a story just loaded from its snapshot alone): joiners
   * get those bytes, not an encoding of the document. A story loaded from disk by a storm of
   * joiners otherwise encodes its whole state right after applying it, in the same stretch.
   */
  seed(update: Uint8Array): void {
    this.keep(encodeSyncStep2(update));
  }

  private keep(frame: Uint8Array): void {
    if (frame.byteLength < MIN_CACHED_BYTES) return;
    this.cached = { version: this.version, frame };
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.cached = null;
      this.timer = null;
    }, KEEP_MS);
    this.timer.unref();
  }

  destroy(): void {
    this.doc.off('afterTransaction', this.bump);
    if (this.timer) clearTimeout(this.timer);
    this.cached = null;
  }
}
