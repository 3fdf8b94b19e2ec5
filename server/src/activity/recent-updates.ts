import type { StoredRun } from '../history/storage-feed';
import type { StoredUpdate } from '../storage/storage';

/** A story's rows heard since `after`: every row of its log after that seq, in order. */
interface HeardRows {
  after: number;
  updates: StoredUpdate[];
  bytes: number;
}

/** Update bytes the recorder keeps per story for its next round (a paste can be large). */
export const RECENT_BYTES_PER_STORY = 256 * 1024;

export interface RecentUpdatesLimits {
  /** Rows kept per story; a longer backlog is read from storage again. */
  maxUpdates: number;
  /** Update bytes kept per story (a paste can be large). */
  maxBytes: number;
}

/**
 * The rows this process just stored, kept for the activity feed's next round so it does not
 * read back from the database what it was handed a moment ago (with a hundred busy stories
 * those reads were about 5 % of the server's main thread).
 *
 * Only a gap-free chain is kept: each run must follow the last row heard (its `prevSeq`, read
 * in the append's own transaction, is the story's last row before it). A run that does not —
 * another instance appended in between, or a run was not heard — starts a new chain, and a
 * reader whose cursor lies before the chain reads storage as before. So `after` answers only
 * when it holds every row of the story after the cursor that this process has stored.
 */
export class RecentUpdates {
  private readonly stories = new Map<string, HeardRows>();

  constructor(private readonly limits: RecentUpdatesLimits) {}

  heard(storyId: string, run: StoredRun): void {
    let rows = this.stories.get(storyId);
    const last = rows ? (rows.updates.at(-1)?.seq ?? rows.after) : null;
    if (!rows || last !== run.prevSeq) {
      rows = { after: run.prevSeq, updates: [], bytes: 0 };
      this.stories.set(storyId, rows);
    }
    for (const u of run.updates) {
      rows.updates.push(u);
      rows.bytes += u.update.byteLength;
    }
    if (rows.updates.length > this.limits.maxUpdates || rows.bytes > this.limits.maxBytes) {
      this.stories.delete(storyId);
    }
  }

  /**
   * The story's rows after `cursor` (at most `limit`), or null when they are not all here.
   * Rows up to the cursor are dropped: the caller has applied them.
   */
  after(storyId: string, cursor: number, limit: number): StoredUpdate[] | null {
    const rows = this.stories.get(storyId);
    if (!rows || cursor < rows.after) return null;
    let applied = 0;
    while (applied < rows.updates.length && (rows.updates[applied]?.seq ?? 0) <= cursor) applied++;
    // The cursor must be the chain's start or one of its rows; past its end, rows are missing.
    const at = applied === 0 ? rows.after : rows.updates[applied - 1]?.seq;
    if (at !== cursor) return null;
    if (applied > 0) {
      for (const u of rows.updates.splice(0, applied)) rows.bytes -= u.update.byteLength;
      rows.after = cursor;
    }
    if (rows.updates.length === 0) {
      // Nothing new: a later run starts a chain at its prevSeq, which is this cursor.
      this.stories.delete(storyId);
      return [];
    }
    return rows.updates.slice(0, limit);
  }

  forget(storyId: string): void {
    this.stories.delete(storyId);
  }

  /** Stories with rows kept (tests). */
  get size(): number {
    return this.stories.size;
  }
}
