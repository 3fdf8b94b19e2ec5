import {
  type AttributionResponse,
  type RestoreResponse,
  readFields,
  type StoryFields,
  storyTypes,
  type VersionStoryView,
} from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createStory, getStory } from '../helpers/api';
import { connectClient, waitFor } from '../helpers/yjs-client';
import {
  type Account,
  historyApi,
  listVersions,
  ok,
  signIn,
  versionsMade,
} from './history-helpers';
import { type HistoryTestServer, startHistoryServer } from './history-server';

const WIRE = `Kremlin floats peace plan
Synopsis
Moscow proposed a three-stage plan. Kyiv rejected it within hours.
Key Takeaways
- Stage one is a ceasefire along current lines.
- Stage two covers prisoner exchanges.
- Stage three would lift sanctions.
- Western capitals were not consulted.
Moscow, Dec 3 (NationPress) The plan was presented by the foreign ministry on Tuesday.
Diplomats in Brussels called it a non-starter.`;

const same = (fields: StoryFields) => (doc: Y.Doc) =>
  JSON.stringify(readFields(doc)) === JSON.stringify(fields);

describe('restoring a version', () => {
  let server: HistoryTestServer;
  let ana: Account;
  let ben: Account;
  let carla: Account;

  beforeAll(async () => {
    server = await startHistoryServer({ settleMs: 250 });
    ana = await signIn(server.baseUrl, 'ana');
    ben = await signIn(server.baseUrl, 'ben');
    carla = await signIn(server.baseUrl, 'carla');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('brings every field back exactly, live for open clients, as a new undoable edit', async () => {
    const story = await createStory(server.baseUrl, ana.token, { wire: WIRE });
    await versionsMade(server, story.id, 1);
    const anaClient = connectClient(server.wsUrl, story.id, ana.token);
    const benClient = connectClient(server.wsUrl, story.id, ben.token);
    await Promise.all([anaClient.synced(), benClient.synced()]);
    const original = readFields(anaClient.doc);
    expect(original.takeaways).toHaveLength(4);

    // Every field changes: text edits, meta, and takeaways edited, removed, moved and added.
    const a = storyTypes(anaClient.doc);
    anaClient.doc.transact(() => {
      a.headline.insert(a.headline.length, ' — Kyiv says no');
      a.synopsis.delete(0, 'Moscow proposed'.length);
      a.synopsis.insert(0, 'Russia unveiled');
      a.body.insert(a.body.length, '\nMarkets barely moved.');
      a.meta.set('dateline', 'Kyiv, Dec 4');
      a.meta.set('source', 'Wire');
      a.meta.set('byline', 'Ana Editor');
      (a.takeaways.get(0) as Y.Text).insert(0, 'First: ');
      a.takeaways.delete(1, 1);
      const moved = (a.takeaways.get(2) as Y.Text).toString();
      a.takeaways.delete(2, 1);
      a.takeaways.insert(0, [new Y.Text(moved)]);
      a.takeaways.push([new Y.Text('Talks could resume in January.')]);
    });
    const edited = readFields(anaClient.doc);
    await waitFor(benClient.doc, () => same(edited)(benClient.doc));
    await versionsMade(server, story.id, 2);

    const restore = ok<RestoreResponse>(
      await historyApi(server, carla, 'POST', `/api/stories/${story.id}/versions/1/restore`, {}),
    );
    expect(restore.version).toMatchObject({
      number: 3,
      reason: 'restore',
      restoredFrom: { number: 1 },
    });
    expect(restore.version.createdBy?.displayName).toBe('Carla');
    expect(restore.version.summary).toBe('Carla restored version 1');
    const { status, createdAt, updatedAt, id, ...restoredFields } = restore.story;
    expect(restoredFields).toEqual(original);

    // Open clients see it live, and the stored story agrees.
    await waitFor(
      [anaClient.doc, benClient.doc],
      () => same(original)(anaClient.doc) && same(original)(benClient.doc),
    );
    expect(await getStory(server.baseUrl, ben.token, story.id)).toMatchObject(original);

    // The restore is a new version on top; history is untouched (version 2 still reads as edited).
    const versions = await listVersions(server, ben, story.id);
    expect(versions.map((v) => v.reason)).toEqual(['restore', 'auto', 'created']);
    const v2 = ok<VersionStoryView>(
      await historyApi(server, ben, 'GET', `/api/stories/${story.id}/versions/2`),
    );
    expect(v2.headline).toBe(edited.headline);
    expect(v2.takeaways).toEqual(edited.takeaways);

    // Minimal edits: untouched text keeps its author; only re-inserted text is Carla's.
    const who = ok<AttributionResponse>(
      await historyApi(server, ben, 'GET', `/api/stories/${story.id}/attribution`),
    );
    expect(who.fields.body).toEqual([{ text: original.body, userId: ana.user.id }]);
    // Ana had replaced "Moscow proposed" by "Russia unveiled": the words come back as Carla's,
    // the blank between them was never touched.
    expect(who.fields.synopsis).toEqual([
      { text: 'Moscow', userId: carla.user.id },
      { text: ' ', userId: ana.user.id },
      { text: 'proposed', userId: carla.user.id },
      { text: original.synopsis.slice('Moscow proposed'.length), userId: ana.user.id },
    ]);
    expect(who.fields.takeaways[0]).toEqual([{ text: original.takeaways[0], userId: ana.user.id }]);

    // Undo the restore by restoring version 2.
    ok<RestoreResponse>(
      await historyApi(server, carla, 'POST', `/api/stories/${story.id}/versions/2/restore`, {}),
    );
    await waitFor(
      [anaClient.doc, benClient.doc],
      () => same(edited)(anaClient.doc) && same(edited)(benClient.doc),
    );
    const again = await listVersions(server, ben, story.id);
    expect(again[0]).toMatchObject({ number: 4, reason: 'restore', restoredFrom: { number: 2 } });

    anaClient.destroy();
    benClient.destroy();
  });

  it('loses none of the edits others make after the restore, while they keep typing', async () => {
    const story = await createStory(server.baseUrl, ana.token, { wire: WIRE });
    await versionsMade(server, story.id, 1);
    const anaClient = connectClient(server.wsUrl, story.id, ana.token);
    const benClient = connectClient(server.wsUrl, story.id, ben.token);
    await Promise.all([anaClient.synced(), benClient.synced()]);
    // Ana changes the headline after version 1; the restore will take it back.
    storyTypes(anaClient.doc).headline.insert(0, 'UPDATE: ');
    await waitFor(benClient.doc, () => readFields(benClient.doc).headline.startsWith('UPDATE: '));

    // Ben types into the body and a takeaway, one word per event-loop turn, before, during and
    // after the restore; Ana types in the synopsis once the restore reached her.
    const body = storyTypes(benClient.doc).body;
    const takeaway = storyTypes(benClient.doc).takeaways.get(1) as Y.Text;
    let restoredSeen = false;
    const afterRestore: string[] = [];
    let i = 0;
    const typeOne = () => {
      const word = ` b${i++}`;
      if (restoredSeen) afterRestore.push(word);
      benClient.doc.transact(() => {
        body.insert(body.length, word);
        takeaway.insert(takeaway.length, word);
      });
    };
    benClient.doc.on('update', (_u: Uint8Array, origin: unknown) => {
      if (origin === benClient.provider && !readFields(benClient.doc).headline.startsWith('UPDATE'))
        restoredSeen = true;
    });
    const typing = (async () => {
      while (afterRestore.length < 25) {
        typeOne();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    })();
    const restoring = historyApi(
      server,
      carla,
      'POST',
      `/api/stories/${story.id}/versions/1/restore`,
      {},
    );
    await waitFor(anaClient.doc, () => !readFields(anaClient.doc).headline.startsWith('UPDATE'));
    const synopsis = storyTypes(anaClient.doc).synopsis;
    synopsis.insert(synopsis.length, ' Ana adds a line after the restore.');
    ok<RestoreResponse>(await restoring);
    await typing;

    const allIn = (doc: Y.Doc) => {
      const f = readFields(doc);
      return (
        f.body.endsWith(afterRestore.join('')) &&
        (f.takeaways[1] ?? '').endsWith(afterRestore.join('')) &&
        f.synopsis.endsWith(' Ana adds a line after the restore.')
      );
    };
    await waitFor(
      [anaClient.doc, benClient.doc],
      () => allIn(anaClient.doc) && allIn(benClient.doc),
    );
    expect(readFields(anaClient.doc)).toEqual(readFields(benClient.doc));
    // The restore itself took effect: the headline is version 1's.
    expect(readFields(anaClient.doc).headline).toBe('Kremlin floats peace plan');
    // What the server stored agrees (a fresh client loads it).
    const fresh = connectClient(server.wsUrl, story.id, carla.token);
    await fresh.synced();
    await waitFor(fresh.doc, () => allIn(fresh.doc));
    expect(afterRestore).toHaveLength(25);
    expect(i).toBeGreaterThan(25); // Ben was typing before and while the restore happened too
    fresh.destroy();
    anaClient.destroy();
    benClient.destroy();
  });
});
