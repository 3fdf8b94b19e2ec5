import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from './sqlite-storage';
import {
  addFixtureStories,
  loggedText,
  logRowsInFileAlone,
  openFixtureStorage,
} from './test-fixtures';

/** Real SQLite files; the database file is read alone (without its WAL) to see what was copied. */
describe('SQLite checkpoints in their own thread', () => {
  const removers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const remove of removers.splice(0)) await remove();
  });

  const open = async (checkpointEveryCommits: number) => {
    const fixture = await openFixtureStorage('checkpoint', { checkpointEveryCommits });
    removers.push(fixture.remove);
    await addFixtureStories(fixture.storage, ['s1']);
    return fixture;
  };

  const append = (storage: SqliteStorage, count: number) =>
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        storage.appendUpdates('s1', [loggedText(`e${i}`)], 's1'),
      ),
    );

  it('copies every commit into the database file while the writer never checkpoints', async () => {
    const { storage, file } = await open(5);
    const thread = storage.checkpointThread;
    expect(thread).not.toBeNull();
    // The writer's own autocheckpoint is only a backstop far above SQLite's 1000 pages.
    expect(storage.inlineCheckpointPages).toBeGreaterThan(1000);
    await append(storage, 40);
    await thread?.idle();
    expect(thread?.completed).toBeGreaterThanOrEqual(1);
    expect(thread?.lastResult).toMatchObject({ ok: true });
    // Everything committed (the story's first update and the 40) is in the file itself.
    expect(logRowsInFileAlone(file)).toBe(41);
    // Closed last, the thread's connection leaves one self-contained file behind.
    await storage.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('without the thread, a few commits stay in the WAL (SQLite checkpoints at 1000 pages)', async () => {
    const { storage, file } = await open(0);
    expect(storage.checkpointThread).toBeNull();
    expect(storage.inlineCheckpointPages).toBe(1000);
    await append(storage, 40);
    expect(logRowsInFileAlone(file)).toBe(0);
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
