import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, type YClient } from '../helpers/yjs-client';
import { awarenessFrame, openRaw } from './helpers';

interface SeenUser {
  id: string;
  name: string;
  color: string;
  role: string;
}

type SeenState = { user?: SeenUser; field?: string | null } | undefined;

/** Resolves once `client`'s awareness shows `clientId` in a state that matches. */
const waitForAwareness = (
  client: YClient,
  clientId: number,
  match: (state: SeenState) => boolean,
): Promise<void> =>
  new Promise((resolve, reject) => {
    const awareness = client.provider.awareness;
    const check = () => {
      if (!match(awareness.getStates().get(clientId) as SeenState)) return;
      awareness.off('change', check);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      awareness.off('change', check);
      reject(new Error(`awareness of ${clientId} never matched`));
    }, 10_000);
    awareness.on('change', check);
    check();
  });

/** Awareness cannot lie: identities come from accounts, clientIDs belong to one connection. */
describe('awareness', () => {
  let server: RunningServer;
  let ana: string;
  let ben: string;
  let carla: string;
  let storyId: string;

  beforeAll(async () => {
    server = await startServer();
    [ana, ben, carla] = await Promise.all([
      login(server.baseUrl, 'ana'),
      login(server.baseUrl, 'ben'),
      login(server.baseUrl, 'carla'),
    ]);
    storyId = (await createStory(server.baseUrl, ana, { headline: 'Who is here' })).id;
  });
  afterAll(async () => {
    await server.stop();
  });

  it("replaces a claimed name, colour and role with the sender's account", async () => {
    const watcher = connectClient(server.wsUrl, storyId, carla);
    await watcher.synced();
    const spoofer = openRaw(server, storyId, ana);
    await spoofer.opened;
    spoofer.send(
      awarenessFrame([
        {
          clientId: 424242,
          clock: 1,
          state: {
            user: { id: 'u_carla', name: 'Carla (Desk chief)', color: '#000000', role: 'chief' },
            field: 'headline',
          },
        },
      ]),
    );
    await waitForAwareness(watcher, 424242, (s) => s?.field === 'headline');
    const seen = watcher.provider.awareness.getStates().get(424242) as SeenState;
    expect(seen?.user).toMatchObject({ name: 'Ana', role: 'editor' });
    expect(seen?.user?.color).not.toBe('#000000');
    expect(seen?.user?.id).toMatch(/^u_/);
    expect(seen?.user?.id).not.toBe('u_carla');
    spoofer.close();
    watcher.destroy();
  });

  it("refuses awareness for another connection's clientID (no impersonation, no removal)", async () => {
    const victim = connectClient(server.wsUrl, storyId, ben);
    const watcher = connectClient(server.wsUrl, storyId, carla);
    await Promise.all([victim.synced(), watcher.synced()]);
    victim.provider.awareness.setLocalStateField('field', 'synopsis');
    const benId = victim.doc.clientID;
    await waitForAwareness(
      watcher,
      benId,
      (s) => s?.field === 'synopsis' && s.user?.name === 'Ben',
    );

    const spoofer = openRaw(server, storyId, ana);
    await spoofer.opened;
    const clock = 1_000_000; // far ahead of Ben's real clock, so it would win if accepted
    spoofer.send(
      awarenessFrame([{ clientId: benId, clock, state: { field: 'body', user: { name: 'Ben' } } }]),
    );
    spoofer.send(awarenessFrame([{ clientId: benId, clock: clock + 1, state: null }]));
    // Then something legitimate from the spoofer: once the watcher sees it, the spoofs were handled.
    spoofer.send(awarenessFrame([{ clientId: 777001, clock: 1, state: { field: 'takeaway:0' } }]));
    await waitForAwareness(watcher, 777001, (s) => s?.field === 'takeaway:0');

    const benSeen = watcher.provider.awareness.getStates().get(benId) as SeenState;
    expect(benSeen?.field).toBe('synopsis');
    expect(benSeen?.user?.name).toBe('Ben');
    expect((watcher.provider.awareness.getStates().get(777001) as SeenState)?.user?.name).toBe(
      'Ana',
    );
    spoofer.close();
    victim.destroy();
    watcher.destroy();
  });
});
