import { type ActivityEntry, storyTypes } from '@copydesk/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { StorageFeed } from '../history/storage-feed';
import { createLogger } from '../logger';
import type { SqliteStorage } from '../storage/sqlite-storage';
import type { LoggedUpdate, Storage, StoredUpdate } from '../storage/storage';
import {
  addFixtureAccount,
  addTypedStory,
  FIXTURE_OTHER_USER,
  FIXTURE_USER,
  openFixtureStorage,
} from '../storage/test-fixtures';
import { ActivityRecorder } from './activity-recorder';
import { RecentUpdates } from './recent-updates';

const row = (seq: number, bytes = 10): StoredUpdate => ({
  seq,
  userId: FIXTURE_USER,
  at: seq,
  update: new Uint8Array(bytes),
});
const seqs = (rows: StoredUpdate[] | null) => rows?.map((u) => u.seq) ?? null;

describe('RecentUpdates', () => {
  const limits = { maxUpdates: 100, maxBytes: 1_000 };

  it('answers with every row after a cursor of a gap-free chain, dropping the applied ones', () => {
    const recent = new RecentUpdates(limits);
    recent.heard('st', { prevSeq: 4, updates: [row(7), row(9)] });
    recent.heard('st', { prevSeq: 9, updates: [row(12)] });
    expect(seqs(recent.after('st', 4, 10))).toEqual([7, 9, 12]);
    expect(seqs(recent.after('st', 9, 10))).toEqual([12]);
    expect(seqs(recent.after('st', 9, 10))).toEqual([12]);
    // The limit caps one answer; the caller asks again from where it got to.
    recent.heard('st', { prevSeq: 12, updates: [row(13), row(14)] });
    expect(seqs(recent.after('st', 9, 2))).toEqual([12, 13]);
    expect(seqs(recent.after('st', 13, 2))).toEqual([14]);
    // Caught up: nothing new, and nothing kept.
    expect(recent.after('st', 14, 10)).toEqual([]);
    expect(recent.size).toBe(0);
  });

  it('says it does not know when rows may be missing', () => {
    const recent = new RecentUpdates(limits);
    recent.heard('st', { prevSeq: 4, updates: [row(7), row(9)] });
    // A cursor before the chain, between its rows, or past its end.
    expect(recent.after('st', 3, 10)).toBeNull();
    expect(recent.after('st', 8, 10)).toBeNull();
    expect(recent.after('st', 11, 10)).toBeNull();
    expect(recent.after('other', 0, 10)).toBeNull();
    // Another writer's row 10 came in between: the chain starts again after it.
    recent.heard('st', { prevSeq: 10, updates: [row(11)] });
    expect(recent.after('st', 9, 10)).toBeNull();
    expect(seqs(recent.after('st', 10, 10))).toEqual([11]);
    // Forgotten (another instance records the story): nothing after can be vouched for.
    recent.forget('st');
    expect(recent.after('st', 10, 10)).toBeNull();
  });

  it('keeps no more than its limits per story', () => {
    const recent = new RecentUpdates({ maxUpdates: 3, maxBytes: 1_000 });
    recent.heard('st', { prevSeq: 0, updates: [row(1), row(2), row(3)] });
    expect(seqs(recent.after('st', 0, 10))).toEqual([1, 2, 3]);
    recent.heard('st', { prevSeq: 3, updates: [row(4)] });
    expect(recent.after('st', 0, 10)).toBeNull();
    const big = new RecentUpdates({ maxUpdates: 100, maxBytes: 25 });
    big.heard('st', { prevSeq: 0, updates: [row(1, 20)] });
    big.heard('st', { prevSeq: 1, updates: [row(2, 20)] });
    expect(big.size).toBe(0);
  });
});

/** Real SQLite storage, observed by the feed as the server wires it. */
let storage: SqliteStorage;
let removeStorage: () => Promise<void>;
const recorders: ActivityRecorder[] = [];
beforeEach(async () => {
  ({ storage, remove: removeStorage } = await openFixtureStorage('recent-updates'));
  await addFixtureAccount(storage, FIXTURE_OTHER_USER);
});
afterEach(async () => {
  for (const r of recorders.splice(0)) await r.close();
  await removeStorage();
});

