import { readFields, type StoryActivityResponse, storyTypes } from '@copydesk/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { api, createStory, getStory } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectAcked, signInAll, typeInto } from './helpers';

/** Body words the story's feed credits to each account. */
const creditedWords = async (server: RunningServer, token: string, storyId: string) => {
  const res = await api(server.baseUrl, token, 'GET', `/api/stories/${storyId}/activity?limit=100`);
  expect(res.status).toBe(200);
  const added: Record<string, number> = {};
  for (const e of (res.body as StoryActivityResponse).entries) {
    if (e.field === 'body') added[e.userName] = (added[e.userName] ?? 0) + e.wordsAdded;
  }
  return added;
};

/**
 * The feed's rounds take the rows the server just stored from memory (recent-updates.ts), not
 * from the log. A crash loses that memory: the restarted server must read the rows back from
 * the log, from the feed's stored cursor, and credit every word once.
 */
describe('server killed while two editors type', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill();
  });

  it('keeps every word, and the restarted feed credits each to its author once', async () => {
    const first = await startServer();
    servers.push(first);
    const [ana, ben] = await signInAll(first.baseUrl, ['ana', 'ben']);
    const story = await createStory(first.baseUrl, ana.token, { headline: 'Crash mid-typing' });
    const anaClient = connectAcked(first.wsUrl, story.id, ana.token);
    const benClient = connectAcked(first.wsUrl, story.id, ben.token);
    await Promise.all([anaClient.synced(), benClient.synced()]);
    const anaBody = storyTypes(anaClient.doc).body;
    const benBody = storyTypes(benClient.doc).body;

    // Typed and read by the feed before the crash: its cursor is stored past these.
    for (let w = 0; w < 10; w++) {
      typeInto(anaBody, anaBody.length, `ana${w} `);
      typeInto(benBody, 0, `ben${w} `);
    }
    await Promise.all([anaClient.stored(), benClient.stored()]);
    expect(await creditedWords(first, ana.token, story.id)).toEqual({ Ana: 10, Ben: 10 });

    // Stored and acknowledged, then the crash: the feed's rounds come every 2 s, so some of
    // these rows are most likely in no round yet (either way each word must count once).
    for (let w = 10; w < 25; w++) {
      typeInto(anaBody, anaBody.length, `ana${w} `);
      typeInto(benBody, 0, `ben${w} `);
    }
    await Promise.all([anaClient.stored(), benClient.stored()]);
    await first.kill();
    const body = readFields(anaClient.doc).body;
    anaClient.destroy();
    benClient.destroy();

    const second = await startServer({ dataDir: first.dataDir });
    servers.push(second);
    const [carla] = await signInAll(second.baseUrl, ['carla']);
    expect((await getStory(second.baseUrl, carla.token, story.id)).body).toBe(body);
    expect(await creditedWords(second, carla.token, story.id)).toEqual({ Ana: 25, Ben: 25 });
  });
});
