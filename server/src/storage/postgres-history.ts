import type { StoryStatus } from '@copydesk/shared';
import {
  advisoryLockKey,
  bytes,
  int,
  moveStoryCursor,
  type PostgresDatabase,
  type SnapshotRow,
  toSnapshot,
} from './postgres-database';
import type {
  AuthorRun,
  HistoryStore,
  NewVersionRecord,
  SeenMark,
  Snapshot,
  StoredUpdate,
  UpdateInfo,
  UpdateStats,
  VersionRecord,
} from './storage';

interface VersionRow {
  story_id: string;
  number: number;
  seq: string;
  reason: VersionRecord['reason'];
  name: string | null;
  created_at: string;
  created_by: string | null;
  edited_at: string | null;
  status: StoryStatus;
  authors: string;
  details: string;
}

const toVersion = (r: VersionRow): VersionRecord => ({
  storyId: r.story_id,
  number: r.number,
  seq: int(r.seq),
  reason: r.reason,
  name: r.name,
  createdAt: int(r.created_at),
  createdBy: r.created_by,
  editedAt: r.edited_at === null ? null : int(r.edited_at),
  status: r.status,
  authors: JSON.parse(r.authors) as string[],
  details: r.details,
});

interface AuthorRunRow {
  kind: number;
  client: string;
  clock: string;
  len: string;
  user_id: string;
  seq: string;
}

interface SeenRow {
  story_id: string;
  user_id: string;
  seq: string;
  at: string;
}

const toSeen = (r: SeenRow): SeenMark => ({
  storyId: r.story_id,
  userId: r.user_id,
  seq: int(r.seq),
  at: int(r.at),
});

/**
 * PostgreSQL side of the version history (tables `history_*`, see postgres-migrations.ts),
 * mirroring SqliteHistoryStore. Where SQLite relies on its single writer, this takes a lock:
 * version numbers under a per-story advisory lock, the authorship index by compare-and-set
 * on its row.
 */
export class PostgresHistoryStore implements HistoryStore {
  constructor(private readonly db: PostgresDatabase) {}

  async latestUpdate(storyId: string): Promise<UpdateInfo | null> {
    const { rows } = await this.db.query<{ seq: string; at: string; user_id: string }>(
      'SELECT seq, at, user_id FROM updates WHERE story_id = $1 ORDER BY seq DESC LIMIT 1',
      [storyId],
      true,
    );
    const row = rows[0];
    return row ? { seq: int(row.seq), at: int(row.at), userId: row.user_id } : null;
  }

  async loadUpdates(
    storyId: string,
    afterSeq: number,
    uptoSeq: number,
    limit: number,
  ): Promise<StoredUpdate[]> {
    const { rows } = await this.db.query<{
      seq: string;
      user_id: string;
      at: string;
      data: Buffer;
    }>(
      `SELECT seq, user_id, at, data FROM updates
       WHERE story_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`,
      [storyId, afterSeq, uptoSeq, limit],
      true,
    );
    return rows.map((r) => ({
      seq: int(r.seq),
      userId: r.user_id,
      at: int(r.at),
      update: bytes(r.data),
    }));
  }

  async updateStats(
    storyId: string,
    afterSeq: number,
    uptoSeq: number,
    excludeUserId?: string,
  ): Promise<UpdateStats> {
    const { rows } = await this.db.query<{
      user_id: string;
      n: number;
      last_seq: string;
      last_at: string;
    }>(
      `SELECT user_id, count(*)::integer AS n, max(seq) AS last_seq, max(at) AS last_at
       FROM updates
       WHERE story_id = $1 AND seq > $2 AND seq <= $3 AND user_id <> $4
       GROUP BY user_id ORDER BY n DESC, user_id COLLATE "C"`,
      [storyId, afterSeq, uptoSeq, excludeUserId ?? ''],
      true,
    );
    let count = 0;
    let lastSeq = 0;
    let lastAt: number | null = null;
    for (const r of rows) {
      count += r.n;
      lastSeq = Math.max(lastSeq, int(r.last_seq));
      lastAt = Math.max(lastAt ?? 0, int(r.last_at));
    }
    return {
      count,
      lastSeq,
      lastAt,
      authors: rows.map((r) => ({ userId: r.user_id, count: r.n, lastAt: int(r.last_at) })),
    };
  }

  async loadSnapshotAtOrBefore(storyId: string, seq: number): Promise<Snapshot | null> {
    const { rows } = await this.db.query<SnapshotRow>(
      `SELECT upto, data, parts FROM snapshots WHERE story_id = $1 AND upto <= $2
       ORDER BY upto DESC LIMIT 1`,
      [storyId, seq],
      true,
    );
    const row = rows[0];
    return row ? toSnapshot(row) : null;
  }