/** Ben's words at the end of the story's body as stored now, as another instance logs them. */
const typedElsewhere = async (storyId: string, text: string): Promise<LoggedUpdate> => {
  const { snapshot, updates } = await storage.loadStoryState(storyId);
  const doc = new Y.Doc();
  for (const part of [...(snapshot?.parts ?? []), ...updates.map((u) => u.update)]) {
    Y.applyUpdate(doc, part);
  }
  const before = Y.encodeStateVector(doc);
  const body = storyTypes(doc).body;
  body.insert(body.length, text);
  return { userId: FIXTURE_OTHER_USER, at: Date.now(), update: Y.encodeStateAsUpdate(doc, before) };
};

const fedRecorder = (): { fed: Storage; recorder: ActivityRecorder } => {
  const feed = new StorageFeed();
  const fed = feed.observe(storage);
  const recorder = new ActivityRecorder({
    storage,
    logger: createLogger('silent'),
    minIntervalMs: 0,
  });
  recorders.push(recorder);
  feed.subscribe(recorder);
  return { fed, recorder };
};

/** The live feed's body words per account; `reach` resolves once they are exactly `words`. */
const liveWords = (recorder: ActivityRecorder) => {
  const latest = new Map<string, ActivityEntry>();
  const waiting = new Set<() => boolean>();
  recorder.subscribe(({ entry }) => {
    latest.set(entry.id, entry);
    for (const check of waiting) if (check()) waiting.delete(check);
  });
  const added = () => {
    const byUser: Record<string, number> = {};
    for (const e of latest.values()) {
      if (e.field === 'body') byUser[e.userId] = (byUser[e.userId] ?? 0) + e.wordsAdded;
    }
    return byUser;
  };
  return {
    reach: (words: Record<string, number>) =>
      new Promise<void>((resolve) => {
        const check = () => {
          const now = added();
          const met = Object.entries(words).every(([user, n]) => (now[user] ?? 0) === n);
          if (met) resolve();
          return met;
        };
        if (!check()) waiting.add(check);
      }),
  };
};

describe('ActivityRecorder with what it just stored', () => {
  it('records every word from the rows it was handed, without reading the log back', async () => {
    const { fed, recorder } = fedRecorder();
    const words = liveWords(recorder);
    const story = await addTypedStory(fed, 'st_recent', 'start ');
    const typed = { [FIXTURE_USER]: 0, [FIXTURE_OTHER_USER]: 0 };
    for (let i = 0; i < 40; i++) {
      const user = i % 2 === 0 ? FIXTURE_USER : FIXTURE_OTHER_USER;
      await story.append(`w${i} `, user);
      typed[user] = (typed[user] ?? 0) + 1;
      // A round after every append: each one must find its rows without the log.
      await words.reach(typed);
    }
    // Only the first round read the log: the story's created row reached it no other way.
    expect(recorder.logReads).toBe(1);
  });

  it('reads the log for rows another instance stored in between, and skips none', async () => {
    const { fed, recorder } = fedRecorder();
    const words = liveWords(recorder);
    const story = await addTypedStory(fed, 'st_between', 'start ');
    for (let i = 1; i <= 10; i++) {
      await story.append(`a${i} `, FIXTURE_USER);
      await words.reach({ [FIXTURE_USER]: 2 * i - 1, [FIXTURE_OTHER_USER]: i - 1 });
      // Ben types on another instance: his row goes straight to storage, unheard here.
      await storage.appendUpdates('st_between', [await typedElsewhere('st_between', `b${i} `)], '');
      await story.append(`c${i} `, FIXTURE_USER);
      await words.reach({ [FIXTURE_USER]: 2 * i, [FIXTURE_OTHER_USER]: i });
    }
    // The created row, then each round after Ben's row; Ana's next rows come from memory again.
    expect(recorder.logReads).toBe(11);
    // A reader's flush reads the log: Ben's last row follows everything this recorder heard.
    await storage.appendUpdates('st_between', [await typedElsewhere('st_between', 'last ')], '');
    const flushed = words.reach({ [FIXTURE_USER]: 20, [FIXTURE_OTHER_USER]: 11 });
    await recorder.flush('st_between');
    await flushed;
  });
});
