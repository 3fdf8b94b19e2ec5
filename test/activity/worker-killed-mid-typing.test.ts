import { type StoryActivityResponse, storyTypes } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityLiveEvent } from '../../server/src/activity';
import { api, createStory } from '../helpers/api';
import { type FeatureServer, startFeatureServer } from './feature-server';
import { connectAcked, EventLog, type Session, signInAll, typeInto } from './helpers';

describe('activity worker killed while two editors type', () => {
  let server: FeatureServer;
  let ana: Session;
  let ben: Session;
  const live = new EventLog<ActivityLiveEvent>();

  beforeAll(async () => {
    server = await startFeatureServer();
    [ana, ben] = await signInAll(server.baseUrl, ['ana', 'ben']);
    server.activity.subscribe(live.push);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('credits every word to its author once, and the live feed goes on', async () => {
    const story = await createStory(server.baseUrl, ana.token, { headline: 'Worker crash' });
    const anaClient = connectAcked(server.wsUrl, story.id, ana.token);
    const benClient = connectAcked(server.wsUrl, story.id, ben.token);
    await Promise.all([anaClient.synced(), benClient.synced()]);
    const anaBody = storyTypes(anaClient.doc).body;
    const benBody = storyTypes(benClient.doc).body;

    const killed: unknown[] = [];
    for (let round = 0; round < 3; round++) {
      for (let w = 0; w < 10; w++) {
        typeInto(anaBody, anaBody.length, `ana${round}x${w} `);
        typeInto(benBody, 0, `ben${round}x${w} `);
      }
      await Promise.all([anaClient.stored(), benClient.stored()]);
      // The worker has this round's edits in hand (or is about to): kill it then.
      const seen = live.events.length;
      await live.waitFor((e) => e.entry.storyId === story.id && live.events.indexOf(e) >= seen);
      const thread = server.activityEngine.thread;
      expect(thread).not.toBeNull();
      killed.push(thread);
      await thread?.terminate();
    }
    expect(new Set(killed).size).toBe(3);

    // Typing after the last kill still reaches the live feed.
    typeInto(anaBody, anaBody.length, 'after ');
    await anaClient.stored();
    await live.waitFor(
      (e) =>
        e.entry.storyId === story.id && e.entry.userId === ana.user.id && e.entry.wordsAdded === 31,
    );

    const res = await api(server.baseUrl, ana.token, 'GET', `/api/stories/${story.id}/activity`);
    expect(res.status).toBe(200);
    const added: Record<string, number> = {};
    for (const e of (res.body as StoryActivityResponse).entries) {
      if (e.field === 'body') added[e.userName] = (added[e.userName] ?? 0) + e.wordsAdded;
    }
    expect(added).toEqual({ Ana: 31, Ben: 30 });
    anaClient.destroy();
    benClient.destroy();
  });
});
