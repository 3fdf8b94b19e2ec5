import { randomBytes } from 'node:crypto';
import { storyTypes } from '@copydesk/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLogger } from '../logger';
import type { SqliteStorage } from '../storage/sqlite-storage';
import type { LoggedUpdate } from '../storage/storage';
import { addTypedStory, FIXTURE_USER, openFixtureStorage } from '../storage/test-fixtures';
import { RedisDocBus } from './doc-bus';
import { type ClusteredRoom, type ClusterStats, RoomCluster } from './room-cluster';

/**
 * One instance's view of a story (B), in step with another instance (A) through a real Redis
 * and a real SQLite log. A's side is played by the test: it appends to the log and publishes
 * (or, to lose a message, does not).
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger('silent');
const STORY = 'st_cluster';

/** The receiving room: a Y.Doc that reports updates it cannot integrate yet (as StoryRoom). */
class DocRoom implements ClusteredRoom {
  readonly id = STORY;
  readonly doc = new Y.Doc();
  applyRemoteUpdates(updates: Uint8Array[]): boolean {
    this.doc.transact(() => {
      for (const u of updates) Y.applyUpdate(this.doc, u);
    });
    const store = this.doc.store;
    if (store.pendingStructs === null && store.pendingDs === null) return true;
    store.pendingStructs = null;
    store.pendingDs = null;
    return false;
  }
  applyRemoteAwareness(): void {}
  /** Resolves once `read(doc)` holds, checked after every change. */
  until(read: (doc: Y.Doc) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!read(this.doc)) return;
        this.doc.off('afterTransaction', check);
        resolve();
      };
      this.doc.on('afterTransaction', check);
      check();
    });
  }
}

/** An edit by its own Yjs client (so it depends on nothing but the created text). */
const edit = (base: Uint8Array, field: 'synopsis' | 'body', text: string): LoggedUpdate => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, base);
  const before = Y.encodeStateVector(doc);
  const type = storyTypes(doc)[field];
  type.insert(type.length, text);
  return { userId: FIXTURE_USER, at: Date.now(), update: Y.encodeStateAsUpdate(doc, before) };
};

let storage: SqliteStorage;
let removeStorage: () => Promise<void>;
let busA: RedisDocBus;
let busB: RedisDocBus;
let room: DocRoom;
let cluster: RoomCluster;
let stats: ClusterStats;
let created: Uint8Array;

beforeEach(async () => {
  ({ storage, remove: removeStorage } = await openFixtureStorage('cluster'));
  await addTypedStory(storage, STORY, 'Created. ');
  const keyPrefix = `cdtest:${randomBytes(4).toString('hex')}:`;
  busA = new RedisDocBus('a', { url: REDIS_URL, keyPrefix, logger });
  busB = new RedisDocBus('b', { url: REDIS_URL, keyPrefix, logger });
  room = new DocRoom();
  stats = { catchUps: 0 };
  // The periodic check is out of the way: only what the messages reveal makes B read the log.
  cluster = new RoomCluster(room, { bus: busB, storage, logger, catchUpMs: 600_000, stats });
  await cluster.subscribe();
  await Promise.all([busA.whenReady(), busB.whenReady()]);
  const [first] = (await storage.loadStoryState(STORY)).updates;
  if (!first) throw new Error('the story has no first update');
  created = first.update;
  room.applyRemoteUpdates([created]);
  cluster.loaded(first.seq);
});

afterEach(async () => {
  cluster.close();
  await Promise.all([busA.close(), busB.close()]);
  await removeStorage();
});

/** What instance A does after storing a batch: publish it with the rows it follows. */
const storeOnA = async (update: LoggedUpdate, publish: boolean) => {
  const range = await storage.appendUpdates(STORY, [update], STORY);
  if (publish) {
    busA.publish(STORY, { kind: 'updates', instanceId: 'a', ...range, updates: [update.update] });
  }
  return range;
};

const text = (doc: Y.Doc) => `${storyTypes(doc).synopsis} | ${storyTypes(doc).body}`;

describe('RoomCluster', () => {
  it('applies messages that follow each other without reading the log', async () => {
    await storeOnA(edit(created, 'body', 'One. '), true);
    await storeOnA(edit(created, 'synopsis', 'Two.'), true);
    await room.until((doc) => text(doc).includes('One.') && text(doc).includes('Two.'));
    expect(stats.catchUps).toBe(0);
  });

  it('a lost message is read from the log as soon as the next one shows the gap', async () => {
    // A stores two independent edits; Redis loses the first message (A crashed, a blip).
    await storeOnA(edit(created, 'body', 'Lost on the bus. '), false);
    await storeOnA(edit(created, 'synopsis', 'Delivered.'), true);
    await room.until((doc) => text(doc).includes('Lost on the bus.'));
    expect(text(room.doc)).toBe('Delivered. | Created. Lost on the bus. ');
    expect(stats.catchUps).toBe(1);
  });

  it('a message from an instance that does not say what it follows is checked against the log', async () => {
    await storeOnA(edit(created, 'body', 'Unannounced. '), false);
    const late = edit(created, 'synopsis', 'Old format.');
    const range = await storage.appendUpdates(STORY, [late], STORY);
    busA.publish(STORY, {
      kind: 'updates',
      instanceId: 'a',
      prevSeq: null,
      lastSeq: range.lastSeq,
      updates: [late.update],
    });
    await room.until((doc) => text(doc).includes('Unannounced.'));
    expect(text(room.doc)).toBe('Old format. | Created. Unannounced. ');
  });
});
