import type { Role, StoryStatus } from '@copydesk/shared';

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

/** One Yjs update as it arrived, tagged with the authenticated account that sent it. */
export interface LoggedUpdate {
  userId: string;
  at: number;
  update: Uint8Array;
}

export interface StoredUpdate extends LoggedUpdate {
  seq: number;
}

export interface Snapshot {
  /** The snapshot contains every update with seq <= upto. */
  upto: number;
  state: Uint8Array;
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
  listStories(): Promise<StoryRecord[]>;

  /** Appends updates in one transaction and records the story's new headline and last editor. */
  /** Returns the seq of the last appended update. */
  appendUpdates(storyId: string, updates: LoggedUpdate[], headline: string): Promise<number>;
  loadStoryState(storyId: string): Promise<StoryState>;
  saveSnapshot(storyId: string, snapshot: Snapshot): Promise<void>;
}
