import fs from 'node:fs';
import path from 'node:path';
import type { Role, StoryStatus } from '@copydesk/shared';
import Database from 'better-sqlite3';
import { SQLITE_MIGRATIONS } from './sqlite-migrations';
import type {
  Account,
  LoggedUpdate,
  NewAccount,
  Snapshot,
  Storage,
  StoredUpdate,
  StoryRecord,
  StoryState,
} from './storage';

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

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/**
 * Embedded default storage: one SQLite file in WAL mode. synchronous=NORMAL keeps
 * every committed transaction across a process crash (SIGKILL); only an OS crash
 * can lose the last commits, which FULL would prevent at a large cost per edit.
 */
export class SqliteStorage implements Storage {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;

  constructor(options: { file: string; synchronous?: 'NORMAL' | 'FULL' }) {
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
  }

  async migrate(): Promise<void> {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    const pending = SQLITE_MIGRATIONS.slice(current);
    this.db.transaction(() => {
      for (const sql of pending) this.db.exec(sql);
      this.db.pragma(`user_version = ${SQLITE_MIGRATIONS.length}`);
    })();
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async countAccounts(): Promise<number> {
    const row = this.db.prepare('SELECT count(*) AS n FROM accounts').get() as { n: number };
    return row.n;
  }

  async createAccount(a: NewAccount): Promise<Account> {
    const createdAt = Date.now();
    this.db
      .prepare(
        `INSERT INTO accounts (id, username, display_name, role, color, password_hash, disabled, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 0, ?)`,
      )
      .run(a.id, a.username, a.displayName, a.role, a.color, a.passwordHash, createdAt);
    return { ...a, disabled: false, createdAt };
  }

  async findAccountByUsername(username: string): Promise<Account | null> {
    const row = this.db.prepare('SELECT * FROM accounts WHERE username = ?').get(username) as
      | AccountRow
      | undefined;
    return row ? toAccount(row) : null;
  }

  async findAccountById(id: string): Promise<Account | null> {
    const row = this.db.prepare('SELECT * FROM accounts WHERE id = ?').get(id) as
      | AccountRow
      | undefined;
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
    this.db.prepare(sql).run(...set.map(([, v]) => v), id);
  }

  async createStory(story: StoryRecord, first: LoggedUpdate): Promise<void> {
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

  async getStory(id: string): Promise<StoryRecord | null> {
    const row = this.db.prepare('SELECT * FROM stories WHERE id = ?').get(id) as
      | StoryRow
      | undefined;
    return row ? toStory(row) : null;
  }

  async listStories(): Promise<StoryRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM stories ORDER BY updated_at DESC, id')
      .all() as StoryRow[];
    return rows.map(toStory);
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** Prepared statements are compiled once: appends run on every keystroke. */
  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private get insertUpdate() {
    return this.stmt('INSERT INTO updates (story_id, user_id, at, data) VALUES (?, ?, ?, ?)');
  }

  private readonly appendTx = (storyId: string, updates: LoggedUpdate[], headline: string) =>
    this.db.transaction(() => {
      const insert = this.insertUpdate;
      let last: LoggedUpdate | undefined;
      let seq = 0;
      for (const u of updates) {
        seq = Number(insert.run(storyId, u.userId, u.at, u.update).lastInsertRowid);
        last = u;
      }
      if (last) {
        this.stmt(
          'UPDATE stories SET headline = ?, updated_at = ?, updated_by = ? WHERE id = ?',
        ).run(headline, last.at, last.userId, storyId);
      }
      return seq;
    })();

  async appendUpdates(storyId: string, updates: LoggedUpdate[], headline: string): Promise<number> {
    return this.appendTx(storyId, updates, headline);
  }

  async loadStoryState(storyId: string): Promise<StoryState> {
    const snap = this.db
      .prepare('SELECT upto, data FROM snapshots WHERE story_id = ? ORDER BY upto DESC LIMIT 1')
      .get(storyId) as { upto: number; data: Buffer } | undefined;
    const since = snap?.upto ?? 0;
    const rows = this.db
      .prepare(
        'SELECT seq, user_id, at, data FROM updates WHERE story_id = ? AND seq > ? ORDER BY seq',
      )
      .all(storyId, since) as UpdateRow[];
    return {
      snapshot: snap ? { upto: snap.upto, state: bytes(snap.data) } : null,
      updates: rows.map(
        (r): StoredUpdate => ({ seq: r.seq, userId: r.user_id, at: r.at, update: bytes(r.data) }),
      ),
    };
  }

  async saveSnapshot(storyId: string, snapshot: Snapshot): Promise<void> {
    this.db
      .prepare('INSERT OR IGNORE INTO snapshots (story_id, upto, at, data) VALUES (?, ?, ?, ?)')
      .run(storyId, snapshot.upto, Date.now(), snapshot.state);
  }
}
