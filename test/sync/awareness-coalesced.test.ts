import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, type YClient } from '../helpers/yjs-client';

const CROWD = 30;

/**
 * Carets and presence of a crowd: when many people move at once, each connection gets their
 * changes together (one message per ~50 ms), not one message per person — relaying them one by
 * one is O(people²) messages and what makes the peers' latency tail in a crowded story.
 */
describe('awareness in a crowded story', () => {
  let server: RunningServer;
  let token: string;
  const clients: YClient[] = [];

  beforeAll(async () => {
    server = await startServer({ env: { MAX_CONNECTIONS_PER_USER: '100' } });
    token = await login(server.baseUrl, 'ana');
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server.stop();
  });

  it('reaches everyone, grouped: thirty caret moves arrive in a few messages', async () => {
    const story = await createStory(server.baseUrl, token, { headline: 'Crowd' });
    for (let i = 0; i < CROWD + 1; i++) clients.push(connectClient(server.wsUrl, story.id, token));
    await Promise.all(clients.map((c) => c.synced()));
    const [observer, ...crowd] = clients as [YClient, ...YClient[]];
    const awareness = observer.provider.awareness;

    // Every state of the crowd (the server stamps name and colour; `caret` is ours).
    const caretsSeen = () =>
      crowd.filter((c) => {
        const state = awareness.getStates().get(c.doc.clientID) as { caret?: number } | undefined;
        return state?.caret === c.doc.clientID % 1000;
      }).length;
    let messages = 0;
    const allSeen = new Promise<void>((resolve) => {
      awareness.on('update', (_change: unknown, origin: unknown) => {
        if (origin === 'local') return;
        messages++;
        if (caretsSeen() === CROWD) resolve();
      });
    });
    for (const c of crowd) c.provider.awareness.setLocalStateField('caret', c.doc.clientID % 1000);
    await allSeen;

    expect(caretsSeen()).toBe(CROWD);
    expect(messages).toBeLessThanOrEqual(5);
  });
});
