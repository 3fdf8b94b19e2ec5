import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from './sqlite-storage';
import { addFixtureAccount, addFixtureStories, loggedText } from './test-fixtures';

/** Real SQLite files; the database file is read alone (without its WAL) to see what was copied. */
describe('SQLite checkpoints in their own thread', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  const open = async (checkpointEveryCommits?: number) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-checkpoint-'));
    dirs.push(dir);
    const file = path.join(dir, 'copydesk.sqlite');
    const storage = new SqliteStorage({
      file,
      ...(checkpointEveryCommits === undefined ? {} : { checkpointEveryCommits }),
    });
    await storage.migrate();
    await addFixtureAccount(storage);
    await addFixtureStories(storage, ['s1']);
    return { storage, file, dir };
  };

  /** How many log rows the database file holds by itself, as if its WAL were lost. */
  const rowsInDatabaseFile = (file: string, dir: string): number => {
    const copy = path.join(dir, 'file-alone.sqlite');
    fs.copyFileSync(file, copy);
    const db = new Database(copy, { readonly: true });
    try {
      // Without a checkpoint even the schema is still only in the WAL.
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'updates'");
      if ((tables.get() as { n: number }).n === 0) return 0;
      return (db.prepare('SELECT count(*) AS n FROM updates').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  const append = (storage: SqliteStorage, count: number) =>
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        storage.appendUpdates('s1', [loggedText(`e${i}`)], 's1'),
      ),
    );

  it('copies every commit into the database file while the writer never checkpoints', async () => {
    const { storage, file, dir } = await open(5);
    const thread = storage.checkpointThread;
    expect(thread).not.toBeNull();
    // The writer's own autocheckpoint is only a backstop far above SQLite's 1000 pages.
    expect(storage.inlineCheckpointPages).toBeGreaterThan(1000);
    await append(storage, 40);
    await thread?.idle();
    expect(thread?.completed).toBeGreaterThanOrEqual(1);
    expect(thread?.lastResult).toMatchObject({ ok: true });
    // Everything committed (the story's first update and the 40) is in the file itself.
    expect(rowsInDatabaseFile(file, dir)).toBe(41);
    // Closed last, the thread's connection leaves one self-contained file behind.
    await storage.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('without the thread, a few commits stay in the WAL (SQLite checkpoints at 1000 pages)', async () => {
    const { storage, file, dir } = await open(0);
    expect(storage.checkpointThread).toBeNull();
    expect(storage.inlineCheckpointPages).toBe(1000);
    await append(storage, 40);
    expect(rowsInDatabaseFile(file, dir)).toBe(0);
    await storage.close();
  });

  it('a thread that dies hands checkpoints back to the writer, and nothing is lost', async () => {
    const { storage, file } = await open(5);
    await append(storage, 10);
    await storage.checkpointThread?.crashForTest();
    expect(storage.checkpointThread).toBeNull();
    expect(storage.inlineCheckpointPages).toBe(1000);
    await append(storage, 10);
    await storage.close();
    const reopened = new SqliteStorage({ file, checkpointEveryCommits: 0 });
    const state = await reopened.loadStoryState('s1');
    expect(state.updates).toHaveLength(21);
    await reopened.close();
  });
});
