import * as Y from 'yjs';
import { encodeSyncStep2, encodeSyncUpdate } from './messages';
import { PART_STRUCTS, StateChunker } from './state-chunks.mjs';

/** Documents smaller than this are cheap to encode per joiner; not worth holding a copy. */
const MIN_CACHED_BYTES = 16 * 1024;
/** A cached copy is dropped this long after it was made (joins come in storms, then stop). */
const KEEP_MS = 2_000;

/** Takes the frames of the whole document, in order; the last is a sync step 2. */
export type DeliverFrame = (frame: Uint8Array) => void;

export interface FullStateOptions {
  /**
   * Runs `step` in a later event-loop turn, once everything in the document is stored: a part
   * encoded then holds nothing that a crash could still take away.
   */
  later(step: () => void): void;
}

interface Encoding {
  chunker: StateChunker;
  frames: Uint8Array[];
  receivers: DeliverFrame[];
  /** The document's version when the encoding started: kept only if nothing changed since. */
  version: number;
}

/**
 * The whole document for new clients (their state vector is empty). A storm of joiners on a big
 * story otherwise encodes the same hundreds of kilobytes once each, in one stretch of the event
 * loop that every other story waits behind (the peers' cold-join tail). So a big document goes
 * out as several frames: Yjs updates of at most PART_STRUCTS structs each, then a sync step 2
 * with the rest and the delete set. They come from the snapshot the story was loaded from, from
 * a copy kept per document version, or are encoded a part per event-loop turn, shared by every
 * client that joins meanwhile. y-websocket clients apply updates as they come and are synced at
 * the sync step 2.
 */
export class FullStateCache {
  private version = 0;
  private cached: { version: number; frames: Uint8Array[] } | null = null;
  private encoding: Encoding | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly doc: Y.Doc,
    private readonly options: FullStateOptions,
  ) {
    doc.on('afterTransaction', this.bump);
  }

  private readonly bump = (): void => {
    this.version++;
  };

  /** A y-websocket client that holds nothing sends the empty state vector (one zero byte). */
  static isEmptyStateVector(vector: Uint8Array): boolean {
    return vector.byteLength === 1 && vector[0] === 0;
  }

  /** `send` can deliver everything now, from a copy. */
  get warm(): boolean {
    return this.cached?.version === this.version;
  }

  /**
   * Delivers the whole document as it is now (call it only when all of it is stored). `big`:
   * encode it a part per turn rather than in one stretch.
   */
  send(deliver: DeliverFrame, big: boolean): void {
    if (this.cached && this.warm) {
      for (const frame of this.cached.frames) deliver(frame);
    } else if (this.encoding) {
      for (const frame of this.encoding.frames) deliver(frame);
      this.encoding.receivers.push(deliver);
    } else if (big) {
      const chunker = new StateChunker(this.doc);
      this.encoding = { chunker, frames: [], receivers: [deliver], version: this.version };
      this.step();
    } else {
      const frame = encodeSyncStep2(Y.encodeStateAsUpdate(this.doc));
      this.keep([frame]);
      deliver(frame);
    }
  }

  /**
   * The document is exactly `parts` (a story just loaded from its snapshot alone): joiners get
   * those bytes, not an encoding of the document.
   */
  seed(parts: readonly Uint8Array[]): void {
    this.keep(
      parts.map((part, i) =>
        i < parts.length - 1 ? encodeSyncUpdate(part) : encodeSyncStep2(part),
      ),
    );
  }

  private readonly step = (): void => {
    const encoding = this.encoding;
    if (!encoding) return;
    const { chunker } = encoding;
    if (!chunker.done) {
      this.deliverAll(encoding, encodeSyncUpdate(chunker.next(PART_STRUCTS)));
      this.options.later(this.step);
      return;
    }
    this.deliverAll(encoding, encodeSyncStep2(chunker.finish()));
    this.encoding = null;
    if (encoding.version === this.version) this.keep(encoding.frames);
  };

  private deliverAll(encoding: Encoding, frame: Uint8Array): void {
    encoding.frames.push(frame);
    for (const deliver of encoding.receivers) deliver(frame);
  }

  private keep(frames: Uint8Array[]): void {
    const bytes = frames.reduce((sum, frame) => sum + frame.byteLength, 0);
    if (bytes < MIN_CACHED_BYTES) return;
    this.cached = { version: this.version, frames };
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
    this.encoding = null;
  }
}
