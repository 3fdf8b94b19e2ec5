import type { StoryStatus } from '@copydesk/shared';
import {
  bytes,
  int,
  moveStoryCursor,
  type PostgresDatabase,
  type Queryable,
  type SnapshotRow,
  toSnapshot,
} from './postgres-database';
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
  first_at: string;
  last_at: string;
  updated_at: string;
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
  firstAt: int(r.first_at),
  lastAt: int(r.last_at),
  updatedAt: int(r.updated_at),
});

interface UpdateRow {
  seq: string;
  user_id: string;
  at: string;
  data: Buffer;
}

const toUpdate = (r: UpdateRow): StoredUpdate => ({
  seq: int(r.seq),
  userId: r.user_id,
  at: int(r.at),
  update: bytes(r.data),
});

/** Every column but `seq`, for SELECTs (the records do not carry it). */
const COLUMNS = `id, story_id, user_id, field, kind, target, takeaway_index, from_takeaway_index,
  from_status, to_status, words_added, words_removed, start_words, first_at, last_at, updated_at`;

/** The feed's order: newest burst first; `seq` (insert order) breaks the last ties. */
const FEED_ORDER = 'last_at DESC, first_at DESC, seq DESC';

/**
 * What upserting `entries` one after the other does (SQLite's loop), as one row per id: a
 * repeated id keeps the columns of its first occurrence that an upsert never changes and
 * takes the updatable ones from its last. Order is that of the first occurrences.
 */
const mergeRepeatedIds = (entries: ActivityRecord[]): ActivityRecord[] => {
  const byId = new Map<string, ActivityRecord>();
  for (const e of entries) {
    const first = byId.get(e.id);
    byId.set(
      e.id,
      first
        ? {
            ...first,
            kind: e.kind,
            target: e.target,
            takeawayIndex: e.takeawayIndex,
            fromTakeawayIndex: e.fromTakeawayIndex,
            wordsAdded: e.wordsAdded,
            wordsRemoved: e.wordsRemoved,
            lastAt: e.lastAt,
            updatedAt: e.updatedAt,
          }
        : e,
    );
  }
  return [...byId.values()];
};

/**
 * PostgreSQL side of the activity feed (tables `activity_*`, see postgres-migrations.ts),
 * mirroring SqliteActivityStore. Where SQLite relies on its single writer (an IMMEDIATE
 * transaction), commitActivity does a compare-and-set on the story's cursor row, which also
 * locks it: two instances committing the same range are serialised and the loser changes
 * nothing.
 */
export class PostgresActivityStore implements ActivityStore {
  constructor(private readonly db: PostgresDatabase) {}

  async getActivityCursor(storyId: string): Promise<number> {
    const { rows } = await this.db.query<{ upto: string }>(
      'SELECT upto FROM activity_cursors WHERE story_id = $1',
      [storyId],
      true,
    );
    const upto = rows[0]?.upto;
    return upto === undefined ? 0 : int(upto);
  }

  /** Snapshot and updates from one consistent view of the database. */
  async loadStateAt(storyId: string, seq: number): Promise<StoryState> {
    return this.db.transaction(
      async (client) => {
        const snap = await client.query<SnapshotRow>(
          `SELECT upto, data, parts FROM snapshots WHERE story_id = $1 AND upto <= $2
           ORDER BY upto DESC LIMIT 1`,
          [storyId, seq],
        );
        const snapshot = snap.rows[0];
        const since = snapshot ? int(snapshot.upto) : 0;
        const { rows } = await client.query<UpdateRow>(
          `SELECT seq, user_id, at, data FROM updates
           WHERE story_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq`,
          [storyId, since, seq],
        );
        return {
          snapshot: snapshot ? toSnapshot(snapshot) : null,
          updates: rows.map(toUpdate),
        };
      },
      { readOnlySnapshot: true },
    );
  }

  async loadUpdatesAfter(
    storyId: string,
    afterSeq: number,
    limit: number,
  ): Promise<StoredUpdate[]> {
    const { rows } = await this.db.query<UpdateRow>(
      `SELECT seq, user_id, at, data FROM updates WHERE story_id = $1 AND seq > $2
       ORDER BY seq LIMIT $3`,
      [storyId, afterSeq, limit],
      true,
    );
    return rows.map(toUpdate);
  }

