// Plain JS on purpose: the compaction worker (a worker thread, without the TypeScript loader)
// cuts snapshots with it too. Types: state-chunks.d.mts.
//
// Why our own encoder: Yjs writes a document's whole state as one update, and applying or
// encoding one is a single stretch of the event loop (a 300 KB story: ~60 ms to apply, ~30 ms to
// encode) that every other story waits behind. Yjs has no API for part of a state, so this
// writes the document's structs as a sequence of updates, each a bounded number of structs and
// each needing only what the parts before it hold, with Yjs's own struct writers.
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/** True when `id` is null or already written (`written` maps a client to the clock written up to). */
const isWritten = (id, written) => id === null || id.clock < (written.get(id.client) ?? 0);

/** A struct can go in the current part once what it was inserted next to and into is written. */
const dependenciesWritten = (struct, offset, written) => {
  if (!(struct instanceof Y.Item)) return true;
  // Written from the middle, its left neighbour is its own previous clock.
  if (offset === 0 && !isWritten(struct.origin, written)) return false;
  if (!isWritten(struct.rightOrigin, written)) return false;
  const parent = struct.parent;
  if (parent instanceof Y.ID) return isWritten(parent, written);
  return parent === null || parent._item === null || isWritten(parent._item.id, written);
};

/**
 * Cuts a document's state, as of construction, into ordered parts. Works on a live document:
 * positions are clocks, found again on every call, so edits between calls (which split and
 * merge structs) do no harm. Structs added after construction are not part of it; the last part
 * (`finish`) carries them and the delete set.
 */
export class StateChunker {
  /** @param {Y.Doc} doc */
  constructor(doc) {
    this.doc = doc;
    const { store } = doc;
    this.target = new Map(
      [...store.clients.keys()].map((client) => [client, Y.getState(store, client)]),
    );
    this.written = new Map();
  }

  /** True when every struct of the state at construction is in a part. */
  get done() {
    for (const [client, clock] of this.target) {
      if ((this.written.get(client) ?? 0) < clock) return false;
    }
    return true;
  }

  /** The next part: at most `maxStructs` structs (unless one client's run cannot be split). */
  next(maxStructs) {
    const picked = new Map();
    let count = 0;
    let progress = true;
    while (progress && count < maxStructs) {
      progress = false;
      for (const [client, end] of this.target) {
        const added = this.take(client, end, maxStructs - count, picked);
        count += added;
        if (added > 0) progress = true;
        if (count >= maxStructs) break;
      }
    }
    // Every state has a struct whose dependencies are written; if none was found (a document
    // Yjs would not produce), the rest goes in one part and Yjs orders it on apply.
    if (count === 0 && !this.done) {
      for (const [client, end] of this.target)
        this.take(client, end, Number.POSITIVE_INFINITY, picked, true);
    }
    return this.encode(picked);
  }

  /** The last part: what was added since construction, and the delete set. */
  finish() {
    return Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(this.target));
  }

  take(client, end, budget, picked, force = false) {
    let clock = this.written.get(client) ?? 0;
    if (clock >= end || budget <= 0) return 0;
    const structs = this.doc.store.clients.get(client);
    if (!structs) return 0;
    let index = Y.findIndexSS(structs, clock);
    let entry = picked.get(client);
    let added = 0;
    while (clock < end && added < budget && index < structs.length) {
      const struct = structs[index];
      const offset = clock - struct.id.clock;
      if (!force && !dependenciesWritten(struct, offset, this.written)) break;
      if (!entry) {
        entry = { clock, offset, structs: [] };
        picked.set(client, entry);
      }
      entry.structs.push(struct);
      clock = struct.id.clock + struct.length;
      this.written.set(client, clock);
      index++;
      added++;
    }
    return added;
  }

  encode(picked) {
    const encoder = new Y.UpdateEncoderV1();
    encoding.writeVarUint(encoder.restEncoder, picked.size);
    for (const [client, entry] of picked) {
      encoding.writeVarUint(encoder.restEncoder, entry.structs.length);
      encoder.writeClient(client);
      encoding.writeVarUint(encoder.restEncoder, entry.clock);
      entry.structs.forEach((struct, i) => {
        struct.write(encoder, i === 0 ? entry.offset : 0);
      });
    }
    encoding.writeVarUint(encoder.restEncoder, 0); // no deletions: the last part has them all
    return encoder.toUint8Array();
  }
}

/**
 * Structs per part. The automerge-paper story (311 KB, ~11,000 structs) cuts into 12 parts of at
 * most 33 KB, each applied in 1–5 ms (once warm) instead of one 20–110 ms apply.
 */
export const PART_STRUCTS = 1000;

/** A document's whole state as ordered parts of at most `maxStructs` structs each. */
export const encodeStateAsParts = (doc, maxStructs) => {
  const chunker = new StateChunker(doc);
  const parts = [];
  while (!chunker.done) parts.push(chunker.next(maxStructs));
  parts.push(chunker.finish());
  return parts;
};
