import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { storyTypes } from '@copydesk/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { createLogger } from '../logger';
import { SqliteStorage } from '../storage/sqlite-storage';
import { addFixtureAccount } from '../storage/test-fixtures';
import { ActivityRecorder } from './activity-recorder';

/** Real SQLite storage; the recorder reads the log the way it does in the server. */
describe('ActivityRecorder working copies', () => {
  let dir: string;
  let storage: SqliteStorage;
  let recorder: ActivityRecorder | null = null;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-activity-'));
    storage = new SqliteStorage({ file: path.join(dir, 'db.sqlite') });
    await storage.migrate();
    await addFixtureAccount(storage);
  });
  afterEach(async () => {
    await recorder?.close();
    recorder = null;
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const edit = (doc: Y.Doc, text: string): Uint8Array => {
    const before = Y.encodeStateVector(doc);
    storyTypes(doc).body.insert(storyTypes(doc).body.length, text);
    return Y.encodeStateAsUpdate(doc, before);
  };

  it('drops an idle working copy by itself, with no other story changing, and rebuilds it', async () => {
    const doc = new Y.Doc();
    const now = Date.now();
    await storage.createStory(
      {
        id: 'st_idle',
        headline: 'Idle',
        status: 'draft',
        createdAt: now,
        createdBy: 'u_ana',
        updatedAt: now,
        updatedBy: 'u_ana',
      },
      { userId: 'u_ana', at: now, update: edit(doc, 'first ') },
    );
    recorder = new ActivityRecorder({ storage, logger: createLogger('silent'), idleMs: 300 });
    await recorder.flush('st_idle');
    expect(recorder.workingCopies).toBe(1);
    // Nothing else happens: the copy must still go (it used to stay until another story changed).
    await vi.waitFor(() => expect(recorder?.workingCopies).toBe(0), { timeout: 3_000 });

    // The next edit rebuilds the copy from storage and is recorded as before.
    await storage.appendUpdates(
      'st_idle',
      [{ userId: 'u_ana', at: Date.now(), update: edit(doc, 'second ') }],
      'Idle',
    );
    await recorder.flush('st_idle');
    expect(recorder.workingCopies).toBe(1);
    const feed = await recorder.storyActivity('st_idle', null, 10);
    expect(feed.entries.length).toBeGreaterThan(0);
  });
});

/** Two instances (two recorders) sharing one log and one activity cursor. */
describe('ActivityRecorder on two instances', () => {
  let dir: string;
  let storage: SqliteStorage;
  const recorders: ActivityRecorder[] = [];
  let doc: Y.Doc;

  beforeEach(async () => {
    doc = new Y.Doc();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-activity-'));
    storage = new SqliteStorage({ file: path.join(dir, 'db.sqlite') });
    await storage.migrate();
    await addFixtureAccount(storage);
    const now = Date.now();
    await storage.createStory(
      {
        id: 'st_two',
        headline: 'Two',
        status: 'draft',
        createdAt: now,
        createdBy: 'u_ana',
        updatedAt: now,
        updatedBy: 'u_ana',
      },
      { userId: 'u_ana', at: now, update: typeWords(doc, 'one ') },
    );
  });
  afterEach(async () => {
    for (const r of recorders.splice(0)) await r.close();
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function typeWords(d: Y.Doc, text: string): Uint8Array {
    const before = Y.encodeStateVector(d);
    storyTypes(d).body.insert(storyTypes(d).body.length, text);
    return Y.encodeStateAsUpdate(d, before);
  }
  const append = (text: string) =>
    storage.appendUpdates(
      'st_two',
      [{ userId: 'u_ana', at: Date.now(), update: typeWords(doc, text) }],
      'Two',
    );
  const recorder = (yieldMs: number) => {
    const r = new ActivityRecorder({
      storage,
      logger: createLogger('silent'),
      minIntervalMs: 20,
      yieldMs,
    });
    recorders.push(r);
    return r;
  };
  /** Net words added to the body over every entry stored (each burst counted once; the
   * story's first update is its "created" entry). */
  const bodyWords = async (r: ActivityRecorder) =>
    (await r.storyActivity('st_two', null, 50)).entries
      .filter((e) => e.field === 'body')
      .reduce((sum, e) => sum + e.wordsAdded, 0);

  it('leaves a story the other instance records to it, instead of rebuilding it every round', async () => {
    const a = recorder(60_000);
    const b = recorder(60_000);
    await a.flush('st_two');
    expect(a.trackerBuilds).toBe(1);
    await append('two ');
    await b.flush('st_two'); // B records the story now: the shared cursor is B's
    await append('three ');
    a.storyChanged('st_two');
    await vi.waitFor(() => expect(a.workingCopies).toBe(0), { timeout: 3_000 });

    for (const word of ['four ', 'five ', 'six ']) {
      await append(word);
      a.storyChanged('st_two');
      b.storyChanged('st_two');
    }
    await vi.waitFor(async () => expect(await bodyWords(b)).toBe(5), { timeout: 3_000 });
    // A has not rebuilt its working copy (a load of the story) on any round since.
    expect(a.trackerBuilds).toBe(1);
    expect(a.workingCopies).toBe(0);
  });

  it('takes the story back when the other instance stops recording it', async () => {
    const a = recorder(200);
    const b = recorder(200);
    await b.flush('st_two');
    await append('two ');
    await a.flush('st_two');
    await append('three ');
    b.storyChanged('st_two'); // B finds the cursor moved by A: it yields
    await vi.waitFor(() => expect(b.workingCopies).toBe(0), { timeout: 3_000 });
    await a.close();
    await append('four ');
    b.storyChanged('st_two');
    await vi.waitFor(async () => expect(await bodyWords(b)).toBe(3), { timeout: 3_000 });
  });
});