  /**
   * One statement for all entries. The seqs of new rows are drawn explicitly and sorted, so
   * the insert order (the feed's last tie-break) is the array's order whatever order the
   * server evaluates a multi-row insert in; an upsert of an existing row keeps its seq.
   */
  private async upsert(client: Queryable, entries: ActivityRecord[]): Promise<void> {
    const rows = mergeRepeatedIds(entries);
    if (rows.length === 0) return;
    const seqs = await client.query<{ seq: string }>(
      "SELECT nextval('activity_entries_seq_seq')::text AS seq FROM generate_series(1, $1::integer)",
      [rows.length],
    );
    await client.query(
      `INSERT INTO activity_entries (seq, id, story_id, user_id, field, kind, target,
         takeaway_index, from_takeaway_index, from_status, to_status, words_added, words_removed,
         start_words, first_at, last_at, updated_at)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
         $6::text[], $7::text[], $8::integer[], $9::integer[], $10::text[], $11::text[],
         $12::integer[], $13::integer[], $14::integer[], $15::bigint[], $16::bigint[],
         $17::bigint[])
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, target = excluded.target,
         takeaway_index = excluded.takeaway_index,
         from_takeaway_index = excluded.from_takeaway_index,
         words_added = excluded.words_added, words_removed = excluded.words_removed,
         last_at = excluded.last_at, updated_at = excluded.updated_at`,
      [
        seqs.rows.map((r) => int(r.seq)).sort((a, b) => a - b),
        rows.map((e) => e.id),
        rows.map((e) => e.storyId),
        rows.map((e) => e.userId),
        rows.map((e) => e.field),
        rows.map((e) => e.kind),
        rows.map((e) => e.target),
        rows.map((e) => e.takeawayIndex),
        rows.map((e) => e.fromTakeawayIndex),
        rows.map((e) => e.fromStatus),
        rows.map((e) => e.toStatus),
        rows.map((e) => e.wordsAdded),
        rows.map((e) => e.wordsRemoved),
        rows.map((e) => e.startWords),
        rows.map((e) => e.firstAt),
        rows.map((e) => e.lastAt),
        rows.map((e) => e.updatedAt),
      ],
    );
  }

  /**
   * Compare-and-set of the cursor row first (it also locks it, so a concurrent commit for
   * the story waits, re-checks against the committed row and matches nothing), then the
   * entries, in one transaction. A connection lost during COMMIT is thrown (outcome unknown):
   * the recorder then re-reads the cursor and carries on from wherever it is.
   */
  async commitActivity(
    storyId: string,
    fromUpto: number,
    toUpto: number,
    entries: ActivityRecord[],
  ): Promise<boolean> {
    return this.db.transaction(async (client) => {
      if (!(await moveStoryCursor(client, 'activity_cursors', storyId, fromUpto, toUpto)))
        return false;
      await this.upsert(client, entries);
      return true;
    });
  }

  /** Upserting the same entries again is harmless, so even a loss during COMMIT is retried. */
  async putActivity(entries: ActivityRecord[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.transaction((client) => this.upsert(client, entries), {
      verifiableCommit: true,
    });
  }

  async listActivity(
    storyId: string,
    beforeLastAt: number | null,
    limit: number,
  ): Promise<ActivityRecord[]> {
    const { rows } = await this.db.query<ActivityRow>(
      `SELECT ${COLUMNS} FROM activity_entries WHERE story_id = $1 AND last_at < $2
       ORDER BY ${FEED_ORDER} LIMIT $3`,
      [storyId, beforeLastAt ?? Number.MAX_SAFE_INTEGER, limit],
      true,
    );
    return rows.map(toActivity);
  }

  async listActivityUpdatedSince(updatedAfter: number, limit: number): Promise<ActivityRecord[]> {
    const { rows } = await this.db.query<ActivityRow>(
      `SELECT ${COLUMNS} FROM (SELECT * FROM activity_entries WHERE updated_at > $1
         ORDER BY updated_at DESC, seq DESC LIMIT $2) AS recent
       ORDER BY ${FEED_ORDER}`,
      [updatedAfter, limit],
      true,
    );
    return rows.map(toActivity);
  }

  async listRecentActivity(storyId: string, lastAtFrom: number): Promise<ActivityRecord[]> {
    // `seq` as SQLite breaks ties (its index on (story_id, last_at) ends in the rowid).
    const { rows } = await this.db.query<ActivityRow>(
      `SELECT ${COLUMNS} FROM activity_entries WHERE story_id = $1 AND last_at >= $2
       ORDER BY last_at, seq`,
      [storyId, lastAtFrom],
      true,
    );
    return rows.map(toActivity);
  }

  async latestActivityPerStory(): Promise<ActivityRecord[]> {
    // Ordered by story id in byte order, as SQLite's window partitions come out.
    const { rows } = await this.db.query<ActivityRow>(
      `SELECT ${COLUMNS} FROM (
         SELECT *, row_number() OVER (PARTITION BY story_id ORDER BY ${FEED_ORDER}) AS rn
         FROM activity_entries) AS ranked
       WHERE rn = 1
       ORDER BY story_id COLLATE "C"`,
      [],
      true,
    );
    return rows.map(toActivity);
  }
}
