import { readFields, storyTypes } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createStory, getStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { inspectUpdateLog } from '../helpers/update-log';
import { connectClient, waitFor } from '../helpers/yjs-client';
import { readUpdateLog } from '../security/helpers';

/**
 * The server stores and relays a client's own update bytes (applying them to its document in
 * one transaction per turn), so these pin down what that must never cost: every insertion and
 * every deletion is in the log exactly once — also when two people delete the same words, and
 * when a client comes back from offline and resends its whole delete set.
 */

/** Insertions and deletions stored more than once in the story's log. */
const repeatsInLog = (server: RunningServer, storyId: string) => {
  const log = inspectUpdateLog(readUpdateLog(server, storyId));
  return { inserts: log.repeatedInserts, deletes: log.repeatedDeletes, rows: log.structs };
};

describe('each edit is stored once', () => {
  let server: RunningServer;
  let anaToken: string;
  let benToken: string;

  beforeAll(async () => {
    server = await startServer();
    anaToken = await login(server.baseUrl, 'ana');
    benToken = await login(server.baseUrl, 'ben');
  });
  afterAll(async () => {
    await server.stop();
  });

  it('two people deleting the same words: the deletion is logged once, nothing is lost', async () => {
    const story = await createStory(server.baseUrl, anaToken, {
      headline: 'Storm hits coast',
    });
    const ana = connectClient(server.wsUrl, story.id, anaToken);
    const ben = connectClient(server.wsUrl, story.id, benToken);
    await Promise.all([ana.synced(), ben.synced()]);
    storyTypes(ana.doc).body.insert(0, 'The storm hit the coast at dawn.');
    await waitFor(ben.doc, () => readFields(ben.doc).body.includes('dawn'));

    // Ben drops off mid-edit; both delete "storm " and each adds a sentence.
    ben.provider.disconnect();
    const cut = 'The '.length;
    storyTypes(ana.doc).body.delete(cut, 'storm '.length);
    storyTypes(ana.doc).body.insert(storyTypes(ana.doc).body.length, ' Ana.');
    storyTypes(ben.doc).body.delete(cut, 'storm '.length);
    storyTypes(ben.doc).body.insert(storyTypes(ben.doc).body.length, ' Ben.');
    const watcher = connectClient(server.wsUrl, story.id, anaToken);
    await watcher.synced();
    await waitFor(watcher.doc, () => readFields(watcher.doc).body.endsWith('Ana.'));
    const before = readUpdateLog(server, story.id).length;

    ben.provider.connect();
    await waitFor([ana.doc, ben.doc], () => {
      const a = readFields(ana.doc).body;
      return a === readFields(ben.doc).body && a.includes('Ben.') && a.includes('Ana.');
    });
    const body = readFields(ana.doc).body;
    expect(body.startsWith('The hit the coast at dawn.')).toBe(true);
    expect((await getStory(server.baseUrl, anaToken, story.id)).body).toBe(body);

    // Ben's reconnect stored his sentence only, not a second copy of the deletion.
    expect(readUpdateLog(server, story.id).length).toBe(before + 1);
    const repeats = repeatsInLog(server, story.id);
    expect(repeats.deletes).toEqual([]);
    expect(repeats.inserts).toEqual([]);
    for (const c of [ana, ben, watcher]) c.destroy();
  });

  it('a burst of keystrokes and backspaces from two clients in the same turns', async () => {
    const story = await createStory(server.baseUrl, anaToken, { headline: 'Burst' });
    const ana = connectClient(server.wsUrl, story.id, anaToken);
    const ben = connectClient(server.wsUrl, story.id, benToken);
    await Promise.all([ana.synced(), ben.synced()]);
    const a = storyTypes(ana.doc);
    const b = storyTypes(ben.doc);
    // Each keystroke is its own update; both type and delete at once, into the same field.
    for (let i = 0; i < 300; i++) {
      a.synopsis.insert(a.synopsis.length, 'a');
      b.synopsis.insert(0, 'b');
      if (i % 3 === 2) {
        a.synopsis.delete(a.synopsis.length - 1, 1);
        b.synopsis.delete(0, 1);
      }
    }
    await waitFor([ana.doc, ben.doc], () => {
      const s = readFields(ana.doc).synopsis;
      return s.length === 400 && s === readFields(ben.doc).synopsis;
    });
    const fresh = connectClient(server.wsUrl, story.id, benToken);
    await fresh.synced();
    expect(readFields(fresh.doc).synopsis).toBe(readFields(ana.doc).synopsis);
    expect((await getStory(server.baseUrl, anaToken, story.id)).synopsis).toBe(
      readFields(ana.doc).synopsis,
    );
    const repeats = repeatsInLog(server, story.id);
    expect(repeats.inserts).toEqual([]);
    expect(repeats.deletes).toEqual([]);
    // Every keystroke of both is in the log (runs may be stored merged: count clocks, not rows).
    const log = inspectUpdateLog(readUpdateLog(server, story.id));
    for (const doc of [ana.doc, ben.doc]) {
      expect(log.insertedClocks(doc.clientID)).toBe(Y.getState(doc.store, doc.clientID));
    }
    expect(Y.getState(ana.doc.store, ana.doc.clientID)).toBe(300);
    for (const c of [ana, ben, fresh]) c.destroy();
  });
});
