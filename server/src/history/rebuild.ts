import * as Y from 'yjs';
import { yieldToEventLoop } from '../event-loop';
import type { HistoryStore, StoredUpdate } from '../storage/storage';

/** Updates read from storage per query while rebuilding. */
const PAGE = 5_000;

export interface Rebuilt {
  doc: Y.Doc;
  /** The snapshot the rebuild started from (0: none, the log from the start). */
  snapshotUpto: number;
  /** Updates applied on top of it. */
  replayed: number;
}

/**
 * The story exactly as it was after update `seq`, from stored data only: the newest snapshot
 * with upto <= seq, plus the log in (upto, seq]. A snapshot written with gc is exact at its
 * upto and for anything after it (never before it), which is all this needs.
 *
 * The updates are applied one by one inside a single transaction: for thousands of small
 * updates that is an order of magnitude faster than `Y.mergeUpdates` (see the benchmark).
 */
export const rebuildAt = async (
  store: HistoryStore,
  storyId: string,
  seq: number,
): Promise<Rebuilt> => {
  const doc = new Y.Doc({ gc: true });
  if (seq <= 0) return { doc, snapshotUpto: 0, replayed: 0 };
  const snapshot = await store.loadSnapshotAtOrBefore(storyId, seq);
  const pages: StoredUpdate[][] = [];
  let after = snapshot?.upto ?? 0;
  let replayed = 0;
  for (;;) {
    const page = await store.loadUpdates(storyId, after, seq, PAGE);
    if (page.length === 0) break;
    pages.push(page);
    replayed += page.length;
    after = (page[page.length - 1] as StoredUpdate).seq;
    if (page.length < PAGE) break;
    await yieldToEventLoop();
  }
  doc.transact(() => {
    for (const part of snapshot?.parts ?? []) Y.applyUpdate(doc, part);
    for (const page of pages) for (const u of page) Y.applyUpdate(doc, u.update);
  });
  return { doc, snapshotUpto: snapshot?.upto ?? 0, replayed };
};
