import {
  type AttributionResponse,
  type AttributionRun,
  readFields,
  storyTypes,
} from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createStory } from '../helpers/api';
import { connectClient, waitFor } from '../helpers/yjs-client';
import { type Account, historyApi, ok, signIn, versionsMade } from './history-helpers';
import { type HistoryTestServer, startHistoryServer } from './history-server';

/** "text|user" pieces, for readable comparisons. */
const pieces = (runs: AttributionRun[], names: Record<string, string>): string[] =>
  runs.map((r) => `${r.text}|${r.userId ? names[r.userId] : '?'}`);

describe('who wrote what', () => {
  let server: HistoryTestServer;
  let ana: Account;
  let ben: Account;
  let carla: Account;

  beforeAll(async () => {
    server = await startHistoryServer({ settleMs: 200 });
    ana = await signIn(server.baseUrl, 'ana');
    ben = await signIn(server.baseUrl, 'ben');
    carla = await signIn(server.baseUrl, 'carla');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('names the account that sent each character, whatever a client claims in awareness', async () => {
    const names = { [ana.user.id]: 'ana', [ben.user.id]: 'ben', [carla.user.id]: 'carla' };
    const story = await createStory(server.baseUrl, ana.token, { headline: 'Bridge reopens' });
    await versionsMade(server, story.id, 1);
    const clients = {
      ana: connectClient(server.wsUrl, story.id, ana.token),
      ben: connectClient(server.wsUrl, story.id, ben.token),
      carla: connectClient(server.wsUrl, story.id, carla.token),
    };
    await Promise.all(Object.values(clients).map((c) => c.synced()));
    const docs = Object.values(clients).map((c) => c.doc);
    const converged = (check: (f: ReturnType<typeof readFields>) => boolean) =>
      waitFor(docs, () => docs.every((d) => check(readFields(d))));

    // Ben pretends to be Ana in awareness (id, name and colour).
    clients.ben.provider.awareness.setLocalStateField('user', {
      id: ana.user.id,
      name: 'Ana',
      color: ana.user.color,
    });
    // The server replaced the claim: others see Ben as Ben.
    const benClientId = clients.ben.doc.clientID;
    await new Promise<void>((resolve) => {
      const check = () => {
        const state = clients.ana.provider.awareness.getStates().get(benClientId) as
          | { user?: { id: string } }
          | undefined;
        if (state?.user?.id !== ben.user.id) return;
        clients.ana.provider.awareness.off('change', check);
        resolve();
      };
      clients.ana.provider.awareness.on('change', check);
      check();
    });

    const s = (name: keyof typeof clients) => storyTypes(clients[name].doc);
    s('ana').synopsis.insert(0, 'The bridge opened at dawn.');
    await converged((f) => f.synopsis === 'The bridge opened at dawn.');
    s('ben').synopsis.insert('The bridge'.length, ' over the river');
    await converged((f) => f.synopsis.includes('river'));
    s('carla').synopsis.insert(s('carla').synopsis.length, ' Traffic is light.');
    s('ben').body.insert(0, 'Engineers checked the cables overnight.');
    s('carla').meta.set('dateline', 'Porto, May 2');
    s('ana').takeaways.push([new Y.Text('Open to cars and bikes.')]);
    await converged((f) => f.takeaways.length === 1 && f.dateline !== '' && f.body !== '');
    (s('ben').takeaways.get(0) as Y.Text).insert('Open to cars'.length, ', buses');
    s('carla').headline.delete(0, 'Bridge'.length);
    s('carla').headline.insert(0, 'Old bridge');
    await converged(
      (f) => f.takeaways[0]?.includes('buses') === true && f.headline.startsWith('Old'),
    );

    const now = ok<AttributionResponse>(
      await historyApi(server, ben, 'GET', `/api/stories/${story.id}/attribution`),
    );
    expect(now.at.kind).toBe('current');
    expect(pieces(now.fields.synopsis, names)).toEqual([
      'The bridge|ana',
      ' over the river|ben',
      ' opened at dawn.|ana',
      ' Traffic is light.|carla',
    ]);
    expect(pieces(now.fields.body, names)).toEqual(['Engineers checked the cables overnight.|ben']);
    expect(pieces(now.fields.dateline, names)).toEqual(['Porto, May 2|carla']);
    expect(pieces(now.fields.headline, names)).toEqual(['Old bridge|carla', ' reopens|ana']);
    expect(now.fields.takeaways.map((t) => pieces(t, names))).toEqual([
      ['Open to cars|ana', ', buses|ben', ' and bikes.|ana'],
    ]);
    expect(now.fields.source).toEqual([]);
    // Users come from the accounts, with their colours.
    expect(now.users[ben.user.id]).toEqual({
      id: ben.user.id,
      displayName: 'Ben',
      color: ben.user.color,
    });

    // At version 1 only Ana's headline existed.
    const v1 = ok<AttributionResponse>(
      await historyApi(server, carla, 'GET', `/api/stories/${story.id}/attribution?version=1`),
    );
    expect(v1.at).toMatchObject({ kind: 'version', version: { number: 1 } });
    expect(pieces(v1.fields.headline, names)).toEqual(['Bridge reopens|ana']);
    expect(v1.fields.synopsis).toEqual([]);

    for (const c of Object.values(clients)) c.destroy();
  });
});
