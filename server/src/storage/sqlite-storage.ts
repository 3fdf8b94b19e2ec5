import fs from 'node:fs';
import path from 'node:path';
import type { Role, StoryStatus } from '@copydesk/shared';
import Database from 'better-sqlite3';
import type { Logger } from '../logger';
import { packSnapshotParts, unpackSnapshotParts } from './snapshot-parts.mjs';
import { DEFAULT_BUSY_RETRY as SQLITE_BUSY_RETRY, SqliteWriteQueue } from './sqlite-busy';
import { SqliteCheckpointer } from './sqlite-checkpointer';
import { SQLITE_MIGRATIONS } from './sqlite-migrations';
import { SqliteSubStore, StatementCache } from './sqlite-statements';
import type {
  Account,
  ActivityRecord,
  ActivityStore,
  AppendedRange,
  AuthorRun,
  CommentCountsRecord,
  CommentRecord,
  CommentStore,
  HistoryStore,
  LoggedUpdate,
  NewAccount,
  NewVersionRecord,
  NotificationRecord,
  SeenMark,
  Snapshot,
  StatusChangeRecord,
  Storage,
  StoredUpdate,
  StoryAppend,
  StoryRecord,
  StoryState,
  UpdateInfo,
  UpdateStats,
  VersionRecord,
} from './storage';
import { NOTHING_APPENDED } from './storage';

interface AccountRow {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  color: string;
  password_hash: string;
  disabled: number;
  created_at: number;
}

interface StoryRow {
  id: string;
  headline: string;
  status: StoryStatus;
  created_at: number;
  created_by: string;
  updated_at: number;
  updated_by: string | null;
}

interface StatusChangeRow {
  story_id: string;
  from_status: StoryStatus;
  to_status: StoryStatus;
  user_id: string;
  at: number;
}

interface UpdateRow {
  seq: number;
  user_id: string;
  at: number;
  data: Buffer;
}

const toAccount = (r: AccountRow): Account => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  color: r.color,
  passwordHash: r.password_hash,
  disabled: r.disabled === 1,
  createdAt: r.created_at,
});

