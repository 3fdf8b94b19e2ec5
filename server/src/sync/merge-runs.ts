import * as Y from 'yjs';
import type { LoggedUpdate } from '../storage/storage';

/** A write with where it came from (the connection, or null for the server's own edits). */
export interface SenderWrite<Origin> extends LoggedUpdate {
  origin: Origin;
}

/** Same connection and same account: writes that may be stored as one. */
export const sameSender = <Origin>(a: SenderWrite<Origin>, b: SenderWrite<Origin>): boolean =>
  a.origin === b.origin && a.userId === b.userId;

/** Runs of one sender this long or longer are merged, this many updates at most per merge. */
export const MERGE_RUN_MIN = 4;
export const MERGE_RUN_MAX = 64;

/**
 * Folds each run of consecutive writes by one sender (same connection and account) into one
 * write: a paste, a fast typist or a replay becomes one log row, one relay frame per receiver
 * and one apply for every reader of the log (activity feed, history, cluster peers, story
 * loads) instead of one per keystroke. The merged write is dated by the run's last update;
 * a run never spans two turns, so that is at most a few milliseconds off.
 *
 * Y.mergeUpdates costs ~4-6 µs per update in chunks of up to ~100 and grows superlinearly
 * beyond (20 µs at 1,000, 60 µs at 4,000), hence MERGE_RUN_MAX; runs shorter than
 * MERGE_RUN_MIN (ordinary typing) are kept as they came, byte for byte.
 */
export const mergeRuns = <Origin>(
  writes: SenderWrite<Origin>[],
  onMergeFailed: (err: unknown) => void,
): SenderWrite<Origin>[] => {
  if (writes.length < MERGE_RUN_MIN) return writes;
  const out: SenderWrite<Origin>[] = [];
  let start = 0;
  while (start < writes.length) {
    const first = writes[start] as SenderWrite<Origin>;
    let end = start + 1;
    while (end < writes.length && end - start < MERGE_RUN_MAX) {
      if (!sameSender(first, writes[end] as SenderWrite<Origin>)) break;
      end++;
    }
    if (end - start >= MERGE_RUN_MIN) out.push(...merged(writes.slice(start, end), onMergeFailed));
    else for (let i = start; i < end; i++) out.push(writes[i] as SenderWrite<Origin>);
    start = end;
  }
  return out;
};

const merged = <Origin>(
  run: SenderWrite<Origin>[],
  onMergeFailed: (err: unknown) => void,
): SenderWrite<Origin>[] => {
  const last = run[run.length - 1] as SenderWrite<Origin>;
  try {
    return [{ ...last, update: Y.mergeUpdates(run.map((w) => w.update)) }];
  } catch (err) {
    // Every update was validated and applied, so this would be a Yjs bug: keep them apart.
    onMergeFailed(err);
    return run;
  }
};
