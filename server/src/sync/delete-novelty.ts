import * as Y from 'yjs';

/**
 * Whether an update's delete ranges delete anything new, without applying it.
 *
 * The room stores and relays a client's own bytes (no re-encoding), so it must not store a
 * delete of content that is already gone: that would change the log for nothing (a replayed
 * frame must change nothing) and credit the deletion to a second person in the history.
 *
 * - `none`: every struct in every range is deleted already: nothing to do.
 * - `new`: nothing in any range is deleted yet (or queued for deletion): store the bytes as is.
 * - `mixed`: some of both: apply it now and store what Yjs reports as new.
 */
export type DeleteNovelty = 'none' | 'new' | 'mixed';

export class QueuedDeletes {
  /** Per client: [clock, end) ranges accepted this turn and not yet in the document. */
  private readonly byClient = new Map<number, number[]>();

  add(deletes: readonly number[]): void {
    for (let i = 0; i < deletes.length; i += 3) {
      const client = deletes[i] as number;
      const clock = deletes[i + 1] as number;
      let ranges = this.byClient.get(client);
      if (!ranges) {
        ranges = [];
        this.byClient.set(client, ranges);
      }
      ranges.push(clock, clock + (deletes[i + 2] as number));
    }
  }

  overlaps(client: number, clock: number, end: number): boolean {
    const ranges = this.byClient.get(client);
    if (!ranges) return false;
    for (let i = 0; i < ranges.length; i += 2) {
      if (clock < (ranges[i + 1] as number) && (ranges[i] as number) < end) return true;
    }
    return false;
  }

  clear(): void {
    this.byClient.clear();
  }
}

/** `deletes` holds (client, clock, length) triplets, all within what the room knows. */
export const deleteNovelty = (
  doc: Y.Doc,
  queued: QueuedDeletes,
  deletes: readonly number[],
): DeleteNovelty => {
  let sawNew = false;
  let sawOld = false;
  for (let i = 0; i < deletes.length; i += 3) {
    const client = deletes[i] as number;
    const clock = deletes[i + 1] as number;
    const end = clock + (deletes[i + 2] as number);
    if (queued.overlaps(client, clock, end)) return 'mixed';
    const known = Y.getState(doc.store, client);
    // Beyond the document's state: structs queued this turn, not deleted by anyone yet.
    if (end > known) sawNew = true;
    const structs = doc.store.clients.get(client);
    if (structs && clock < known) {
      for (let k = Y.findIndexSS(structs, clock); k < structs.length; k++) {
        const struct = structs[k] as Y.Item | Y.GC;
        if (struct.id.clock >= end) break;
        if (struct.deleted) sawOld = true;
        else sawNew = true;
      }
    }
    if (sawNew && sawOld) return 'mixed';
  }
  return sawOld ? 'none' : 'new';
};
