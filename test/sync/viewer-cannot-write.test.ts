import { readFields, storyTypes } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory, getStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, waitFor } from '../helpers/yjs-client';

describe('a viewer', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('sees edits live but its own update bytes never change the stored document', async () => {
    const anaToken = await login(server.baseUrl, 'ana');
    const vicToken = await login(server.baseUrl, 'vic');
    const story = await createStory(server.baseUrl, anaToken, { headline: 'Locked for viewers' });
    const ana = connectClient(server.wsUrl, story.id, anaToken);
    const vic = connectClient(server.wsUrl, story.id, vicToken);
    await Promise.all([ana.synced(), vic.synced()]);

    // The viewer edits locally; a stock client sends these as sync updates.
    storyTypes(vic.doc).headline.insert(0, 'HACKED ');
    storyTypes(vic.doc).synopsis.insert(0, 'Viewer text');
    // Then an editor edits, so we know the server processed everything before it.
    storyTypes(ana.doc).body.insert(0, 'Editor text');
    await waitFor(vic.doc, () => readFields(vic.doc).body === 'Editor text');

    const view = await getStory(server.baseUrl, anaToken, story.id);
    expect(view.headline).toBe('Locked for viewers');
    expect(view.synopsis).toBe('');
    expect(view.body).toBe('Editor text');
    expect(readFields(ana.doc).synopsis).toBe('');

    // A fresh client (after the story is reloaded from storage) agrees.
    const fresh = connectClient(server.wsUrl, story.id, anaToken);
    await fresh.synced();
    expect(readFields(fresh.doc).headline).toBe('Locked for viewers');
    expect(readFields(fresh.doc).synopsis).toBe('');
    for (const c of [ana, vic, fresh]) c.destroy();
  });
});