const toStory = (r: StoryRow): StoryRecord => ({
  id: r.id,
  headline: r.headline,
  status: r.status,
  createdAt: r.created_at,
  createdBy: r.created_by,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

/** How long one attempt may block the event loop waiting for another process's lock. */
const SQLITE_BUSY_TIMEOUT_MS = 5;

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

interface SnapshotRow {
  upto: number;
  data: Buffer;
  parts: number;
}

const snapshotFromRow = (r: SnapshotRow): Snapshot => ({
  upto: r.upto,
  parts: unpackSnapshotParts(bytes(r.data), r.parts),
});

export interface SqliteStorageOptions {
  file: string;
  synchronous?: 'NORMAL' | 'FULL';
  /**
   * A WAL checkpoint is run in a thread of its own after this many commits (default 300,
   * about the 1000 pages SQLite checkpoints at); 0: SQLite checkpoints inside the commit that
   * fills the WAL, on the event loop.
   */
  checkpointEveryCommits?: number;
  logger?: Logger;
}

/** SQLite's own default: the writer checkpoints once the WAL holds this many pages. */
const INLINE_CHECKPOINT_PAGES = 1000;
/** With the checkpoint thread, the writer checkpoints only if the WAL got this big anyway. */
const BACKSTOP_CHECKPOINT_PAGES = 10_000;
export const DEFAULT_CHECKPOINT_EVERY_COMMITS = 300;

/**
 * Embedded default storage: one SQLite file in WAL mode. synchronous=NORMAL keeps
 * every committed transaction across a process crash (SIGKILL); only an OS crash
 * can lose the last commits, which FULL would prevent at a large cost per edit.
 */
export class SqliteStorage implements Storage {
  readonly kind = 'sqlite' as const;
  readonly sqliteFile: string | undefined;
  private readonly db: Database.Database;
  private readonly statements: StatementCache;
  /** Writes wait for a lock held by another process on a timer, not in the event loop. */
  private readonly writes = new SqliteWriteQueue(SQLITE_BUSY_RETRY, () =>
    this.checkpointer?.committed(),
  );
  /** Copies the WAL into the database file off the event loop (null: SQLite does it inline). */
  private checkpointer: SqliteCheckpointer | null = null;

  constructor(options: SqliteStorageOptions) {
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    this.sqliteFile = options.file === ':memory:' ? undefined : options.file;
    this.statements = new StatementCache(this.db);
    // Switching to WAL may wait for another process; nothing is served yet, so waiting is fine.
    this.db.pragma(`busy_timeout = ${SQLITE_BUSY_RETRY.deadlineMs}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    // From here on a few ms only: SQLite waits for a lock synchronously, which would freeze
    // every story and connection; longer waits are retried on a timer (sqlite-busy.ts).
    this.db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    const every = options.checkpointEveryCommits ?? DEFAULT_CHECKPOINT_EVERY_COMMITS;
    if (this.sqliteFile && every > 0) this.checkpointInBackground(every, options.logger);
  }

  /** The checkpoint thread (null: none, or it failed and commits checkpoint inline again). */
  get checkpointThread(): SqliteCheckpointer | null {
    return this.checkpointer;
  }

  /** WAL size (pages) at which a commit checkpoints on the event loop (wal_autocheckpoint). */
  get inlineCheckpointPages(): number {
    return this.db.pragma('wal_autocheckpoint', { simple: true }) as number;
  }

  private checkpointInBackground(everyCommits: number, logger: Logger | undefined): void {
    // A backstop only: should the thread fall behind, the writer still bounds the WAL.
    this.db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    this.checkpointer = new SqliteCheckpointer({
      file: this.sqliteFile as string,
      everyCommits,
      onFailed: (err) => {
        this.checkpointer = null;
        logger?.warn({ err }, 'SQLite checkpoint thread failed; checkpointing on commit again');
        if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${INLINE_CHECKPOINT_PAGES}`);
      },
    });
  }

  private write<T>(fn: () => T): Promise<T> {
    return this.writes.run(fn);
  }

  async migrate(): Promise<void> {
    await this.write(() => {
      const current = this.db.pragma('user_version', { simple: true }) as number;
      const pending = SQLITE_MIGRATIONS.slice(current);
      this.db.transaction(() => {
        for (const sql of pending) this.db.exec(sql);
        this.db.pragma(`user_version = ${SQLITE_MIGRATIONS.length}`);
      })();
    });
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    // A write still waiting for the lock settles (stored or failed) before the connection goes.
    await this.writes.drained();
    // At once, in this turn: writes issued after close() must fail, not slip in.
    if (this.db.open) this.db.close();
    // Last to close, the thread's connection copies what is left and removes the WAL.
    await this.checkpointer?.close();
  }

  async countAccounts(): Promise<number> {
    const row = this.db.prepare('SELECT count(*) AS n FROM accounts').get() as { n: number };
    return row.n;
  }

  async createAccount(a: NewAccount): Promise<Account> {
    const createdAt = Date.now();
    await this.write(() =>
      this.db
        .prepare(
          `INSERT INTO accounts (id, username, display_name, role, color, password_hash, disabled, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 0, ?)`,
        )
        .run(a.id, a.username, a.displayName, a.role, a.color, a.passwordHash, createdAt),
    );
    return { ...a, disabled: false, createdAt };
  }

  async findAccountByUsername(username: string): Promise<Account | null> {
    const row = this.stmt('SELECT * FROM accounts WHERE username = ?').get(username) as
      | AccountRow
      | undefined;
    return row ? toAccount(row) : null;
  }

  async findAccountById(id: string): Promise<Account | null> {
    const row = this.stmt('SELECT * FROM accounts WHERE id = ?').get(id) as AccountRow | undefined;
    return row ? toAccount(row) : null;
  }

  async listAccounts(): Promise<Account[]> {
    const rows = this.db.prepare('SELECT * FROM accounts ORDER BY username').all() as AccountRow[];
    return rows.map(toAccount);
  }

  async updateAccount(
    id: string,
    patch: Partial<Pick<Account, 'role' | 'passwordHash' | 'disabled' | 'displayName'>>,
  ): Promise<void> {
    const columns: Record<string, string | number | undefined> = {
      role: patch.role,
      password_hash: patch.passwordHash,
      display_name: patch.displayName,
      disabled: patch.disabled === undefined ? undefined : patch.disabled ? 1 : 0,
    };
    const set = Object.entries(columns).filter(([, v]) => v !== undefined);
    if (set.length === 0) return;
    const sql = `UPDATE accounts SET ${set.map(([k]) => `${k} = ?`).join(', ')} WHERE id = ?`;
    await this.write(() => this.db.prepare(sql).run(...set.map(([, v]) => v), id));
  }

  async createStory(story: StoryRecord, first: LoggedUpdate): Promise<void> {
    await this.write(() => this.createStoryTx(story, first));
  }

  private createStoryTx(story: StoryRecord, first: LoggedUpdate): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO stories (id, headline, status, created_at, created_by, updated_at, updated_by)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          story.id,
          story.headline,
          story.status,
          story.createdAt,
          story.createdBy,
          story.updatedAt,
          story.updatedBy,
        );
      this.insertUpdate.run(story.id, first.userId, first.at, first.update);
    })();
  }

  async storyStatuses(ids: string[]): Promise<Map<string, StoryStatus>> {
    if (ids.length === 0) return new Map();
    const rows = this.stmt(
      'SELECT id, status FROM stories WHERE id IN (SELECT value FROM json_each(?))',
    ).all(JSON.stringify(ids)) as { id: string; status: StoryStatus }[];
    return new Map(rows.map((r) => [r.id, r.status]));
  }

  async getStory(id: string): Promise<StoryRecord | null> {
    const row = this.stmt('SELECT * FROM stories WHERE id = ?').get(id) as StoryRow | undefined;
    return row ? toStory(row) : null;
  }

  async listStories(): Promise<StoryRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM stories ORDER BY updated_at DESC, id')
      .all() as StoryRow[];
    return rows.map(toStory);
  }

  private stmt(sql: string): Database.Statement {
    return this.statements.get(sql);
  }

  private get insertUpdate() {
    return this.stmt('INSERT INTO updates (story_id, user_id, at, data) VALUES (?, ?, ?, ?)');
  }

  /** One story's rows and story-row update; callers wrap it in a transaction. */
  private appendRows(storyId: string, updates: LoggedUpdate[], headline: string): AppendedRange {
    if (updates.length === 0) return NOTHING_APPENDED;
    const insert = this.insertUpdate;
    const prev = this.stmt('SELECT max(seq) AS seq FROM updates WHERE story_id = ?').get(storyId) as
      | { seq: number | null }
      | undefined;
    let last: LoggedUpdate | undefined;
    let seq = 0;
    const seqs: number[] = [];
    for (const u of updates) {
      seq = Number(insert.run(storyId, u.userId, u.at, u.update).lastInsertRowid);
      seqs.push(seq);
      last = u;
    }
    if (last) {
      this.stmt('UPDATE stories SET headline = ?, updated_at = ?, updated_by = ? WHERE id = ?').run(
        headline,
        last.at,
        last.userId,
        storyId,
      );
    }
    return { prevSeq: prev?.seq ?? 0, lastSeq: seq, seqs };
  }

  async appendUpdates(
    storyId: string,
    updates: LoggedUpdate[],
    headline: string,
  ): Promise<AppendedRange> {
    return this.write(() =>
      this.db.transaction(() => this.appendRows(storyId, updates, headline))(),
    );
  }

  /** Every loaded story's writes of a turn in one commit (sync/write-scheduler.ts). */
  async appendUpdatesMany(batches: StoryAppend[]): Promise<AppendedRange[]> {
    return this.write(() =>
      this.db.transaction(() =>
        batches.map((b) => this.appendRows(b.storyId, b.updates, b.headline)),
      )(),
    );
  }

  async loadStoryState(storyId: string): Promise<StoryState> {
    const snap = this.db
      .prepare(
        'SELECT upto, data, parts FROM snapshots WHERE story_id = ? ORDER BY upto DESC LIMIT 1',
      )
      .get(storyId) as SnapshotRow | undefined;
    const since = snap?.upto ?? 0;
    const rows = this.db
      .prepare(
        'SELECT seq, user_id, at, data FROM updates WHERE story_id = ? AND seq > ? ORDER BY seq',
      )
      .all(storyId, since) as UpdateRow[];
    return {
      snapshot: snap ? snapshotFromRow(snap) : null,
      updates: rows.map(
        (r): StoredUpdate => ({ seq: r.seq, userId: r.user_id, at: r.at, update: bytes(r.data) }),
      ),
    };
  }

  async saveSnapshot(storyId: string, snapshot: Snapshot): Promise<void> {
    await this.write(() =>
      this.db
        .prepare(
          'INSERT OR IGNORE INTO snapshots (story_id, upto, at, data, parts) VALUES (?, ?, ?, ?, ?)',
        )
        .run(
          storyId,
          snapshot.upto,
          Date.now(),
          packSnapshotParts(snapshot.parts),
          snapshot.parts.length,
        ),
    );
  }

  async setStoryStatus(change: StatusChangeRecord): Promise<boolean> {
    return this.write(() => this.setStoryStatusTx(change));
  }

  private setStoryStatusTx(change: StatusChangeRecord): boolean {
    return this.db.transaction(() => {
      const moved = this.stmt('UPDATE stories SET status = ? WHERE id = ? AND status = ?').run(
        change.to,
        change.storyId,
        change.from,
      );
      if (moved.changes !== 1) return false;
      this.stmt(
        `INSERT INTO status_changes (story_id, from_status, to_status, user_id, at)
         VALUES (?, ?, ?, ?, ?)`,
      ).run(change.storyId, change.from, change.to, change.userId, change.at);
      return true;
    })();
  }

  async listStatusChanges(storyId: string): Promise<StatusChangeRecord[]> {
    const rows = this.stmt(
      'SELECT story_id, from_status, to_status, user_id, at FROM status_changes WHERE story_id = ? ORDER BY seq',
    ).all(storyId) as StatusChangeRow[];
    return rows.map((r) => ({
      storyId: r.story_id,
      from: r.from_status,
      to: r.to_status,
      userId: r.user_id,
      at: r.at,
    }));
  }

  private historyStore: SqliteHistoryStore | null = null;

  /** Version history tables (issue 6); shares this connection. */
  get history(): HistoryStore {
    this.historyStore ??= new SqliteHistoryStore(this.db, this.statements, this.writes);
    return this.historyStore;
  }

  private activityStore: SqliteActivityStore | null = null;
  private commentStore: SqliteCommentStore | null = null;

  /** Activity feed tables (issue 5); shares this connection. */
  get activity(): ActivityStore {
    this.activityStore ??= new SqliteActivityStore(this.db, this.statements, this.writes);
    return this.activityStore;
  }

  /** Comment and notification tables (issue 5); shares this connection. */
  get comments(): CommentStore {
    this.commentStore ??= new SqliteCommentStore(this.db, this.statements, this.writes);
    return this.commentStore;
  }
}

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
class SqliteHistoryStore extends SqliteSubStore implements HistoryStore {
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
    return rows.map((r) => ({ seq: r.seq, userId: r.user_id, at: r.at, update: bytes(r.data) }));
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
class SqliteActivityStore extends SqliteSubStore implements ActivityStore {
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
        updates: rows.map(
          (r): StoredUpdate => ({ seq: r.seq, userId: r.user_id, at: r.at, update: bytes(r.data) }),
        ),
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
    return rows.map((r) => ({ seq: r.seq, userId: r.user_id, at: r.at, update: bytes(r.data) }));
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

interface CommentRow {
  id: string;
  story_id: string;
  thread_id: string;
  user_id: string;
  text: string;
  created_at: number;
  field: CommentRecord['field'];
  takeaway_index: number | null;
  rel_start: string | null;
  rel_end: string | null;
  quote: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  state_changed_at: number | null;
  mentions: string;
}

const toComment = (r: CommentRow): CommentRecord => ({
  id: r.id,
  storyId: r.story_id,
  threadId: r.thread_id,
  userId: r.user_id,
  text: r.text,
  createdAt: r.created_at,
  field: r.field,
  takeawayIndex: r.takeaway_index,
  relStart: r.rel_start,
  relEnd: r.rel_end,
  quote: r.quote,
  resolvedAt: r.resolved_at,
  resolvedBy: r.resolved_by,
  stateChangedAt: r.state_changed_at,
  mentions: JSON.parse(r.mentions) as string[],
});

interface NotificationRow {
  id: string;
  user_id: string;
  kind: 'mention';
  story_id: string;
  thread_id: string;
  comment_id: string;
  by_user_id: string;
  excerpt: string;
  created_at: number;
  read_at: number | null;
}

const toNotification = (r: NotificationRow): NotificationRecord => ({
  id: r.id,
  userId: r.user_id,
  kind: r.kind,
  storyId: r.story_id,
  threadId: r.thread_id,
  commentId: r.comment_id,
  byUserId: r.by_user_id,
  excerpt: r.excerpt,
  createdAt: r.created_at,
  readAt: r.read_at,
});

/** SQLite side of comments (tables `comments`, `notifications`, see sqlite-migrations.ts). */
class SqliteCommentStore extends SqliteSubStore implements CommentStore {
  async insertComment(c: CommentRecord, notifications: NotificationRecord[]): Promise<void> {
    await this.write(() => this.insertCommentTx(c, notifications));
  }

