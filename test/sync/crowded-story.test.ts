import { readFields, storyTypes } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, waitFor, type YClient } from '../helpers/yjs-client';

const PEOPLE = 90;

describe('a story with more people in it than one awareness frame used to allow', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ env: { MAX_CONNECTIONS_PER_USER: '200' } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it(`keeps all ${PEOPLE} stock clients connected: echoed awareness entries are skipped, not fatal`, async () => {
    const token = await login(server.baseUrl, 'vic');
    const story = await createStory(server.baseUrl, await login(server.baseUrl, 'ana'), {
      headline: 'Crowded',
    });
    const closes: number[] = [];
    const clients: YClient[] = [];
    for (let i = 0; i < PEOPLE; i++) {
      const client = connectClient(server.wsUrl, story.id, token);
      client.provider.on('connection-close', (event: CloseEvent | null) =>
        closes.push(event?.code ?? 0),
      );
      client.provider.awareness.setLocalStateField('field', 'synopsis');
      clients.push(client);
      await client.synced();
    }
    const last = clients.at(-1) as YClient;
    await expect
      .poll(() => last.provider.awareness.getStates().size, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(PEOPLE);

    const editor = connectClient(server.wsUrl, story.id, await login(server.baseUrl, 'ben'));
    await editor.synced();
    storyTypes(editor.doc).synopsis.insert(0, 'seen by everyone');
    await waitFor(
      clients.map((c) => c.doc),
      () => clients.every((c) => readFields(c.doc).synopsis === 'seen by everyone'),
      20_000,
    );
    expect(closes).toEqual([]);
    for (const c of [...clients, editor]) c.destroy();
  });
});
