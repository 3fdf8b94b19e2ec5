import type {
  ActivityField,
  ActivityKind,
  CommentField,
  Role,
  StoryStatus,
} from '@copydesk/shared';

export interface Account {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  color: string;
  passwordHash: string;
  disabled: boolean;
  createdAt: number;
}

export type NewAccount = Omit<Account, 'createdAt' | 'disabled'>;

export interface StoryRecord {
  id: string;
  headline: string;
  status: StoryStatus;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string | null;
}

/** One story's share of a multi-story append. */
export interface StoryAppend {
  storyId: string;
  updates: LoggedUpdate[];
  headline: string;
}

/** One Yjs update as it arrived, tagged with the authenticated account that sent it. */
export interface LoggedUpdate {
  userId: string;
  at: number;
  update: Uint8Array;
}

/**
 * Where an append landed in its story's log: its last row, and the story's last row before it
 * (0: none). Seqs are shared by every story, so only `prevSeq` tells another instance whether
 * it has missed rows of this story in between (cluster/room-cluster.ts).
 */
export interface AppendedRange {
  prevSeq: number;
  lastSeq: number;
  /** Each appended update's seq, in order (the last is `lastSeq`). */
  seqs: readonly number[];
}

/** What an append of no updates returns. */
export const NOTHING_APPENDED: Readonly<AppendedRange> = Object.freeze({
  prevSeq: 0,
  lastSeq: 0,
  seqs: Object.freeze([]),
});

export interface StoredUpdate extends LoggedUpdate {
  seq: number;
}

export interface Snapshot {
  /** The snapshot contains every update with seq <= upto. */
  upto: number;
  /**
   * Yjs updates to apply in order; together the whole state. A big story's snapshot is cut into
   * parts (`state-chunks.mjs`) so loading it is many short stretches of the event loop.
   */
  parts: Uint8Array[];
}

/** One workflow move, as recorded by `setStoryStatus`. */
export interface StatusChangeRecord {
  storyId: string;
  from: StoryStatus;
  to: StoryStatus;
  userId: string;
  at: number;
}

export interface StoryState {
  snapshot: Snapshot | null;
  /** Updates with seq > snapshot.upto, in order. */
  updates: StoredUpdate[];
}

/**
 * Everything Copydesk persists. Implementations: SQLite (embedded default) and,
 * later, PostgreSQL. Methods are async so both fit; the SQLite one resolves at once.
 */
export interface Storage {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * The SQLite file, when another thread may open it read-only (WAL readers never block the
   * writer): the compaction worker reads the log there instead of on the event loop.
   */
  readonly sqliteFile?: string | undefined;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;

  countAccounts(): Promise<number>;
  createAccount(account: NewAccount): Promise<Account>;
  findAccountByUsername(username: string): Promise<Account | null>;
  findAccountById(id: string): Promise<Account | null>;
  listAccounts(): Promise<Account[]>;
  updateAccount(
    id: string,
    patch: Partial<Pick<Account, 'role' | 'passwordHash' | 'disabled' | 'displayName'>>,
  ): Promise<void>;

  /** Creates the story row and its first update atomically: never a half-made story. */
  createStory(story: StoryRecord, first: LoggedUpdate): Promise<void>;
  getStory(id: string): Promise<StoryRecord | null>;
  /** The workflow status of each of these stories that exists, in one read. */
  storyStatuses(ids: string[]): Promise<Map<string, StoryStatus>>;
  listStories(): Promise<StoryRecord[]>;

  /**
   * Appends updates in one transaction and records the story's new headline and last editor.
   * Nothing to append: NOTHING_APPENDED.
   */
  appendUpdates(storyId: string, updates: LoggedUpdate[], headline: string): Promise<AppendedRange>;
  /**
   * Several stories' appends in ONE transaction, all or nothing; returns each one's range.
   * Optional: without it (or when it throws) each story is appended on its own.
   */
  appendUpdatesMany?(batches: StoryAppend[]): Promise<AppendedRange[]>;
  loadStoryState(storyId: string): Promise<StoryState>;
  saveSnapshot(storyId: string, snapshot: Snapshot): Promise<void>;

  /**
   * Workflow (issue 3): moves the story from `change.from` to `change.to` and records who/when,
   * atomically. Returns false (and changes nothing) when the status is no longer `change.from`.
   */
  setStoryStatus(change: StatusChangeRecord): Promise<boolean>;
  /** Every recorded workflow move of a story, oldest first. */
  listStatusChanges(storyId: string): Promise<StatusChangeRecord[]>;

  /**
   * Version history (issue 6, server/src/history): versions, the authorship index and
   * "seen" marks. Optional only until every implementation has it; without it the history
   * routes answer 503 and no versions are made.
   */
  readonly history?: HistoryStore;

