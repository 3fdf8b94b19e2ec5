import fs from 'node:fs';
import path from 'node:path';
import type { Role, StoryStatus } from '@copydesk/shared';
import Database from 'better-sqlite3';
import type { Logger } from '../logger';
import { packSnapshotParts } from './snapshot-parts.mjs';
import { SqliteActivityStore } from './sqlite-activity';
import { DEFAULT_BUSY_RETRY as SQLITE_BUSY_RETRY, SqliteWriteQueue } from './sqlite-busy';
import { SqliteCheckpointer } from './sqlite-checkpointer';
import { SqliteCommentStore } from './sqlite-comments';
import { SqliteHistoryStore } from './sqlite-history';
import { SQLITE_MIGRATIONS } from './sqlite-migrations';
import {
  type SnapshotRow,
  snapshotFromRow,
  storedUpdateFromRow,
  type UpdateRow,
} from './sqlite-rows';
import { StatementCache } from './sqlite-statements';
import type {
  Account,
  ActivityStore,
  AppendedRange,
  CommentStore,
  HistoryStore,
  LoggedUpdate,
  NewAccount,
  Snapshot,
  StatusChangeRecord,
  Storage,
  StoryAppend,
  StoryRecord,
  StoryState,
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
      updates: rows.map(storedUpdateFromRow),
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
