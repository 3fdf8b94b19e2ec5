import { type StoryActivityResponse, storyTypes } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createStory } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectAcked, type Session, signInAll, typeInto } from './helpers';

/**
 * The built server (server/dist, what `npm start` and the Docker image run) carries its
 * activity worker ready-made beside main.mjs; the other activity tests start the server from
 * source, where the worker is bundled at start-up instead.
 */
describe('the built server', () => {
  let server: RunningServer;
  let ana: Session;
  let ben: Session;

  beforeAll(async () => {
    server = await startServer();
    [ana, ben] = await signInAll(server.baseUrl, ['ana', 'ben']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('credits every typed word to its author, and starts without a warning', async () => {
    const story = await createStory(server.baseUrl, ana.token, { headline: 'Built server' });
    const anaClient = connectAcked(server.wsUrl, story.id, ana.token);
    const benClient = connectAcked(server.wsUrl, story.id, ben.token);
    await Promise.all([anaClient.synced(), benClient.synced()]);
    typeInto(storyTypes(anaClient.doc).body, 0, 'Floods close the ring road ');
    typeInto(storyTypes(benClient.doc).synopsis, 0, 'Rain for a third day.');
    await Promise.all([anaClient.stored(), benClient.stored()]);

    const res = await api(server.baseUrl, ana.token, 'GET', `/api/stories/${story.id}/activity`);
    expect(res.status).toBe(200);
    const added: Record<string, number> = {};
    for (const e of (res.body as StoryActivityResponse).entries) {
      if (e.field === 'story') continue; // "created the story"
      const key = `${e.userName} ${e.field}`;
      added[key] = (added[key] ?? 0) + e.wordsAdded;
    }
    expect(added).toEqual({ 'Ana body': 5, 'Ben synopsis': 5 });

    // A worker or thread that cannot start is logged at warn, and the server carries on.
    const warnings = server.entries.filter(
      (entry) => (entry.level ?? 0) >= 40 && !entry.msg?.startsWith('created demo accounts'),
    );
    expect(warnings).toEqual([]);
    anaClient.destroy();
    benClient.destroy();
  });
});