  /*
   * Activity feed and comments (issue 5, server/src/activity and server/src/comments).
   * Optional only until every implementation has them; without them those routes answer 503.
   */
  readonly activity?: ActivityStore;
  readonly comments?: CommentStore;
}

/* ---- Version history (issue 6, server/src/history) ---- */

/** seq, time and account of one logged update (without its bytes). */
export interface UpdateInfo {
  seq: number;
  at: number;
  userId: string;
}

/** Counts of the updates in a seq range, per account. */
export interface UpdateStats {
  count: number;
  /** 0 when the range holds no update. */
  lastSeq: number;
  lastAt: number | null;
  /** Most updates first, then by user id. */
  authors: { userId: string; count: number; lastAt: number }[];
}

/**
 * A version: a named point (`seq`) in a story's update log. The text is never stored here; it
 * is rebuilt from snapshots and the log. `number` is 1, 2, 3… per story.
 */
export interface VersionRecord {
  storyId: string;
  number: number;
  seq: number;
  reason: 'created' | 'auto' | 'named' | 'status' | 'restore';
  name: string | null;
  createdAt: number;
  createdBy: string | null;
  /** Time of the newest update with seq <= `seq` (null: none). */
  editedAt: number | null;
  status: StoryStatus;
  /** Accounts whose updates lie between the previous version and this one. */
  authors: string[];
  /** JSON owned by server/src/history (what changed, restored-from…); stored verbatim. */
  details: string;
}

export type NewVersionRecord = Omit<VersionRecord, 'number'>;

/**
 * Who sent which Yjs struct ids: `len` consecutive clocks of `client` starting at `clock`,
 * inserted (`insert`) or deleted (`delete`) by `userId` in the update `seq` (the first one,
 * when consecutive updates were merged into one run).
 */
export interface AuthorRun {
  kind: 'insert' | 'delete';
  client: number;
  clock: number;
  len: number;
  userId: string;
  seq: number;
}

/** Where a user last looked at a story. */
export interface SeenMark {
  storyId: string;
  userId: string;
  seq: number;
  at: number;
}

export interface HistoryStore {
  /** The newest logged update of a story, or null. */
  latestUpdate(storyId: string): Promise<UpdateInfo | null>;
  /** Updates with afterSeq < seq <= uptoSeq in seq order, at most `limit` of them. */
  loadUpdates(
    storyId: string,
    afterSeq: number,
    uptoSeq: number,
    limit: number,
  ): Promise<StoredUpdate[]>;
  /** Counts per account of the updates with afterSeq < seq <= uptoSeq, optionally not by one. */
  updateStats(
    storyId: string,
    afterSeq: number,
    uptoSeq: number,
    excludeUserId?: string,
  ): Promise<UpdateStats>;
  /** The newest snapshot with upto <= seq (snapshots must not be pruned: they are checkpoints). */
  loadSnapshotAtOrBefore(storyId: string, seq: number): Promise<Snapshot | null>;

  /** Inserts a version with the next number of its story (atomically) and returns it. */
  insertVersion(version: NewVersionRecord): Promise<VersionRecord>;
  /** Oldest first. */
  listVersions(storyId: string): Promise<VersionRecord[]>;
  getVersion(storyId: string, number: number): Promise<VersionRecord | null>;

  /** The persisted authorship index: runs covering every update with seq <= upto. */
  loadAuthorRuns(storyId: string): Promise<{ upto: number; runs: AuthorRun[] }>;
  /**
   * Adds runs covering the updates in (fromUpto, toUpto] and moves the index to `toUpto`, only
   * if it is still at `fromUpto` (another process may have done it); returns whether it did.
   */
  appendAuthorRuns(
    storyId: string,
    fromUpto: number,
    toUpto: number,
    runs: AuthorRun[],
  ): Promise<boolean>;

  /** Upsert. */
  markSeen(mark: SeenMark): Promise<void>;
  getSeen(storyId: string, userId: string): Promise<SeenMark | null>;
  listSeen(userId: string): Promise<SeenMark[]>;
}

/* ---- Activity feed (issue 5, server/src/activity) ---- */

/**
 * One entry of the activity feed: `userId`'s burst of edits to one field (`target`), a takeaway
 * added/removed/moved, a workflow move or the story's creation. Entries are upserted by `id`
 * while a burst goes on. The sentence is made at read time (names may change).
 */
