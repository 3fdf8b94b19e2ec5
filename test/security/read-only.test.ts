import { readFields } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createStory, getStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, waitFor } from '../helpers/yjs-client';
import {
  insertUpdate,
  openRaw,
  readUpdateLog,
  roundTrip,
  storedState,
  syncStep2Frame,
  syncUpdateFrame,
  waitForLog,
} from './helpers';

/**
 * Read-only means read-only: a viewer, or an editor on an approved/published story, cannot
 * change the document whatever bytes it sends (sync step 2 and update, as raw frames).
 */
describe('read-only connections', () => {
  let server: RunningServer;
  let ana: string;
  let carla: string;
  let vic: string;

  beforeAll(async () => {
    server = await startServer();
    [ana, carla, vic] = await Promise.all([
      login(server.baseUrl, 'ana'),
      login(server.baseUrl, 'carla'),
      login(server.baseUrl, 'vic'),
    ]);
  });
  afterAll(async () => {
    await server.stop();
  });

  const move = async (id: string, status: string, token = carla) => {
    const res = await api(server.baseUrl, token, 'POST', `/api/stories/${id}/status`, { status });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };

  /** Sends a write as sync step 2 and as update, then proves the server handled both. */
  const attemptWrites = async (token: string, storyId: string, text: string) => {
    const socket = openRaw(server, storyId, token);
    await socket.opened;
    socket.send(syncStep2Frame(insertUpdate('headline', `${text} (step 2) `)));
    socket.send(syncUpdateFrame(insertUpdate('body', `${text} (update) `)));
    await roundTrip(socket);
    expect(socket.isOpen()).toBe(true); // dropped, not an error
    socket.close();
  };

  it('a viewer: sync step 2 and update frames leave the stored document byte-identical', async () => {
    const story = await createStory(server.baseUrl, ana, { headline: 'Viewer target' });
    const watcher = connectClient(server.wsUrl, story.id, ana);
    await watcher.synced();
    const log = readUpdateLog(server, story.id);
    const state = storedState(server, story.id);
    const view = await getStory(server.baseUrl, ana, story.id);
    let relayed = 0;
    watcher.doc.on('update', () => {
      relayed++;
    });

    await attemptWrites(vic, story.id, 'VIEWER');

    expect(readUpdateLog(server, story.id)).toEqual(log);
    expect(storedState(server, story.id)).toEqual(state);
    expect(await getStory(server.baseUrl, ana, story.id)).toEqual(view);
    expect(relayed).toBe(0);
    const fresh = connectClient(server.wsUrl, story.id, carla);
    await fresh.synced();
    expect(readFields(fresh.doc).headline).toBe('Viewer target');
    await waitForLog(server, (e) => e.msg === 'dropped a write from a read-only connection');
    watcher.destroy();
    fresh.destroy();
  });

  it('an editor on an approved or published story: same, while a chief may still write', async () => {
    const story = await createStory(server.baseUrl, ana, { headline: 'Locked story' });
    await move(story.id, 'in_review', ana);
    await move(story.id, 'approved');
    const log = readUpdateLog(server, story.id);
    await attemptWrites(ana, story.id, 'EDITOR ON APPROVED');
    expect(readUpdateLog(server, story.id)).toEqual(log);

    await move(story.id, 'published');
    await attemptWrites(ana, story.id, 'EDITOR ON PUBLISHED');
    expect(readUpdateLog(server, story.id)).toEqual(log);
    expect((await getStory(server.baseUrl, ana, story.id)).headline).toBe('Locked story');

    // Chiefs are not locked out (they correct approved copy).
    const chief = openRaw(server, story.id, carla);
    await chief.opened;
    chief.send(syncUpdateFrame(insertUpdate('synopsis', 'Chief note.')));
    await roundTrip(chief);
    expect((await getStory(server.baseUrl, ana, story.id)).synopsis).toBe('Chief note.');
    chief.close();
  });

  it('open editor connections become read-only the moment a story is approved, writable again when reopened', async () => {
    const story = await createStory(server.baseUrl, ana, { headline: 'Live lock' });
    const watcher = connectClient(server.wsUrl, story.id, carla);
    await watcher.synced();
    // Ana's connection is open (and writing) before the story is approved.
    const editor = openRaw(server, story.id, ana);
    await editor.opened;
    editor.send(syncUpdateFrame(insertUpdate('body', 'Before approval. ')));
    await waitFor(watcher.doc, () => readFields(watcher.doc).body === 'Before approval. ');

    await move(story.id, 'in_review', ana);
    await move(story.id, 'approved');
    // No waiting: the status route applies the status to open connections before it answers.
    editor.send(syncUpdateFrame(insertUpdate('headline', 'DURING APPROVAL ')));
    editor.send(syncStep2Frame(insertUpdate('body', 'DURING APPROVAL ')));
    await roundTrip(editor);
    const locked = await getStory(server.baseUrl, carla, story.id);
    expect(locked.body).toBe('Before approval. ');
    expect(locked.headline).toBe('Live lock');
    expect(editor.isOpen()).toBe(true);

    await move(story.id, 'draft');
    editor.send(syncUpdateFrame(insertUpdate('synopsis', 'After reopening.')));
    await waitFor(watcher.doc, () => readFields(watcher.doc).synopsis === 'After reopening.');
    expect((await getStory(server.baseUrl, carla, story.id)).synopsis).toBe('After reopening.');
    expect(readFields(watcher.doc).headline).toBe('Live lock');
    editor.close();
    watcher.destroy();
  });
});
