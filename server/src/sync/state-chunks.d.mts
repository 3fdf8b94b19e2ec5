import type * as Y from 'yjs';

/**
 * Cuts a document's state, as of construction, into ordered Yjs updates, each needing only the
 * parts before it; works on a live document between calls.
 */
export declare class StateChunker {
  constructor(doc: Y.Doc);
  /** True when every struct of the state at construction is in a part. */
  readonly done: boolean;
  /** The next part: at most `maxStructs` structs. */
  next(maxStructs: number): Uint8Array;
  /** The last part: what was added since construction, and the delete set. */
  finish(): Uint8Array;
}

/** Structs per part of a stored snapshot or a joiner's full state. */
export declare const PART_STRUCTS: number;

/** A document's whole state as ordered parts of at most `maxStructs` structs each. */
export declare const encodeStateAsParts: (doc: Y.Doc, maxStructs: number) => Uint8Array[];
