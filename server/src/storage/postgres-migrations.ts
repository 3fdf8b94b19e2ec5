/**
 * Append-only, like SQLITE_MIGRATIONS and mirroring it entry for entry: migration N here
 * does in PostgreSQL what migration N does in SQLite (the contract test checks the counts
 * match). Each entry runs once, in order, inside the migration transaction; the
 * `schema_migrations` table records which versions (1-based index) ran.
 *
 * Types: times are epoch milliseconds in `bigint` (as in SQLite), documents are `bytea`,
 * and `updates.seq` is a `bigserial` shared by all stories (gaps are normal; see
 * PostgresStorage.appendUpdates for why it is still monotonic per story).
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
     id text PRIMARY KEY,
     username text NOT NULL UNIQUE,
     display_name text NOT NULL,
     role text NOT NULL,
     color text NOT NULL,
     password_hash text NOT NULL,
     disabled boolean NOT NULL DEFAULT false,
     created_at bigint NOT NULL
   );
   CREATE TABLE stories (
     id text PRIMARY KEY,
     headline text NOT NULL,
     status text NOT NULL DEFAULT 'draft',
     created_at bigint NOT NULL,
     created_by text NOT NULL,
     updated_at bigint NOT NULL,
     updated_by text
   );
   CREATE TABLE updates (
     seq bigserial PRIMARY KEY,
     story_id text NOT NULL REFERENCES stories(id),
     user_id text NOT NULL,
     at bigint NOT NULL,
     data bytea NOT NULL
   );
   CREATE INDEX updates_story_seq ON updates (story_id, seq);
   CREATE TABLE snapshots (
     story_id text NOT NULL REFERENCES stories(id),
     upto bigint NOT NULL,
     at bigint NOT NULL,
     data bytea NOT NULL,
     PRIMARY KEY (story_id, upto)
   );`,
  // 2: workflow moves (who moved a story to which status, and when).
  `CREATE TABLE status_changes (
     seq bigserial PRIMARY KEY,
     story_id text NOT NULL REFERENCES stories(id),
     from_status text NOT NULL,
     to_status text NOT NULL,
     user_id text NOT NULL,
     at bigint NOT NULL
   );
   CREATE INDEX status_changes_story ON status_changes (story_id, seq);`,
  // 3: version history (issue 6): versions, the authorship index, "seen" marks. Yjs client
  // ids are uint32 and clocks grow without bound, hence bigint; `id` keeps the insert order
  // of author runs (SQLite's rowid).
  `CREATE TABLE history_versions (
     story_id text NOT NULL REFERENCES stories(id),
     number integer NOT NULL,
     seq bigint NOT NULL,
     reason text NOT NULL,
     name text,
     created_at bigint NOT NULL,
     created_by text,
     edited_at bigint,
     status text NOT NULL,
     authors text NOT NULL,
     details text NOT NULL,
     PRIMARY KEY (story_id, number)
   );
   CREATE TABLE history_author_index (
     story_id text PRIMARY KEY REFERENCES stories(id),
     upto bigint NOT NULL
   );
   CREATE TABLE history_author_runs (
     id bigserial PRIMARY KEY,
     story_id text NOT NULL REFERENCES stories(id),
     kind smallint NOT NULL,
     client bigint NOT NULL,
     clock bigint NOT NULL,
     len bigint NOT NULL,
     user_id text NOT NULL,
     seq bigint NOT NULL
   );
   CREATE INDEX history_author_runs_story ON history_author_runs (story_id, id);
   CREATE TABLE history_seen (
     user_id text NOT NULL,
     story_id text NOT NULL REFERENCES stories(id),
     seq bigint NOT NULL,
     at bigint NOT NULL,
     PRIMARY KEY (user_id, story_id)
   );`,
  // 4: activity feed (issue 5): entries and how far each story's log has been read. `seq`
  // is the insert order (SQLite's AUTOINCREMENT), the last tie-break of the feed's order.
  `CREATE TABLE activity_entries (
     seq bigserial PRIMARY KEY,
     id text NOT NULL UNIQUE,
     story_id text NOT NULL REFERENCES stories(id),
     user_id text NOT NULL,
     field text NOT NULL,
     kind text NOT NULL,
     target text NOT NULL,
     takeaway_index integer,
     from_takeaway_index integer,
     from_status text,
     to_status text,
     words_added integer NOT NULL,
     words_removed integer NOT NULL,
     start_words integer NOT NULL,
     first_at bigint NOT NULL,
     last_at bigint NOT NULL,
     updated_at bigint NOT NULL
   );
   CREATE INDEX activity_entries_story ON activity_entries (story_id, last_at);
   CREATE INDEX activity_entries_updated ON activity_entries (updated_at);
   CREATE TABLE activity_cursors (
     story_id text PRIMARY KEY REFERENCES stories(id),
     upto bigint NOT NULL
   );`,
  // 5: comments and mention notifications (issue 5). `mentions` is a JSON array of ids.
  `CREATE TABLE comments (
     id text PRIMARY KEY,
     story_id text NOT NULL REFERENCES stories(id),
     thread_id text NOT NULL,
     user_id text NOT NULL,
     text text NOT NULL,
     created_at bigint NOT NULL,
     field text,
     takeaway_index integer,
     rel_start text,
     rel_end text,
     quote text,
     resolved_at bigint,
     resolved_by text,
     state_changed_at bigint,
     mentions text NOT NULL
   );
   CREATE INDEX comments_story ON comments (story_id, created_at);
   CREATE INDEX comments_thread ON comments (thread_id);
   CREATE TABLE notifications (
     id text PRIMARY KEY,
     user_id text NOT NULL,
     kind text NOT NULL,
     story_id text NOT NULL REFERENCES stories(id),
     thread_id text NOT NULL,
     comment_id text NOT NULL REFERENCES comments(id),
     by_user_id text NOT NULL,
     excerpt text NOT NULL,
     created_at bigint NOT NULL,
     read_at bigint
   );
   CREATE INDEX notifications_user ON notifications (user_id, created_at);`,
  // 6: a snapshot may be several ordered parts (snapshot-parts.mjs); `parts` counts them.
  'ALTER TABLE snapshots ADD COLUMN parts integer NOT NULL DEFAULT 1;',
];
