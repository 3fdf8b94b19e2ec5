import type { Role, StoryStatus } from '@copydesk/shared';
import { PostgresActivityStore } from './postgres-activity';
import { PostgresAppendQueue } from './postgres-append';
import { PostgresCommentStore } from './postgres-comments';
import {
  advisoryLockKey,
  buffer,
  bytes,
  int,
  type PostgresConnectionOptions,
  PostgresDatabase,
  type SnapshotRow,
  toSnapshot,
} from './postgres-database';
import { PostgresHistoryStore } from './postgres-history';
import { POSTGRES_MIGRATIONS } from './postgres-migrations';
import { packSnapshotParts } from './snapshot-parts.mjs';
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
  StoredUpdate,
  StoryRecord,
  StoryState,
} from './storage';
import { NOTHING_APPENDED } from './storage';

export { isConnectionError } from './postgres-database';
export type PostgresStorageOptions = PostgresConnectionOptions;

interface AccountRow {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  color: string;
  password_hash: string;
  disabled: boolean;
  created_at: string;
}

interface StoryRow {
  id: string;
  headline: string;
  status: StoryStatus;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string | null;
}

interface StatusChangeRow {
  story_id: string;
  from_status: StoryStatus;
  to_status: StoryStatus;
  user_id: string;
  at: string;
}

interface UpdateRow {
  seq: string;
  user_id: string;
  at: string;
  data: Buffer;
}

const toAccount = (r: AccountRow): Account => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  color: r.color,
  passwordHash: r.password_hash,
  disabled: r.disabled,
  createdAt: int(r.created_at),
});

const toStory = (r: StoryRow): StoryRecord => ({
  id: r.id,
  headline: r.headline,
  status: r.status,
  createdAt: int(r.created_at),
  createdBy: r.created_by,
  updatedAt: int(r.updated_at),
  updatedBy: r.updated_by,
});

/**
 * PostgreSQL storage (node-postgres pool), for several server instances sharing one database.
 *
 * Update log ordering: `updates.seq` comes from one sequence shared by all stories, so
 * sequence order alone is not commit order — two instances appending to the same story could
 * take seqs 10 and 11 and commit 11 first; a reader in between would see 11 without 10, and a
 * snapshot taken then (upto = 11) would hide 10 forever. appendUpdates therefore first locks
 * the story's row (the UPDATE of headline/updated_at does it) and only then draws seqs, so per
 * story the appends are serialised: seqs are drawn in commit order and every reader sees a
 * prefix of the story's log. Appends to different stories do not wait for each other.
 */
export class PostgresStorage implements Storage {
  readonly kind = 'postgres' as const;
  private readonly db: PostgresDatabase;
  /** Group commit: the appends of many stories in one transaction (postgres-append.ts). */
  private readonly appends: PostgresAppendQueue;
  /** Version history (issue 6) on the same pool. */
  readonly history: HistoryStore;
  /** Activity feed (issue 5) on the same pool. */
  readonly activity: ActivityStore;
  /** Comments and notifications (issue 5) on the same pool. */
  readonly comments: CommentStore;

  constructor(options: PostgresStorageOptions) {
    this.db = new PostgresDatabase(options);
    this.appends = new PostgresAppendQueue(this.db);
    this.history = new PostgresHistoryStore(this.db);
    this.activity = new PostgresActivityStore(this.db);
    this.comments = new PostgresCommentStore(this.db);
  }

