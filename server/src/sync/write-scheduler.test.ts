import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../storage/sqlite-storage';
import type { AppendedRange, StoryAppend } from '../storage/storage';
import { addFixtureAccount, addFixtureStories, loggedText } from '../storage/test-fixtures';
import {
  type BatchingRoom,
  type RoomBatch,
  STREAMING_BATCH,
  WriteScheduler,
} from './write-scheduler';

/** A room with one batch to store, recording what the scheduler told it. */
class OneBatchRoom implements BatchingRoom {
  stored: AppendedRange | null = null;
  failed: unknown = null;
  private given = false;
  constructor(readonly batch: RoomBatch) {}
  takeBatch(): RoomBatch | null {
    if (this.given) return null;
    this.given = true;
    return this.batch;
  }
  batchStored(range: AppendedRange): void {
    this.stored = range;
  }
  batchFailed(err: unknown): void {
    this.failed = err;
  }
}

/** A room handed batches one after another; notes when each was stored. */
class QueueRoom implements BatchingRoom {
  readonly storedAt: number[] = [];
  readonly takenAt: number[] = [];
  private readonly queue: RoomBatch[] = [];
  constructor(private readonly scheduler: WriteScheduler) {}
  /** A batch of `received` client updates (merged into one row, as a sender's run is). */
  write(storyId: string, text: string, received: number): void {
    this.queue.push({ storyId, updates: [loggedText(text)], headline: storyId, received });
    this.scheduler.schedule(this);
  }
  takeBatch(): RoomBatch | null {
    const batch = this.queue.shift() ?? null;
    if (batch) this.takenAt.push(performance.now());
    return batch;
  }
  batchStored(): void {
    this.storedAt.push(performance.now());
  }
  batchFailed(err: unknown): void {
    throw err;
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const sqlite = async (stories: string[]) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-writes-'));
  dirs.push(dir);
  const storage = new SqliteStorage({ file: path.join(dir, 'copydesk.sqlite') });
  await storage.migrate();
  await addFixtureAccount(storage);
  await addFixtureStories(storage, stories);
  // Counts the calls; the writes themselves go to the real SQLite file.
  const calls = { many: 0, one: 0 };
  const many = storage.appendUpdatesMany.bind(storage);
  const one = storage.appendUpdates.bind(storage);
  storage.appendUpdatesMany = (batches: StoryAppend[]) => {
    calls.many++;
    return many(batches);
  };
  storage.appendUpdates = (storyId, updates, headline) => {
    calls.one++;
    return one(storyId, updates, headline);
  };
  return { storage, calls };
};

const texts = async (storage: SqliteStorage, id: string) =>
  (await storage.loadStoryState(id)).updates.map((u) => new TextDecoder().decode(u.update));

const until = (check: () => boolean) =>
  new Promise<void>((resolve) => {
    const poll = () => (check() ? resolve() : setImmediate(poll));
    poll();
  });

describe('WriteScheduler', () => {
  it("stores every room's writes of a turn in one commit, in order per story", async () => {
    const ids = ['s1', 's2', 's3', 's4'];
    const { storage, calls } = await sqlite(ids);
    const scheduler = new WriteScheduler(storage);
    const rooms = ids.map(
      (id) =>
        new OneBatchRoom({
          storyId: id,
          updates: [loggedText(`${id}:a`), loggedText(`${id}:b`)],
          headline: `${id}!`,
          received: 2,
        }),
    );
    for (const room of rooms) scheduler.schedule(room);
    await until(() => rooms.every((r) => r.stored !== null));
    expect(calls).toEqual({ many: 1, one: 0 });
    for (const [i, id] of ids.entries()) {
      expect(await texts(storage, id)).toEqual([`${id}:created`, `${id}:a`, `${id}:b`]);
      const seqs = (await storage.loadStoryState(id)).updates.map((u) => u.seq);
      // Each room learns its own rows: after the story's created row, through its last.
      expect(rooms[i]?.stored).toEqual({
        prevSeq: seqs[0],
        lastSeq: seqs.at(-1),
        seqs: seqs.slice(1),
      });
      expect((await storage.getStory(id))?.headline).toBe(`${id}!`);
    }
    await storage.close();
  });

  it("holds a streaming story's next commit a moment, and no other story's", async () => {
    const { storage } = await sqlite(['stream', 'typed']);
    // Longer than the default, so that the next turn falls inside it on a loaded machine too.
    const pauseMs = 500;
    const scheduler = new WriteScheduler(storage, pauseMs);
    const stream = new QueueRoom(scheduler);
    const typed = new QueueRoom(scheduler);
    stream.write('stream', 'run 1', STREAMING_BATCH);
    await until(() => stream.storedAt.length === 1);
    stream.write('stream', 'run 2', 1);
    typed.write('typed', 'a word', 1);
    await until(() => typed.storedAt.length === 1);
    // The typed story went out in the next turn; the streaming one waits out its pause.
    expect(stream.storedAt.length).toBe(1);
    await until(() => stream.storedAt.length === 2);
    const [first, second] = stream.takenAt as [number, number];
    // The pause runs from the turn's clock reading, taken just before the first batch was cut
    // (a loaded machine put 0.2 ms between them); without a pause the gap is a turn or two.
    expect(second - first).toBeGreaterThanOrEqual(pauseMs - 1);
    expect(scheduler.streamingPauses).toBe(1);
    expect(await texts(storage, 'stream')).toEqual(['stream:created', 'run 1', 'run 2']);
    expect(await texts(storage, 'typed')).toEqual(['typed:created', 'a word']);
    await storage.close();
  });

  it('cuts a story that is typed into (fewer updates a turn) in the very next turn', async () => {
    const { storage } = await sqlite(['typed']);
    const scheduler = new WriteScheduler(storage);
    const room = new QueueRoom(scheduler);
    room.write('typed', 'w1', STREAMING_BATCH - 1);
    await until(() => room.storedAt.length === 1);
    room.write('typed', 'w2', 1);
    await until(() => room.storedAt.length === 2);
    expect(scheduler.streamingPauses).toBe(0);
    expect(await texts(storage, 'typed')).toEqual(['typed:created', 'w1', 'w2']);
    await storage.close();
  });

  it('a story that cannot be stored fails alone, and nothing is stored twice', async () => {
    const { storage, calls } = await sqlite(['ok1', 'ok2']);
    const scheduler = new WriteScheduler(storage);
    const good = ['ok1', 'ok2'].map(
      (id) =>
        new OneBatchRoom({
          storyId: id,
          updates: [loggedText(`${id}:x`)],
          headline: id,
          received: 1,
        }),
    );
    // No such story: the foreign key refuses its rows, and the shared commit with them.
    const bad = new OneBatchRoom({
      storyId: 'gone',
      updates: [loggedText('gone:x')],
      headline: '',
      received: 1,
    });
    for (const room of [good[0], bad, good[1]] as OneBatchRoom[]) scheduler.schedule(room);
    await until(() => bad.failed !== null && good.every((r) => r.stored !== null));
    expect(calls).toEqual({ many: 1, one: 3 });
    expect(String(bad.failed)).toMatch(/FOREIGN KEY/);
    expect(await texts(storage, 'ok1')).toEqual(['ok1:created', 'ok1:x']);
    expect(await texts(storage, 'ok2')).toEqual(['ok2:created', 'ok2:x']);
    await storage.close();
  });
});
