import type { StoryStatus } from '@copydesk/shared';
import {
  type SnapshotRow,
  snapshotFromRow,
  storedUpdateFromRow,
  type UpdateRow,
} from './sqlite-rows';
import { SqliteSubStore } from './sqlite-statements';
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
  seq: number;
  reason: VersionRecord['reason'];
  name: string | null;
  created_at: number;
  created_by: string | null;
  edited_at: number | null;
  status: StoryStatus;
  authors: string;
  details: string;
}

const toVersion = (r: VersionRow): VersionRecord => ({
  storyId: r.story_id,
  number: r.number,
  seq: r.seq,
  reason: r.reason,
  name: r.name,
  createdAt: r.created_at,
  createdBy: r.created_by,
  editedAt: r.edited_at,
  status: r.status,
  authors: JSON.parse(r.authors) as string[],
  details: r.details,
});

interface AuthorRunRow {
  kind: number;
  client: number;
  clock: number;
  len: number;
  user_id: string;
  seq: number;
}

interface SeenRow {
  story_id: string;
  user_id: string;
  seq: number;
  at: number;
}

const toSeen = (r: SeenRow): SeenMark => ({
  storyId: r.story_id,
  userId: r.user_id,
  seq: r.seq,
  at: r.at,
});

/** SQLite side of the version history (tables `history_*`, see sqlite-migrations.ts). */
export class SqliteHistoryStore extends SqliteSubStore implements HistoryStore {
  async latestUpdate(storyId: string): Promise<UpdateInfo | null> {
    const row = this.stmt(
      'SELECT seq, at, user_id FROM updates WHERE story_id = ? ORDER BY seq DESC LIMIT 1',
    ).get(storyId) as { seq: number; at: number; user_id: string } | undefined;
    return row ? { seq: row.seq, at: row.at, userId: row.user_id } : null;
  }

