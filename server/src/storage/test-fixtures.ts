import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { storyTypes } from '@copydesk/shared';
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import { SqliteStorage } from './sqlite-storage';
import type { LoggedUpdate, Storage, StoryRecord } from './storage';

/** Shared by storage-level unit tests: a demo account and bare stories in a real storage. */

export const FIXTURE_T0 = 1_700_000_000_000;
export const FIXTURE_USER = 'u_ana';
export const FIXTURE_OTHER_USER = 'u_ben';

export const loggedText = (text: string, at = FIXTURE_T0): LoggedUpdate => ({
  userId: FIXTURE_USER,
  at,
  update: new TextEncoder().encode(text),
});

const FIXTURE_ACCOUNTS = {
  u_ana: { username: 'ana', displayName: 'Ana', color: '#123456' },
  u_ben: { username: 'ben', displayName: 'Ben', color: '#654321' },
} as const;

/** Ana (FIXTURE_USER) by default; Ben (FIXTURE_OTHER_USER) for logs written by two people. */
export const addFixtureAccount = (
  storage: Storage,
  id: keyof typeof FIXTURE_ACCOUNTS = FIXTURE_USER,
) => storage.createAccount({ id, ...FIXTURE_ACCOUNTS[id], role: 'editor', passwordHash: 'x' });

/**
 * A fresh SQLite file in its own temp folder, migrated, with Ana; `remove` closes and deletes it.
 * `checkpointEveryCommits`: see SqliteStorageOptions (default: the storage's own).
 */
export const openFixtureStorage = async (
  name: string,
  options: { checkpointEveryCommits?: number } = {},
) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `copydesk-${name}-`));
  const file = path.join(dir, 'copydesk.sqlite');
  const storage = new SqliteStorage({ file, ...options });
  await storage.migrate();
  await addFixtureAccount(storage);
  const remove = async () => {
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { storage, file, remove };
};

/**
 * Log rows the database file holds by itself, its WAL left out: what checkpoints have copied
 * into it. Without a checkpoint even the schema is still only in the WAL (0 then).
 */
export const logRowsInFileAlone = (file: string): number => {
  const copy = `${file}.alone`;
  fs.copyFileSync(file, copy);
  const db = new Database(copy, { readonly: true });
  try {
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'updates'");
    if ((tables.get() as { n: number }).n === 0) return 0;
    return (db.prepare('SELECT count(*) AS n FROM updates').get() as { n: number }).n;
  } finally {
    db.close();
    fs.rmSync(copy, { force: true });
  }
};

const fixtureStory = (id: string, at: number): StoryRecord => ({
  id,
  headline: id,
  status: 'draft',
  createdAt: at,
  createdBy: FIXTURE_USER,
  updatedAt: at,
  updatedBy: FIXTURE_USER,
});

/** Stories whose first logged update is the text `<id>:created` (not a Yjs update). */
export const addFixtureStories = async (storage: Storage, ids: string[]): Promise<void> => {
  for (const id of ids) {
    await storage.createStory(fixtureStory(id, FIXTURE_T0), loggedText(`${id}:created`));
  }
};

/**
 * A story with a real Yjs document, typed into by the fixture account now: its first update
 * types `first` at the end of the body, and `append` logs the next words the same way.
 */
export const addTypedStory = async (storage: Storage, id: string, first: string) => {
  const doc = new Y.Doc();
  const typed = (text: string, userId: string): LoggedUpdate => {
    const before = Y.encodeStateVector(doc);
    const body = storyTypes(doc).body;
    body.insert(body.length, text);
    return { userId, at: Date.now(), update: Y.encodeStateAsUpdate(doc, before) };
  };
  await storage.createStory(fixtureStory(id, Date.now()), typed(first, FIXTURE_USER));
  return {
    append: (text: string, userId = FIXTURE_USER) =>
      storage.appendUpdates(id, [typed(text, userId)], id),
  };
};
