import {
  type ActivityEntry,
  type DeskActivityResponse,
  type LatestActivityResponse,
  type StoryActivityResponse,
  storyTypes,
} from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { ActivityLiveEvent } from '../../server/src/activity';
import { api, createStory } from '../helpers/api';
import { type FeatureServer, startFeatureServer } from './feature-server';
import { connectAcked, EventLog, type Session, signIn, signInAll, typeInto } from './helpers';

const WIRE = `Kremlin floats peace plan
Synopsis
Moscow proposed talks.
Key Takeaways
- Talks first.
- Sanctions later.
- Troops stay.
Moscow, Dec 3 (NationPress) Officials said so.`;

describe('activity feed from the server record', () => {
  let server: FeatureServer;
  let ana: Session;
  let ben: Session;
  let carla: Session;
  let vic: Session;
  const live = new EventLog<ActivityLiveEvent>();

  beforeAll(async () => {
    server = await startFeatureServer();
    [ana, ben, carla, vic] = await signInAll(server.baseUrl, ['ana', 'ben', 'carla', 'vic']);
    server.activity.subscribe(live.push);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const feed = async (storyId: string, token = ana.token): Promise<ActivityEntry[]> => {
    const res = await api(server.baseUrl, token, 'GET', `/api/stories/${storyId}/activity`);
    expect(res.status).toBe(200);
    return (res.body as StoryActivityResponse).entries;
  };

  it('names the authenticated account even when the client forges its awareness name', async () => {
    const story = await createStory(server.baseUrl, ana.token, { headline: 'Forgery test' });
    const client = connectAcked(server.wsUrl, story.id, ben.token);
    await client.synced();
    // Ben's client claims to be Carla.
    client.provider.awareness.setLocalStateField('user', {
      id: carla.user.id,
      name: 'Carla',
      color: '#000000',
      role: 'chief',
    });
    client.provider.awareness.setLocalStateField('field', 'synopsis');
    typeInto(storyTypes(client.doc).synopsis, 0, 'Written by Ben.');
    await client.stored();

    const entries = await feed(story.id);
    const edit = entries.find((e) => e.field === 'synopsis');
    expect(edit).toMatchObject({
      userId: ben.user.id,
      userName: 'Ben',
      userColor: ben.user.color,
      summary: 'Ben wrote the synopsis (+3 words)',
    });
    expect(entries.some((e) => e.userId === carla.user.id || e.summary.includes('Carla'))).toBe(
      false,
    );
    expect(entries.at(-1)).toMatchObject({
      kind: 'created',
      userId: ana.user.id,
      summary: 'Ana created the story',
    });
    client.destroy();
  });

  it('makes a burst of typing one entry, updated live as it goes on', async () => {
    const story = await createStory(server.baseUrl, ana.token, { headline: 'Burst test' });
    const client = connectAcked(server.wsUrl, story.id, ana.token);
    await client.synced();
    const synopsis = storyTypes(client.doc).synopsis;

    typeInto(synopsis, 0, 'Talks begin in Genva');
    const first = await live.waitFor(
      (e) =>
        e.type === 'activity:new' && e.entry.storyId === story.id && e.entry.field === 'synopsis',
    );
    expect(first.entry).toMatchObject({ userId: ana.user.id, userName: 'Ana', open: true });

    // Fix the typo and go on typing: still the same entry.
    synopsis.delete(15, 5);
    typeInto(synopsis, 15, 'Geneva on Monday, officials say.');
    await client.stored();
    const entries = (await feed(story.id)).filter((e) => e.field === 'synopsis');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      id: first.entry.id,
      kind: 'set',
      wordsAdded: 8,
      wordsRemoved: 0,
      summary: 'Ana wrote the synopsis (+8 words)',
    });
    const last = await live.waitFor(
      (e) => e.entry.id === first.entry.id && e.entry.wordsAdded === 8,
    );
    expect(last.type).toBe('activity:updated');
    expect(
      live.events.filter((e) => e.type === 'activity:new' && e.entry.id === first.entry.id),
    ).toHaveLength(1);
    client.destroy();
  });

  it('describes takeaways added, moved and removed and workflow moves in plain words', async () => {
    const story = await createStory(server.baseUrl, ana.token, { wire: WIRE });
    const a = connectAcked(server.wsUrl, story.id, ana.token);
    const b = connectAcked(server.wsUrl, story.id, ben.token);
    const c = connectAcked(server.wsUrl, story.id, carla.token);
    await Promise.all([a.synced(), b.synced(), c.synced()]);

    storyTypes(a.doc).takeaways.push([new Y.Text('Ceasefire by spring.')]);
    await a.stored();
    const takeaways = storyTypes(c.doc).takeaways;
    await expect.poll(() => takeaways.length).toBe(4);
    // Moving is delete + insert of a new Y.Text in one transaction (docs/PROTOCOL.md).
    c.doc.transact(() => {
      const text = takeaways.get(1).toString();
      takeaways.delete(1, 1);
      takeaways.insert(0, [new Y.Text(text)]);
    });
    await c.stored();
    await expect
      .poll(() => storyTypes(b.doc).takeaways.get(0)?.toString())
      .toBe('Sanctions later.');
    storyTypes(b.doc).takeaways.delete(2, 1);
    await b.stored();
    storyTypes(c.doc).headline.insert(0, 'EXCLUSIVE: ');
    await c.stored();

    const move = async (session: Session, status: string) => {
      const res = await api(
        server.baseUrl,
        session.token,
        'POST',
        `/api/stories/${story.id}/status`,
        {
          status,
        },
      );
      expect(res.status).toBe(200);
    };
    await move(ana, 'in_review');
    await move(carla, 'approved');

    const entries = await feed(story.id, vic.token);
    const sentences = entries.map((e) => e.summary);
    expect(sentences).toEqual([
      'Carla approved the story',
      'Ana sent the story for review',
      'Carla changed the headline',
      'Ben removed takeaway 3',
      'Carla moved takeaway 2 to 1',
      'Ana added takeaway 4 (+3 words)',
      'Ana created the story',
    ]);
    expect(entries[0]).toMatchObject({
      field: 'status',
      kind: 'status',
      fromStatus: 'in_review',
      toStatus: 'approved',
      userName: 'Carla',
      userColor: carla.user.color,
    });
    expect(entries.find((e) => e.kind === 'moved')).toMatchObject({
      field: 'takeaway',
      fromTakeawayIndex: 1,
      takeawayIndex: 0,
    });
    await live.waitFor((e) => e.entry.storyId === story.id && e.entry.kind === 'status');
    for (const client of [a, b, c]) client.destroy();
  });

  it('serves the desk-wide feed since a time and the newest entry per story', async () => {
    const before = await api(server.baseUrl, carla.token, 'GET', '/api/activity');
    expect(before.status).toBe(200);
    const { serverTime } = before.body as DeskActivityResponse;

    const one = await createStory(server.baseUrl, ben.token, { headline: 'Desk one' });
    const two = await createStory(server.baseUrl, ana.token, { headline: 'Desk two' });
    const client = connectAcked(server.wsUrl, two.id, ana.token);
    await client.synced();
    typeInto(storyTypes(client.doc).body, 0, 'Body text here.');
    await client.stored();

    const since = await api(
      server.baseUrl,
      carla.token,
      'GET',
      `/api/activity?since=${encodeURIComponent(serverTime)}`,
    );
    expect(since.status).toBe(200);
    const entries = (since.body as DeskActivityResponse).entries;
    expect(entries.map((e) => [e.storyId, e.summary])).toEqual([
      [two.id, 'Ana wrote the body (+3 words)'],
      [two.id, 'Ana created the story'],
      [one.id, 'Ben created the story'],
    ]);

    const latest = await api(server.baseUrl, vic.token, 'GET', '/api/activity/latest');
    expect(latest.status).toBe(200);
    const stories = (latest.body as LatestActivityResponse).stories;
    expect(stories[two.id]?.summary).toBe('Ana wrote the body (+3 words)');
    expect(stories[one.id]?.summary).toBe('Ben created the story');
    client.destroy();
  });

  it('answers 401 without a token, 404 for unknown stories and 400 for bad queries', async () => {
    const story = await createStory(server.baseUrl, ana.token, { headline: 'Errors' });
    expect(
      (await api(server.baseUrl, null, 'GET', `/api/stories/${story.id}/activity`)).status,
    ).toBe(401);
    expect((await api(server.baseUrl, null, 'GET', '/api/activity')).status).toBe(401);
    expect(
      (await api(server.baseUrl, ana.token, 'GET', '/api/stories/no-such-story-id/activity'))
        .status,
    ).toBe(404);
    expect(
      (await api(server.baseUrl, ana.token, 'GET', '/api/activity?since=yesterday')).status,
    ).toBe(400);
    expect((await api(server.baseUrl, ana.token, 'GET', '/api/activity?limit=0')).status).toBe(400);
    // Login still works with our routers mounted in front of the API.
    expect((await signIn(server.baseUrl, 'ben')).user.username).toBe('ben');
  });
});
