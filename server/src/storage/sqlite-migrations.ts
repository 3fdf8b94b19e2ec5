/** Append-only: each entry runs once, in order; PRAGMA user_version records how many ran. */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
     id TEXT PRIMARY KEY,
     username TEXT NOT NULL UNIQUE,
     display_name TEXT NOT NULL,
     role TEXT NOT NULL,
     color TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     disabled INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE stories (
     id TEXT PRIMARY KEY,
     headline TEXT NOT NULL,
     status TEXT NOT NULL DEFAULT 'draft',
     created_at INTEGER NOT NULL,
     created_by TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     updated_by TEXT
   );
   CREATE TABLE updates (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     story_id TEXT NOT NULL REFERENCES stories(id),
     user_id TEXT NOT NULL,
     at INTEGER NOT NULL,
     data BLOB NOT NULL
   );
   CREATE INDEX updates_story_seq ON updates (story_id, seq);
   CREATE TABLE snapshots (
     story_id TEXT NOT NULL REFERENCES stories(id),
     upto INTEGER NOT NULL,
     at INTEGER NOT NULL,
     data BLOB NOT NULL,
     PRIMARY KEY (story_id, upto)
   );`,
  // 2: workflow moves (who moved a story to which status, and when).
  `CREATE TABLE status_changes (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     story_id TEXT NOT NULL REFERENCES stories(id),
     from_status TEXT NOT NULL,
     to_status TEXT NOT NULL,
     user_id TEXT NOT NULL,
     at INTEGER NOT NULL
   );
   CREATE INDEX status_changes_story ON status_changes (story_id, seq);`,
  // Version history (issue 6): versions, the authorship index, "seen" marks.
  `CREATE TABLE history_versions (
     story_id TEXT NOT NULL REFERENCES stories(id),
     number INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     reason TEXT NOT NULL,
     name TEXT,
     created_at INTEGER NOT NULL,
     created_by TEXT,
     edited_at INTEGER,
     status TEXT NOT NULL,
     authors TEXT NOT NULL,
     details TEXT NOT NULL,
     PRIMARY KEY (story_id, number)
   );
   CREATE TABLE history_author_index (
     story_id TEXT PRIMARY KEY REFERENCES stories(id),
     upto INTEGER NOT NULL
   );
   CREATE TABLE history_author_runs (
     story_id TEXT NOT NULL REFERENCES stories(id),
     kind INTEGER NOT NULL,
     client INTEGER NOT NULL,
     clock INTEGER NOT NULL,
     len INTEGER NOT NULL,
     user_id TEXT NOT NULL,
     seq INTEGER NOT NULL
   );
   CREATE INDEX history_author_runs_story ON history_author_runs (story_id);
   CREATE TABLE history_seen (
     user_id TEXT NOT NULL,
     story_id TEXT NOT NULL REFERENCES stories(id),
     seq INTEGER NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (user_id, story_id)
   );`,
  // Activity feed (issue 5): entries and how far each story's log has been read.
  `CREATE TABLE activity_entries (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     story_id TEXT NOT NULL REFERENCES stories(id),
     user_id TEXT NOT NULL,
     field TEXT NOT NULL,
     kind TEXT NOT NULL,
     target TEXT NOT NULL,
     takeaway_index INTEGER,
     from_takeaway_index INTEGER,
     from_status TEXT,
     to_status TEXT,
     words_added INTEGER NOT NULL,
     words_removed INTEGER NOT NULL,
     start_words INTEGER NOT NULL,
     first_at INTEGER NOT NULL,
     last_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX activity_entries_story ON activity_entries (story_id, last_at);
   CREATE INDEX activity_entries_updated ON activity_entries (updated_at);
   CREATE TABLE activity_cursors (
     story_id TEXT PRIMARY KEY REFERENCES stories(id),
     upto INTEGER NOT NULL
   );`,
  // Comments and mention notifications (issue 5).
  `CREATE TABLE comments (
     id TEXT PRIMARY KEY,
     story_id TEXT NOT NULL REFERENCES stories(id),
     thread_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     text TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     field TEXT,
     takeaway_index INTEGER,
     rel_start TEXT,
     rel_end TEXT,
     quote TEXT,
     resolved_at INTEGER,
     resolved_by TEXT,
     state_changed_at INTEGER,
     mentions TEXT NOT NULL
   );
   CREATE INDEX comments_story ON comments (story_id, created_at);
   CREATE INDEX comments_thread ON comments (thread_id);
   CREATE TABLE notifications (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     story_id TEXT NOT NULL REFERENCES stories(id),
     thread_id TEXT NOT NULL,
     comment_id TEXT NOT NULL REFERENCES comments(id),
     by_user_id TEXT NOT NULL,
     excerpt TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     read_at INTEGER
   );
   CREATE INDEX notifications_user ON notifications (user_id, created_at);`,
  // 6: a snapshot may be several ordered parts (snapshot-parts.mjs); `parts` counts them.
  'ALTER TABLE snapshots ADD COLUMN parts INTEGER NOT NULL DEFAULT 1;',
];
