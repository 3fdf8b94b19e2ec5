import { readFields, storyTypes } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory, getStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, waitFor } from '../helpers/yjs-client';
import { readUpdateLog } from '../security/helpers';

const KEYSTROKES = 300;

/**
 * A burst from one person (a paste, fast typing, a replayed session) reaches the others as a few
 * merged updates, not one message per keystroke, and is stored as a few log rows — and nothing
 * of it is lost on the way, nor when the story is read back from the log after a restart.
 */
describe('a burst of keystrokes from one client', () => {
  let server: RunningServer;
  let token: string;

  beforeAll(async () => {
    server = await startServer();
    token = await login(server.baseUrl, 'ana');
  });
  afterAll(async () => {
    await server.stop();
  });

  it('arrives whole, in far fewer updates than keystrokes', async () => {
    const story = await createStory(server.baseUrl, token, { headline: 'Burst' });
    const typist = connectClient(server.wsUrl, story.id, token);
    const watcher = connectClient(server.wsUrl, story.id, token);
    await Promise.all([typist.synced(), watcher.synced()]);
    let received = 0;
    watcher.doc.on('update', (_update: Uint8Array, origin: unknown) => {
      if (origin !== null) received++; // applied from the server, not local
    });

    const body = storyTypes(typist.doc).body;
    for (let i = 0; i < KEYSTROKES; i++) body.insert(body.length, String(i % 10));
    const typed = body.toString();
    await waitFor(watcher.doc, () => readFields(watcher.doc).body === typed);

    expect(received).toBeLessThan(KEYSTROKES / 4);
    expect((await getStory(server.baseUrl, token, story.id)).body).toBe(typed);
    typist.destroy();
    watcher.destroy();

    const rows = readUpdateLog(server, story.id);
    expect(rows.length).toBeLessThan(KEYSTROKES / 4);
    await server.kill();
    server = await startServer({ dataDir: server.dataDir });
    const fresh = connectClient(server.wsUrl, story.id, await login(server.baseUrl, 'ben'));
    await fresh.synced();
    expect(readFields(fresh.doc).body).toBe(typed);
    fresh.destroy();
  });
});
