import type { StoryStatus } from '@copydesk/shared';
import {
  type SnapshotRow,
  snapshotFromRow,
  storedUpdateFromRow,
  type UpdateRow,
} from './sqlite-rows';
import { SqliteSubStore } from './sqlite-statements';
import type { ActivityRecord, ActivityStore, StoredUpdate, StoryState } from './storage';

interface ActivityRow {
  id: string;
  story_id: string;
  user_id: string;
  field: ActivityRecord['field'];
  kind: ActivityRecord['kind'];
  target: string;
  takeaway_index: number | null;
  from_takeaway_index: number | null;
  from_status: StoryStatus | null;
  to_status: StoryStatus | null;
  words_added: number;
  words_removed: number;
  start_words: number;
  first_at: number;
  last_at: number;
  updated_at: number;
}

const toActivity = (r: ActivityRow): ActivityRecord => ({
  id: r.id,
  storyId: r.story_id,
  userId: r.user_id,
  field: r.field,
  kind: r.kind,
  target: r.target,
  takeawayIndex: r.takeaway_index,
  fromTakeawayIndex: r.from_takeaway_index,
  fromStatus: r.from_status,
  toStatus: r.to_status,
  wordsAdded: r.words_added,
  wordsRemoved: r.words_removed,
  startWords: r.start_words,
  firstAt: r.first_at,
  lastAt: r.last_at,
  updatedAt: r.updated_at,
});

/** SQLite side of the activity feed (tables `activity_*`, see sqlite-migrations.ts). */
export class SqliteActivityStore extends SqliteSubStore implements ActivityStore {
  async getActivityCursor(storyId: string): Promise<number> {
    const row = this.stmt('SELECT upto FROM activity_cursors WHERE story_id = ?').get(storyId) as
      | { upto: number }
      | undefined;
    return row?.upto ?? 0;
  }

  async loadStateAt(storyId: string, seq: number): Promise<StoryState> {
    return this.db.transaction(() => {
      const snap = this.stmt(
        `SELECT upto, data, parts FROM snapshots WHERE story_id = ? AND upto <= ?
         ORDER BY upto DESC LIMIT 1`,
      ).get(storyId, seq) as SnapshotRow | undefined;
      const rows = this.stmt(
        `SELECT seq, user_id, at, data FROM updates
         WHERE story_id = ? AND seq > ? AND seq <= ? ORDER BY seq`,
      ).all(storyId, snap?.upto ?? 0, seq) as UpdateRow[];
      return {
        snapshot: snap ? snapshotFromRow(snap) : null,
        updates: rows.map(storedUpdateFromRow),
      };
    })();
  }

  async loadUpdatesAfter(
    storyId: string,
    afterSeq: number,
    limit: number,
  ): Promise<StoredUpdate[]> {
    const rows = this.stmt(
      `SELECT seq, user_id, at, data FROM updates WHERE story_id = ? AND seq > ?
       ORDER BY seq LIMIT ?`,
    ).all(storyId, afterSeq, limit) as UpdateRow[];
    return rows.map(storedUpdateFromRow);
  }

  private upsert(entries: ActivityRecord[]): void {
    const statement = this.stmt(
      `INSERT INTO activity_entries (id, story_id, user_id, field, kind, target, takeaway_index,
         from_takeaway_index, from_status, to_status, words_added, words_removed, start_words,
         first_at, last_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, target = excluded.target,
         takeaway_index = excluded.takeaway_index,
         from_takeaway_index = excluded.from_takeaway_index,
         words_added = excluded.words_added, words_removed = excluded.words_removed,
         last_at = excluded.last_at, updated_at = excluded.updated_at`,
    );
    for (const e of entries) {
      statement.run(
        e.id,
        e.storyId,
        e.userId,
        e.field,
        e.kind,
        e.target,
        e.takeawayIndex,
        e.fromTakeawayIndex,
        e.fromStatus,
        e.toStatus,
        e.wordsAdded,
        e.wordsRemoved,
        e.startWords,
        e.firstAt,
        e.lastAt,
        e.updatedAt,
      );
    }
  }

  async commitActivity(
    storyId: string,
    fromUpto: number,
    toUpto: number,
    entries: ActivityRecord[],
  ): Promise<boolean> {
    return this.write(() => this.commitActivityTx(storyId, fromUpto, toUpto, entries));
  }

  private commitActivityTx(
    storyId: string,
    fromUpto: number,
    toUpto: number,
    entries: ActivityRecord[],
  ): boolean {
    return this.db
      .transaction(() => {
        const row = this.stmt('SELECT upto FROM activity_cursors WHERE story_id = ?').get(
          storyId,
        ) as { upto: number } | undefined;
        if ((row?.upto ?? 0) !== fromUpto) return false;
        this.upsert(entries);
        this.stmt(
          `INSERT INTO activity_cursors (story_id, upto) VALUES (?, ?)
           ON CONFLICT (story_id) DO UPDATE SET upto = excluded.upto`,
        ).run(storyId, toUpto);
        return true;
      })
      .immediate();
  }

  async putActivity(entries: ActivityRecord[]): Promise<void> {
    await this.write(() => this.db.transaction(() => this.upsert(entries))());
  }

  async listActivity(
    storyId: string,
    beforeLastAt: number | null,
    limit: number,
  ): Promise<ActivityRecord[]> {
    const rows = this.stmt(
      `SELECT * FROM activity_entries WHERE story_id = ? AND last_at < ?
       ORDER BY last_at DESC, first_at DESC, seq DESC LIMIT ?`,
    ).all(storyId, beforeLastAt ?? Number.MAX_SAFE_INTEGER, limit) as ActivityRow[];
    return rows.map(toActivity);
  }

  async listActivityUpdatedSince(updatedAfter: number, limit: number): Promise<ActivityRecord[]> {
    const rows = this.stmt(
      `SELECT * FROM (SELECT * FROM activity_entries WHERE updated_at > ?
         ORDER BY updated_at DESC, seq DESC LIMIT ?)
       ORDER BY last_at DESC, first_at DESC, seq DESC`,
    ).all(updatedAfter, limit) as ActivityRow[];
    return rows.map(toActivity);
  }

  async listRecentActivity(storyId: string, lastAtFrom: number): Promise<ActivityRecord[]> {
    const rows = this.stmt(
      'SELECT * FROM activity_entries WHERE story_id = ? AND last_at >= ? ORDER BY last_at',
    ).all(storyId, lastAtFrom) as ActivityRow[];
    return rows.map(toActivity);
  }

  async latestActivityPerStory(): Promise<ActivityRecord[]> {
    const rows = this.stmt(
      `SELECT * FROM (
         SELECT *, row_number() OVER (
             PARTITION BY story_id ORDER BY last_at DESC, first_at DESC, seq DESC) AS rn
         FROM activity_entries)
       WHERE rn = 1`,
    ).all() as ActivityRow[];
    return rows.map(toActivity);
  }
}

/* ---- Comments and notifications (issue 5, server/src/comments) ---- */