  async loadUpdates(
    storyId: string,
    afterSeq: number,
    uptoSeq: number,
    limit: number,
  ): Promise<StoredUpdate[]> {
    const rows = this.stmt(
      `SELECT seq, user_id, at, data FROM updates
       WHERE story_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
    ).all(storyId, afterSeq, uptoSeq, limit) as UpdateRow[];
    return rows.map(storedUpdateFromRow);
  }

  async updateStats(
    storyId: string,
    afterSeq: number,
    uptoSeq: number,
    excludeUserId?: string,
  ): Promise<UpdateStats> {
    const rows = this.stmt(
      `SELECT user_id, count(*) AS n, max(seq) AS last_seq, max(at) AS last_at FROM updates
       WHERE story_id = ? AND seq > ? AND seq <= ? AND user_id != ?
       GROUP BY user_id ORDER BY n DESC, user_id`,
    ).all(storyId, afterSeq, uptoSeq, excludeUserId ?? '') as {
      user_id: string;
      n: number;
      last_seq: number;
      last_at: number;
    }[];
    let count = 0;
    let lastSeq = 0;
    let lastAt: number | null = null;
    for (const r of rows) {
      count += r.n;
      lastSeq = Math.max(lastSeq, r.last_seq);
      lastAt = Math.max(lastAt ?? 0, r.last_at);
    }
    return {
      count,
      lastSeq,
      lastAt,
      authors: rows.map((r) => ({ userId: r.user_id, count: r.n, lastAt: r.last_at })),
    };
  }

  async loadSnapshotAtOrBefore(storyId: string, seq: number): Promise<Snapshot | null> {
    const row = this.stmt(
      `SELECT upto, data, parts FROM snapshots WHERE story_id = ? AND upto <= ?
       ORDER BY upto DESC LIMIT 1`,
    ).get(storyId, seq) as SnapshotRow | undefined;
    return row ? snapshotFromRow(row) : null;
  }

  async insertVersion(v: NewVersionRecord): Promise<VersionRecord> {
    return this.write(() => this.insertVersionTx(v));
  }

  private insertVersionTx(v: NewVersionRecord): VersionRecord {
    return this.db
      .transaction(() => {
        const { n } = this.stmt(
          'SELECT coalesce(max(number), 0) + 1 AS n FROM history_versions WHERE story_id = ?',
        ).get(v.storyId) as { n: number };
        this.stmt(
          `INSERT INTO history_versions (story_id, number, seq, reason, name, created_at, created_by,
           edited_at, status, authors, details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          v.storyId,
          n,
          v.seq,
          v.reason,
          v.name,
          v.createdAt,
          v.createdBy,
          v.editedAt,
          v.status,
          JSON.stringify(v.authors),
          v.details,
        );
        return { ...v, number: n };
      })
      .immediate();
  }

  async listVersions(storyId: string): Promise<VersionRecord[]> {
    const rows = this.stmt('SELECT * FROM history_versions WHERE story_id = ? ORDER BY number').all(
      storyId,
    ) as VersionRow[];
    return rows.map(toVersion);
  }

  async getVersion(storyId: string, number: number): Promise<VersionRecord | null> {
    const row = this.stmt('SELECT * FROM history_versions WHERE story_id = ? AND number = ?').get(
      storyId,
      number,
    ) as VersionRow | undefined;
    return row ? toVersion(row) : null;
  }

  async loadAuthorRuns(storyId: string): Promise<{ upto: number; runs: AuthorRun[] }> {
    return this.db.transaction(() => {
      const index = this.stmt('SELECT upto FROM history_author_index WHERE story_id = ?').get(
        storyId,
      ) as { upto: number } | undefined;
      const rows = this.stmt(
        `SELECT kind, client, clock, len, user_id, seq FROM history_author_runs
         WHERE story_id = ? ORDER BY rowid`,
      ).all(storyId) as AuthorRunRow[];
      return {
        upto: index?.upto ?? 0,
        runs: rows.map(
          (r): AuthorRun => ({
            kind: r.kind === 1 ? 'delete' : 'insert',
            client: r.client,
            clock: r.clock,
            len: r.len,
            userId: r.user_id,
            seq: r.seq,
          }),
        ),
      };
    })();
  }

  async appendAuthorRuns(
    storyId: string,
    fromUpto: number,
    toUpto: number,
    runs: AuthorRun[],
  ): Promise<boolean> {
    return this.write(() => this.appendAuthorRunsTx(storyId, fromUpto, toUpto, runs));
  }

  private appendAuthorRunsTx(
    storyId: string,
    fromUpto: number,
    toUpto: number,
    runs: AuthorRun[],
  ): boolean {
    return this.db
      .transaction(() => {
        const index = this.stmt('SELECT upto FROM history_author_index WHERE story_id = ?').get(
          storyId,
        ) as { upto: number } | undefined;
        if ((index?.upto ?? 0) !== fromUpto) return false;
        const insert = this.stmt(
          `INSERT INTO history_author_runs (story_id, kind, client, clock, len, user_id, seq)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        );
        for (const r of runs) {
          insert.run(
            storyId,
            r.kind === 'delete' ? 1 : 0,
            r.client,
            r.clock,
            r.len,
            r.userId,
            r.seq,
          );
        }
        this.stmt(
          `INSERT INTO history_author_index (story_id, upto) VALUES (?, ?)
         ON CONFLICT (story_id) DO UPDATE SET upto = excluded.upto`,
        ).run(storyId, toUpto);
        return true;
      })
      .immediate();
  }

  async markSeen(mark: SeenMark): Promise<void> {
    await this.write(() =>
      this.stmt(
        `INSERT INTO history_seen (user_id, story_id, seq, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id, story_id) DO UPDATE SET seq = excluded.seq, at = excluded.at`,
      ).run(mark.userId, mark.storyId, mark.seq, mark.at),
    );
  }

  async getSeen(storyId: string, userId: string): Promise<SeenMark | null> {
    const row = this.stmt('SELECT * FROM history_seen WHERE user_id = ? AND story_id = ?').get(
      userId,
      storyId,
    ) as SeenRow | undefined;
    return row ? toSeen(row) : null;
  }

  async listSeen(userId: string): Promise<SeenMark[]> {
    const rows = this.stmt('SELECT * FROM history_seen WHERE user_id = ?').all(userId) as SeenRow[];
    return rows.map(toSeen);
  }
}

/* ---- Activity feed (issue 5, server/src/activity) ---- */
