import { readFields, storyTypes } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, waitFor } from '../helpers/yjs-client';

/**
 * Minimal, deterministic reproduction of what the set workload and the random-convergence test
 * found: a stock y-websocket client that edited offline and types again the moment its socket
 * opens sends that incremental update before its sync step 2 (the offline history). The server
 * must not treat this as malformed: stock y-websocket gives up for good on any 44xx close.
 */
describe('typing while reconnecting', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.kill();
  });

  it('a client typing the moment it reconnects is not closed with 4400 and its edits arrive', async () => {
    const anaToken = await login(server.baseUrl, 'ana');
    const benToken = await login(server.baseUrl, 'ben');
    const story = await createStory(server.baseUrl, anaToken, { headline: 'Reconnect typing' });
    const ana = connectClient(server.wsUrl, story.id, anaToken);
    const ben = connectClient(server.wsUrl, story.id, benToken);
    await Promise.all([ana.synced(), ben.synced()]);
    const closes: number[] = [];
    ana.provider.on('connection-close', (e: CloseEvent | null) => closes.push(e?.code ?? 0));
    const body = storyTypes(ana.doc).body;

    ana.provider.disconnect();
    body.insert(0, 'offline ');
    ana.provider.on('status', ({ status }: { status: string }) => {
      if (status === 'connected' && !body.toString().includes('online')) {
        body.insert(body.length, 'online ');
      }
    });
    ana.provider.connect();
    await waitFor(ben.doc, () => readFields(ben.doc).body === 'offline online ', 5_000).catch(
      () => undefined,
    );
    expect(closes).not.toContain(4400);
    expect(readFields(ben.doc).body).toBe('offline online ');
    ana.destroy();
    ben.destroy();
  });
});