  /**
   * Numbers are max + 1 per story. Two instances inserting a version of the same story at
   * once would pick the same number, so the story's versions are serialised by an advisory
   * lock (not the story row, which every keystroke's append locks).
   */
  async insertVersion(v: NewVersionRecord): Promise<VersionRecord> {
    return this.db.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [
        advisoryLockKey('versions', this.db.schema ?? '', v.storyId),
      ]);
      const { rows } = await client.query<{ number: number }>(
        `INSERT INTO history_versions (story_id, number, seq, reason, name, created_at, created_by,
           edited_at, status, authors, details)
         SELECT $1, coalesce(max(number), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10
         FROM history_versions WHERE story_id = $1
         RETURNING number`,
        [
          v.storyId,
          v.seq,
          v.reason,
          v.name,
          v.createdAt,
          v.createdBy,
          v.editedAt,
          v.status,
          JSON.stringify(v.authors),
          v.details,
        ],
      );
      const number = rows[0]?.number;
      if (number === undefined) throw new Error('insertVersion: no number returned');
      return { ...v, number };
    });
  }

  async listVersions(storyId: string): Promise<VersionRecord[]> {
    const { rows } = await this.db.query<VersionRow>(
      'SELECT * FROM history_versions WHERE story_id = $1 ORDER BY number',
      [storyId],
      true,
    );
    return rows.map(toVersion);
  }

  async getVersion(storyId: string, number: number): Promise<VersionRecord | null> {
    const { rows } = await this.db.query<VersionRow>(
      'SELECT * FROM history_versions WHERE story_id = $1 AND number = $2',
      [storyId, number],
      true,
    );
    return rows[0] ? toVersion(rows[0]) : null;
  }

  /** Index and runs from one snapshot, so `upto` and the runs always agree. */
  async loadAuthorRuns(storyId: string): Promise<{ upto: number; runs: AuthorRun[] }> {
    return this.db.transaction(
      async (client) => {
        const index = await client.query<{ upto: string }>(
          'SELECT upto FROM history_author_index WHERE story_id = $1',
          [storyId],
        );
        const { rows } = await client.query<AuthorRunRow>(
          `SELECT kind, client, clock, len, user_id, seq FROM history_author_runs
           WHERE story_id = $1 ORDER BY id`,
          [storyId],
        );
        const upto = index.rows[0]?.upto;
        return {
          upto: upto === undefined ? 0 : int(upto),
          runs: rows.map(
            (r): AuthorRun => ({
              kind: r.kind === 1 ? 'delete' : 'insert',
              client: int(r.client),
              clock: int(r.clock),
              len: int(r.len),
              userId: r.user_id,
              seq: int(r.seq),
            }),
          ),
        };
      },
      { readOnlySnapshot: true },
    );
  }

  /**
   * Compare-and-set of the index row first (it also locks it, so concurrent appends for a
   * story are serialised and the loser changes nothing), then the runs, in one transaction.
   * Run ids are drawn and sorted explicitly, so the stored order is the array's order.
   */
  async appendAuthorRuns(
    storyId: string,
    fromUpto: number,
    toUpto: number,
    runs: AuthorRun[],
  ): Promise<boolean> {
    return this.db.transaction(async (client) => {
      if (!(await moveStoryCursor(client, 'history_author_index', storyId, fromUpto, toUpto)))
        return false;
      if (runs.length === 0) return true;
      const ids = await client.query<{ id: string }>(
        "SELECT nextval('history_author_runs_id_seq')::text AS id FROM generate_series(1, $1::integer)",
        [runs.length],
      );
      await client.query(
        `INSERT INTO history_author_runs (id, story_id, kind, client, clock, len, user_id, seq)
         SELECT r.id, $1, r.kind, r.client, r.clock, r.len, r.user_id, r.seq
         FROM unnest($2::bigint[], $3::smallint[], $4::bigint[], $5::bigint[], $6::bigint[],
                     $7::text[], $8::bigint[]) AS r(id, kind, client, clock, len, user_id, seq)`,
        [
          storyId,
          ids.rows.map((r) => int(r.id)).sort((a, b) => a - b),
          runs.map((r) => (r.kind === 'delete' ? 1 : 0)),
          runs.map((r) => r.client),
          runs.map((r) => r.clock),
          runs.map((r) => r.len),
          runs.map((r) => r.userId),
          runs.map((r) => r.seq),
        ],
      );
      return true;
    });
  }

  async markSeen(mark: SeenMark): Promise<void> {
    // An upsert of the same values: safe to retry.
    await this.db.query(
      `INSERT INTO history_seen (user_id, story_id, seq, at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, story_id) DO UPDATE SET seq = excluded.seq, at = excluded.at`,
      [mark.userId, mark.storyId, mark.seq, mark.at],
      true,
    );
  }

  async getSeen(storyId: string, userId: string): Promise<SeenMark | null> {
    const { rows } = await this.db.query<SeenRow>(
      'SELECT * FROM history_seen WHERE user_id = $1 AND story_id = $2',
      [userId, storyId],
      true,
    );
    return rows[0] ? toSeen(rows[0]) : null;
  }

  async listSeen(userId: string): Promise<SeenMark[]> {
    const { rows } = await this.db.query<SeenRow>(
      'SELECT * FROM history_seen WHERE user_id = $1',
      [userId],
      true,
    );
    return rows.map(toSeen);
  }
}
