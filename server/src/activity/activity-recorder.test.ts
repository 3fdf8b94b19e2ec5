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
