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
];