  private insertCommentTx(c: CommentRecord, notifications: NotificationRecord[]): void {
    this.db.transaction(() => {
      this.stmt(
        `INSERT INTO comments (id, story_id, thread_id, user_id, text, created_at, field,
           takeaway_index, rel_start, rel_end, quote, resolved_at, resolved_by, state_changed_at,
           mentions)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        c.id,
        c.storyId,
        c.threadId,
        c.userId,
        c.text,
        c.createdAt,
        c.field,
        c.takeawayIndex,
        c.relStart,
        c.relEnd,
        c.quote,
        c.resolvedAt,
        c.resolvedBy,
        c.stateChangedAt,
        JSON.stringify(c.mentions),
      );
      const insert = this.stmt(
        `INSERT INTO notifications (id, user_id, kind, story_id, thread_id, comment_id,
           by_user_id, excerpt, created_at, read_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const n of notifications) {
        insert.run(
          n.id,
          n.userId,
          n.kind,
          n.storyId,
          n.threadId,
          n.commentId,
          n.byUserId,
          n.excerpt,
          n.createdAt,
          n.readAt,
        );
      }
    })();
  }

  async getComment(id: string): Promise<CommentRecord | null> {
    const row = this.stmt('SELECT * FROM comments WHERE id = ?').get(id) as CommentRow | undefined;
    return row ? toComment(row) : null;
  }

  async listComments(storyId: string): Promise<CommentRecord[]> {
    const rows = this.stmt('SELECT * FROM comments WHERE story_id = ? ORDER BY created_at, id').all(
      storyId,
    ) as CommentRow[];
    return rows.map(toComment);
  }

  async setThreadResolved(
    threadId: string,
    resolvedBy: string | null,
    at: number,
  ): Promise<boolean> {
    const result = await this.write(() =>
      resolvedBy === null
        ? this.stmt(
            `UPDATE comments SET resolved_at = NULL, resolved_by = NULL, state_changed_at = ?
             WHERE id = ? AND thread_id = id AND resolved_at IS NOT NULL`,
          ).run(at, threadId)
        : this.stmt(
            `UPDATE comments SET resolved_at = ?, resolved_by = ?, state_changed_at = ?
             WHERE id = ? AND thread_id = id AND resolved_at IS NULL`,
          ).run(at, resolvedBy, at, threadId),
    );
    return result.changes === 1;
  }

  async commentCounts(): Promise<CommentCountsRecord[]> {
    const rows = this.stmt(
      `SELECT story_id,
         sum(CASE WHEN thread_id = id AND resolved_at IS NULL THEN 1 ELSE 0 END) AS unresolved,
         sum(CASE WHEN thread_id = id THEN 1 ELSE 0 END) AS total,
         max(created_at) AS last_at
       FROM comments GROUP BY story_id`,
    ).all() as { story_id: string; unresolved: number; total: number; last_at: number }[];
    return rows.map((r) => ({
      storyId: r.story_id,
      unresolved: r.unresolved,
      total: r.total,
      lastCommentAt: r.last_at,
    }));
  }

  async listNotifications(
    userId: string,
    unreadOnly: boolean,
    limit: number,
  ): Promise<NotificationRecord[]> {
    const rows = this.stmt(
      `SELECT * FROM notifications WHERE user_id = ? AND (? = 0 OR read_at IS NULL)
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    ).all(userId, unreadOnly ? 1 : 0, limit) as NotificationRow[];
    return rows.map(toNotification);
  }

  async countUnreadNotifications(userId: string): Promise<number> {
    const row = this.stmt(
      'SELECT count(*) AS n FROM notifications WHERE user_id = ? AND read_at IS NULL',
    ).get(userId) as { n: number };
    return row.n;
  }

  async markNotificationsRead(userId: string, ids: string[] | null, at: number): Promise<void> {
    if (ids === null) {
      await this.write(() =>
        this.stmt('UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL').run(
          at,
          userId,
        ),
      );
      return;
    }
    const update = this.stmt(
      'UPDATE notifications SET read_at = ? WHERE user_id = ? AND id = ? AND read_at IS NULL',
    );
    await this.write(() =>
      this.db.transaction(() => {
        for (const id of ids) update.run(at, userId, id);
      })(),
    );
  }
}