export interface ActivityRecord {
  id: string;
  storyId: string;
  userId: string;
  field: ActivityField;
  kind: ActivityKind;
  /**
   * What the burst is about, for grouping: a root field name (`synopsis`), `takeaway:<id>`
   * (the Yjs id of the takeaway's Y.Text), `status` or `story`. Internal.
   */
  target: string;
  takeawayIndex: number | null;
  fromTakeawayIndex: number | null;
  fromStatus: StoryStatus | null;
  toStatus: StoryStatus | null;
  wordsAdded: number;
  wordsRemoved: number;
  /** Words in the field when the burst started (decides "rewrote"). Internal. */
  startWords: number;
  firstAt: number;
  lastAt: number;
  /** When the row was last written (the desk feed's `since`). */
  updatedAt: number;
}

export interface ActivityStore {
  /** Every update with seq <= the cursor has been turned into entries (0: none yet). */
  getActivityCursor(storyId: string): Promise<number>;
  /** The newest snapshot with upto <= seq and the updates after it up to seq, in order. */
  loadStateAt(storyId: string, seq: number): Promise<StoryState>;
  /** Updates with seq > afterSeq in seq order, at most `limit`. */
  loadUpdatesAfter(storyId: string, afterSeq: number, limit: number): Promise<StoredUpdate[]>;
  /**
   * Upserts `entries` and moves the story's cursor from `fromUpto` to `toUpto` in one
   * transaction, only if the cursor is still at `fromUpto` (else changes nothing, returns false).
   */
  commitActivity(
    storyId: string,
    fromUpto: number,
    toUpto: number,
    entries: ActivityRecord[],
  ): Promise<boolean>;
  /** Upserts entries that do not come from the update log (workflow moves). */
  putActivity(entries: ActivityRecord[]): Promise<void>;
  /** A story's entries with lastAt < beforeLastAt (null: no bound), newest first. */
  listActivity(
    storyId: string,
    beforeLastAt: number | null,
    limit: number,
  ): Promise<ActivityRecord[]>;
  /** Entries of every story written after `updatedAfter` (ms), newest lastAt first. */
  listActivityUpdatedSince(updatedAfter: number, limit: number): Promise<ActivityRecord[]>;
  /** A story's entries with lastAt >= `lastAtFrom` (bursts that may still grow). */
  listRecentActivity(storyId: string, lastAtFrom: number): Promise<ActivityRecord[]>;
  /** The newest entry (by lastAt) of every story that has one. */
  latestActivityPerStory(): Promise<ActivityRecord[]>;
}

/* ---- Comments and notifications (issue 5, server/src/comments) ---- */

/**
 * A comment. The first comment of a thread (`threadId === id`) carries the anchor and the
 * resolved state; replies have null anchor columns.
 */
export interface CommentRecord {
  id: string;
  storyId: string;
  threadId: string;
  userId: string;
  text: string;
  createdAt: number;
  field: CommentField | null;
  /** The takeaway index when the comment was made (the anchor itself follows the Y.Text). */
  takeawayIndex: number | null;
  /** Base64 `Y.encodeRelativePosition` of the range start and end (null for meta fields). */
  relStart: string | null;
  relEnd: string | null;
  /** The anchored text when the comment was made. */
  quote: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  /** Last resolve or reopen of the thread. */
  stateChangedAt: number | null;
  /** Account ids mentioned with @username. */
  mentions: string[];
}

export interface NotificationRecord {
  id: string;
  /** The recipient. */
  userId: string;
  kind: 'mention';
  storyId: string;
  threadId: string;
  commentId: string;
  byUserId: string;
  excerpt: string;
  createdAt: number;
  readAt: number | null;
}

export interface CommentCountsRecord {
  storyId: string;
  unresolved: number;
  total: number;
  lastCommentAt: number;
}

export interface CommentStore {
  /** Inserts a comment and its notifications atomically. */
  insertComment(comment: CommentRecord, notifications: NotificationRecord[]): Promise<void>;
  getComment(id: string): Promise<CommentRecord | null>;
  /** Every comment of a story, oldest first. */
  listComments(storyId: string): Promise<CommentRecord[]>;
  /**
   * Resolves (`resolvedBy` set) or reopens (null) the thread whose first comment is `threadId`;
   * returns false when it was already in that state.
   */
  setThreadResolved(threadId: string, resolvedBy: string | null, at: number): Promise<boolean>;
  /** Thread counts per story (stories without threads are left out). */
  commentCounts(): Promise<CommentCountsRecord[]>;
  /** A user's notifications, newest first. */
  listNotifications(
    userId: string,
    unreadOnly: boolean,
    limit: number,
  ): Promise<NotificationRecord[]>;
  countUnreadNotifications(userId: string): Promise<number>;
  /** Marks the user's notifications `ids` (null: all of them) read. */
  markNotificationsRead(userId: string, ids: string[] | null, at: number): Promise<void>;
}
