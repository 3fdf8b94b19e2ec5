import {
  type ChangedSince,
  type ChangesSinceSeenResponse,
  type DeskChangesResponse,
  readFields,
  type StoryFields,
  storyTypes,
  type VersionListResponse,
  type VersionStoryView,
  type VersionSummary,
} from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { api, createStory } from '../helpers/api';
import { connectClient, waitFor } from '../helpers/yjs-client';
import { type Account, historyApi, ok, signIn, versionsMade } from './history-helpers';
import { type HistoryTestServer, startHistoryServer } from './history-server';

const WIRE = `Storm hits coast
Synopsis
A storm hit the coast.
Key Takeaways
- Winds reached 120 km/h.
- Thousands without power.
Lisbon, Dec 3 (Agency) Officials said the storm would pass by evening.`;

const fieldsOf = (v: VersionStoryView): StoryFields => ({
  headline: v.headline,
  synopsis: v.synopsis,
  takeaways: v.takeaways,
  body: v.body,
  dateline: v.dateline,
  source: v.source,
  byline: v.byline,
});

describe('versions of a story after a scripted two-editor session', () => {
  let server: HistoryTestServer;
  let ana: Account;
  let ben: Account;
  let carla: Account;
  let vic: Account;

  beforeAll(async () => {
    server = await startHistoryServer({ settleMs: 250 });
    ana = await signIn(server.baseUrl, 'ana');
    ben = await signIn(server.baseUrl, 'ben');
    carla = await signIn(server.baseUrl, 'carla');
    vic = await signIn(server.baseUrl, 'vic');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('lists every version with reason, authors, times and summary, and rebuilds each exactly', async () => {
    const story = await createStory(server.baseUrl, ana.token, { wire: WIRE });
    await versionsMade(server, story.id, 1);
    const anaClient = connectClient(server.wsUrl, story.id, ana.token);
    const benClient = connectClient(server.wsUrl, story.id, ben.token);
    await Promise.all([anaClient.synced(), benClient.synced()]);
    const expected: StoryFields[] = [readFields(anaClient.doc)];

    // Burst 1 (Ana): extends the synopsis, adds a takeaway.
    const a = storyTypes(anaClient.doc);
    const anaStart = Date.now();
    a.synopsis.insert(a.synopsis.length, ' Ana adds context.');
    a.takeaways.push([new Y.Text('Schools stay closed on Tuesday.')]);
    await waitFor(benClient.doc, () => readFields(benClient.doc).takeaways.length === 3);
    const anaEnd = Date.now();
    await versionsMade(server, story.id, 2);
    expected.push(readFields(anaClient.doc));

    // Burst 2 (Ben): rewrites the headline, extends the body, removes a takeaway.
    const b = storyTypes(benClient.doc);
    const benStart = Date.now();
    benClient.doc.transact(() => {
      b.headline.delete(0, 'Storm'.length);
      b.headline.insert(0, 'Hurricane');
    });
    b.body.insert(b.body.length, ' Power should be back by Friday.');
    b.takeaways.delete(1, 1);
    await waitFor(anaClient.doc, () => readFields(anaClient.doc).takeaways.length === 2);
    const benEnd = Date.now();
    await versionsMade(server, story.id, 3);
    expected.push(readFields(benClient.doc));

    // A status move (Carla) and a named version (Ana) make versions without text changes.
    const moved = await api(
      server.baseUrl,
      carla.token,
      'POST',
      `/api/stories/${story.id}/status`,
      {
        status: 'in_review',
      },
    );
    expect(moved.status).toBe(200);
    await versionsMade(server, story.id, 4);
    const named = ok<VersionSummary>(
      await historyApi(server, ana, 'POST', `/api/stories/${story.id}/versions`, {
        name: 'Sent to legal',
      }),
      201,
    );
    expect(named).toMatchObject({ number: 5, reason: 'named', name: 'Sent to legal' });
    expect(named.createdBy?.displayName).toBe('Ana');

    const list = ok<VersionListResponse>(
      await historyApi(server, vic, 'GET', `/api/stories/${story.id}/versions`),
    );
    expect(list.head.unversionedUpdates).toBe(0);
    const versions = [...list.versions].reverse(); // oldest first
    expect(versions.map((v) => [v.number, v.reason])).toEqual([
      [1, 'created'],
      [2, 'auto'],
      [3, 'auto'],
      [4, 'status'],
      [5, 'named'],
    ]);
    const [v1, v2, v3, v4, v5] = versions as [
      VersionSummary,
      VersionSummary,
      VersionSummary,
      VersionSummary,
      VersionSummary,
    ];
    expect(v1.authors.map((u) => u.displayName)).toEqual(['Ana']);
    expect(v1.summary).toBe('Ana created the story');
    expect(v2.authors.map((u) => u.id)).toEqual([ana.user.id]);
    expect(v2.summary).toBe('Ana added to the synopsis (+3 words), added takeaway 3');
    expect(v3.authors.map((u) => u.id)).toEqual([ben.user.id]);
    expect(v3.summary).toBe(
      'Ben changed the headline, added to the body (+6 words), removed takeaway 2',
    );
    expect(v3.changes).toContainEqual(
      expect.objectContaining({ field: 'takeaways', action: 'removed', userId: ben.user.id }),
    );
    expect(v4).toMatchObject({ status: 'in_review', previousStatus: 'draft', authors: [] });
    expect(v4.createdBy?.id).toBe(carla.user.id);
    expect(v4.summary).toBe('Carla moved the story from Draft to In review');
    expect(v5.summary).toBe('No changes to the text');
    expect(v5.status).toBe('in_review');
    for (const v of versions) expect(v.authors.every((u) => u.color.startsWith('#'))).toBe(true);

    // Known edits at known times: each version's newest edit lies inside its burst.
    const at = (v: VersionSummary) => Date.parse(v.editedAt);
    expect(at(v2)).toBeGreaterThanOrEqual(anaStart);
    expect(at(v2)).toBeLessThanOrEqual(anaEnd);
    expect(at(v3)).toBeGreaterThanOrEqual(benStart);
    expect(at(v3)).toBeLessThanOrEqual(benEnd);
    expect(at(v4)).toBe(at(v3));
    expect(Date.parse(v4.createdAt)).toBeGreaterThanOrEqual(benEnd);

    // The story as it was at each version, rebuilt from storage.
    const expectedAt = [expected[0], expected[1], expected[2], expected[2], expected[2]];
    for (const [i, v] of versions.entries()) {
      const view = ok<VersionStoryView>(
        await historyApi(server, vic, 'GET', `/api/stories/${story.id}/versions/${v.id}`),
      );
      expect(fieldsOf(view)).toEqual(expectedAt[i]);
      expect(view.version.number).toBe(v.number);
      expect(view.status).toBe(i < 3 ? 'draft' : 'in_review');
    }
    expect(expected[0]).toMatchObject({ headline: 'Storm hits coast', dateline: 'Lisbon, Dec 3' });
    expect(expected[2]?.headline).toBe('Hurricane hits coast');

    anaClient.destroy();
    benClient.destroy();
  });

  it('guards the routes: sign-in, roles, unknown ids and bad parameters', async () => {
    const story = await createStory(server.baseUrl, ana.token, { headline: 'Guarded' });
    await versionsMade(server, story.id, 1);
    const base = `/api/stories/${story.id}`;
    expect((await historyApi(server, null, 'GET', `${base}/versions`)).status).toBe(401);
    expect((await historyApi(server, vic, 'POST', `${base}/versions`, { name: 'x' })).status).toBe(
      403,
    );
    expect((await historyApi(server, ana, 'POST', `${base}/versions`, { name: '' })).status).toBe(
      400,
    );
    expect(
      (await historyApi(server, ana, 'POST', `${base}/versions`, { name: 'x', extra: 1 })).status,
    ).toBe(400);
    expect((await historyApi(server, ben, 'POST', `${base}/versions/1/restore`, {})).status).toBe(
      403,
    );
    expect((await historyApi(server, vic, 'POST', `${base}/versions/1/restore`, {})).status).toBe(
      403,
    );
    // Like every state-changing /api call, restore needs a JSON body (CSRF guard): 415 without.
    expect((await historyApi(server, carla, 'POST', `${base}/versions/1/restore`)).status).toBe(
      415,
    );
    expect((await historyApi(server, ana, 'GET', `${base}/versions/99`)).status).toBe(404);
    expect((await historyApi(server, ana, 'GET', `${base}/versions/abc`)).status).toBe(404);
    expect((await historyApi(server, ana, 'GET', `${base}/versions/1/diff?against=x`)).status).toBe(
      400,
    );
    expect(
      (await historyApi(server, ana, 'GET', '/api/stories/nosuchstory1/versions')).status,
    ).toBe(404);
    expect((await historyApi(server, ana, 'GET', '/api/stories/bad!id/versions')).status).toBe(404);
    const error = await historyApi(server, ana, 'GET', `${base}/versions/99`);
    expect(error.body).toMatchObject({ error: { code: 'not_found' } });
  });

  it('tells each user what others changed since they last looked', async () => {
    const story = await createStory(server.baseUrl, ana.token, { headline: 'Seen test' });
    await versionsMade(server, story.id, 1);
    const base = `/api/stories/${story.id}`;
    // Never opened by Ben: Ana's creation counts as a change for him, not for Ana.
    const benDesk = ok<DeskChangesResponse>(
      await historyApi(server, ben, 'GET', '/api/history/changes'),
    );
    expect(benDesk.stories.find((s) => s.storyId === story.id)).toMatchObject({
      seenSeq: null,
      changed: true,
    });
    const anaDesk = ok<DeskChangesResponse>(
      await historyApi(server, ana, 'GET', '/api/history/changes'),
    );
    expect(anaDesk.stories.find((s) => s.storyId === story.id)?.changed).toBe(false);

    ok(await historyApi(server, ana, 'POST', `${base}/seen`, {}));
    ok(await historyApi(server, ben, 'POST', `${base}/seen`, {}));
    expect((await historyApi(server, ben, 'POST', `${base}/seen`, { seq: 1 })).status).toBe(400);

    const benClient = connectClient(server.wsUrl, story.id, ben.token);
    await benClient.synced();
    const synopsis = storyTypes(benClient.doc).synopsis;
    synopsis.insert(0, 'Ben wrote this.');
    const anaClient = connectClient(server.wsUrl, story.id, ana.token);
    await anaClient.synced();
    await waitFor(anaClient.doc, () => readFields(anaClient.doc).synopsis === 'Ben wrote this.');

    const changes = ok<ChangesSinceSeenResponse>(
      await historyApi(server, ana, 'GET', `${base}/changes`),
    );
    expect(changes.changed).toBe(true);
    expect(changes.authors.map((u) => u.displayName)).toEqual(['Ben']);
    expect(changes.diff?.fields.synopsis.runs).toEqual([
      { op: 'added', text: 'Ben wrote this.', userId: ben.user.id },
    ]);
    expect(changes.diff?.summary).toBe('Ben added to the synopsis (+3 words)');
    expect(changes.diff?.users[ben.user.id]?.displayName).toBe('Ben');
    // Ben's own edits are not news to Ben.
    const own = ok<ChangedSince>(await historyApi(server, ben, 'GET', `${base}/changes`));
    expect(own.changed).toBe(false);

    ok(await historyApi(server, ana, 'POST', `${base}/seen`, {}));
    const after = ok<ChangesSinceSeenResponse>(
      await historyApi(server, ana, 'GET', `${base}/changes`),
    );
    expect(after).toMatchObject({ changed: false, updates: 0, diff: null });
    anaClient.destroy();
    benClient.destroy();
  });
});