  /**
   * Applies pending migrations in one transaction under an advisory lock, so several
   * instances starting at once apply each migration exactly once (the others wait, then
   * find nothing to do). Creates the configured schema if needed.
   */
  async migrate(): Promise<void> {
    const schema = this.db.schema;
    await this.db.transaction(
      async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [
          advisoryLockKey('migrations', schema ?? ''),
        ]);
        if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await client.query(
          `CREATE TABLE IF NOT EXISTS schema_migrations (
           version integer PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
        );
        const applied = await client.query<{ version: number }>(
          'SELECT version FROM schema_migrations',
        );
        const done = new Set(applied.rows.map((r) => r.version));
        for (const [index, sql] of POSTGRES_MIGRATIONS.entries()) {
          const version = index + 1;
          if (done.has(version)) continue;
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
          this.db.logger?.info({ version }, 'postgres migration applied');
        }
        // Running it again is harmless (it re-reads schema_migrations), so even a connection
        // lost during COMMIT may be retried.
      },
      { verifiableCommit: true },
    );
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1', [], true);
  }

  async close(): Promise<void> {
    await this.db.end();
  }

  async countAccounts(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      'SELECT count(*)::integer AS n FROM accounts',
      [],
      true,
    );
    return rows[0]?.n ?? 0;
  }

  async createAccount(a: NewAccount): Promise<Account> {
    const createdAt = Date.now();
    // In a transaction, so a connection lost before COMMIT can be retried safely.
    await this.db.transaction((client) =>
      client.query(
        `INSERT INTO accounts (id, username, display_name, role, color, password_hash, disabled, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, false, $7)`,
        [a.id, a.username, a.displayName, a.role, a.color, a.passwordHash, createdAt],
      ),
    );
    return { ...a, disabled: false, createdAt };
  }

  async findAccountByUsername(username: string): Promise<Account | null> {
    const { rows } = await this.db.query<AccountRow>(
      'SELECT * FROM accounts WHERE username = $1',
      [username],
      true,
    );
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async findAccountById(id: string): Promise<Account | null> {
    const { rows } = await this.db.query<AccountRow>(
      'SELECT * FROM accounts WHERE id = $1',
      [id],
      true,
    );
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async listAccounts(): Promise<Account[]> {
    // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
    const { rows } = await this.db.query<AccountRow>(
      'SELECT * FROM accounts ORDER BY username COLLATE "C"',
      [],
      true,
    );
    return rows.map(toAccount);
  }

  async updateAccount(
    id: string,
    patch: Partial<Pick<Account, 'role' | 'passwordHash' | 'disabled' | 'displayName'>>,
  ): Promise<void> {
    const columns: Record<string, string | boolean | undefined> = {
      role: patch.role,
      password_hash: patch.passwordHash,
      display_name: patch.displayName,
      disabled: patch.disabled,
    };
    const set = Object.entries(columns).filter(
      (entry): entry is [string, string | boolean] => entry[1] !== undefined,
    );
    if (set.length === 0) return;
    // Column names come from the fixed list above; values are parameters.
    const sql = `UPDATE accounts SET ${set.map(([k], i) => `${k} = $${i + 1}`).join(', ')} WHERE id = $${set.length + 1}`;
    // Setting the same values twice is harmless, so it may be retried.
    await this.db.query(sql, [...set.map(([, v]) => v), id], true);
  }

  async createStory(story: StoryRecord, first: LoggedUpdate): Promise<void> {
    let attempted = false;
    await this.db.transaction(
      async (client) => {
        if (attempted) {
          // A previous attempt lost its connection during COMMIT: did it land?
          const { rows } = await client.query<{ created_at: string; created_by: string }>(
            'SELECT created_at, created_by FROM stories WHERE id = $1',
            [story.id],
          );
          const row = rows[0];
          if (row && int(row.created_at) === story.createdAt && row.created_by === story.createdBy)
            return;
        }
        attempted = true;
        await client.query(
          `INSERT INTO stories (id, headline, status, created_at, created_by, updated_at, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [
            story.id,
            story.headline,
            story.status,
            story.createdAt,
            story.createdBy,
            story.updatedAt,
            story.updatedBy,
          ],
        );
        await client.query(
          'INSERT INTO updates (story_id, user_id, at, data) VALUES ($1, $2, $3, $4)',
          [story.id, first.userId, first.at, buffer(first.update)],
        );
      },
      { verifiableCommit: true },
    );
  }

  async storyStatuses(ids: string[]): Promise<Map<string, StoryStatus>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.db.query<{ id: string; status: StoryStatus }>(
      'SELECT id, status FROM stories WHERE id = ANY($1::text[])',
      [ids],
      true,
    );
    return new Map(rows.map((r) => [r.id, r.status]));
  }

  async getStory(id: string): Promise<StoryRecord | null> {
    const { rows } = await this.db.query<StoryRow>(
      'SELECT * FROM stories WHERE id = $1',
      [id],
      true,
    );
    return rows[0] ? toStory(rows[0]) : null;
  }

  async listStories(): Promise<StoryRecord[]> {
    const { rows } = await this.db.query<StoryRow>(
      'SELECT * FROM stories ORDER BY updated_at DESC, id COLLATE "C"',
      [],
      true,
    );
    return rows.map(toStory);
  }

  /**
   * One transaction: lock the story row (by updating headline/updated_at/updated_by), draw
   * one seq per update, insert them in order. See the class comment for why the lock comes
   * before the seqs.
   *
   * Exactly once across connection loss: a connection lost before COMMIT is simply retried
   * (the server rolled back). One lost during COMMIT leaves it unknown whether the batch
   * landed; the retry takes the story lock (so the earlier transaction is over, one way or
   * the other), looks for the seqs it drew, and inserts the batch again only if they are
   * not there.
   */
  appendUpdates(
    storyId: string,
    updates: LoggedUpdate[],
    headline: string,
  ): Promise<AppendedRange> {
    if (updates.length === 0) return Promise.resolve(NOTHING_APPENDED);
    return this.appends.append(storyId, updates, headline);
  }

  async loadStoryState(storyId: string): Promise<StoryState> {
    // Snapshot first, then the log after it: a snapshot saved in between only has a
    // higher upto, and the second read sees at least every update the first one did.
    const snap = await this.db.query<SnapshotRow>(
      'SELECT upto, data, parts FROM snapshots WHERE story_id = $1 ORDER BY upto DESC LIMIT 1',
      [storyId],
      true,
    );
    const snapshot = snap.rows[0];
    const since = snapshot ? int(snapshot.upto) : 0;
    const { rows } = await this.db.query<UpdateRow>(
      'SELECT seq, user_id, at, data FROM updates WHERE story_id = $1 AND seq > $2 ORDER BY seq',
      [storyId, since],
      true,
    );
    return {
      snapshot: snapshot ? toSnapshot(snapshot) : null,
      updates: rows.map(
        (r): StoredUpdate => ({
          seq: int(r.seq),
          userId: r.user_id,
          at: int(r.at),
          update: bytes(r.data),
        }),
      ),
    };
  }

  async saveSnapshot(storyId: string, snapshot: Snapshot): Promise<void> {
    await this.db.query(
      `INSERT INTO snapshots (story_id, upto, at, data, parts) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (story_id, upto) DO NOTHING`,
      [
        storyId,
        snapshot.upto,
        Date.now(),
        buffer(packSnapshotParts(snapshot.parts)),
        snapshot.parts.length,
      ],
      true,
    );
  }

  /**
   * Compare-and-set on the story's status, plus the record of the move, in one transaction.
   * Two instances moving the same story at once: the second UPDATE waits for the first's row
   * lock, re-checks `status = from` against the committed row, and matches nothing.
   */
  async setStoryStatus(change: StatusChangeRecord): Promise<boolean> {
    let attempted = false;
    return this.db.transaction(
      async (client) => {
        if (attempted) {
          // A previous attempt lost its connection during COMMIT: if its move is the
          // story's latest, it landed. The row lock makes sure that attempt is over.
          await client.query('SELECT 1 FROM stories WHERE id = $1 FOR UPDATE', [change.storyId]);
          const { rows } = await client.query<StatusChangeRow>(
            `SELECT story_id, from_status, to_status, user_id, at FROM status_changes
             WHERE story_id = $1 ORDER BY seq DESC LIMIT 1`,
            [change.storyId],
          );
          const row = rows[0];
          if (
            row &&
            row.from_status === change.from &&
            row.to_status === change.to &&
            row.user_id === change.userId &&
            int(row.at) === change.at
          )
            return true;
        }
        attempted = true;
        const moved = await client.query(
          'UPDATE stories SET status = $1 WHERE id = $2 AND status = $3',
          [change.to, change.storyId, change.from],
        );
        if (moved.rowCount !== 1) return false;
        await client.query(
          `INSERT INTO status_changes (story_id, from_status, to_status, user_id, at)
           VALUES ($1, $2, $3, $4, $5)`,
          [change.storyId, change.from, change.to, change.userId, change.at],
        );
        return true;
      },
      { verifiableCommit: true },
    );
  }

  async listStatusChanges(storyId: string): Promise<StatusChangeRecord[]> {
    const { rows } = await this.db.query<StatusChangeRow>(
      `SELECT story_id, from_status, to_status, user_id, at FROM status_changes
       WHERE story_id = $1 ORDER BY seq`,
      [storyId],
      true,
    );
    return rows.map((r) => ({
      storyId: r.story_id,
      from: r.from_status,
      to: r.to_status,
      userId: r.user_id,
      at: int(r.at),
    }));
  }
}
