import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { readFields, SYNC_PATH, storyTypes } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, waitFor } from '../helpers/yjs-client';
import { logEntries, openRaw, roundTrip, syncUpdateFrame } from './helpers';

const BUFFER = 256 * 1024;

/** Opens a WebSocket by hand on a plain TCP socket and then stops reading from it. */
const openStalled = (server: RunningServer, storyId: string, token: string) =>
  new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let head = '';
    socket.on('error', reject);
    socket.on('data', function onData(chunk: Buffer) {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause(); // never read again: the server's frames pile up
      if (!head.startsWith('HTTP/1.1 101')) reject(new Error(head.split('\r\n')[0]));
      else resolve(socket);
    });
    socket.write(
      [
        `GET ${SYNC_PATH}/${storyId}?token=${encodeURIComponent(token)} HTTP/1.1`,
        `Host: 127.0.0.1:${server.port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        '',
        '',
      ].join('\r\n'),
    );
  });

/** MAX_BUFFERED_BYTES: a connection that stops reading is dropped; the others carry on. */
describe('slow consumers', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({
      env: {
        MAX_BUFFERED_BYTES: String(BUFFER),
        MAX_STORY_BYTES: String(BUFFER),
        MAX_FRAME_BYTES: String(128 * 1024),
        SYNC_MESSAGES_PER_SECOND: '100000',
        SYNC_MESSAGE_BURST: '100000',
      },
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('drops a connection whose unsent backlog passes MAX_BUFFERED_BYTES', async () => {
    const ana = await login(server.baseUrl, 'ana');
    const story = await createStory(server.baseUrl, ana, { headline: 'Firehose' });
    const stalled = await openStalled(server, story.id, await login(server.baseUrl, 'vic'));
    const stalledClosed = new Promise<void>((resolve) => stalled.once('close', () => resolve()));
    const ben = connectClient(server.wsUrl, story.id, await login(server.baseUrl, 'ben'));
    const carla = connectClient(server.wsUrl, story.id, await login(server.baseUrl, 'carla'));
    await Promise.all([ben.synced(), carla.synced()]);

    // A writer pushes large insertions (each deleted again, so the story stays small).
    const writer = openRaw(server, story.id, ana);
    await writer.opened;
    const dropped = () =>
      logEntries(server).some((e) => String(e.msg).startsWith('dropped a slow'));
    const big = 'z'.repeat(100_000);
    let sent = 0;
    while (!dropped() && sent < 400) {
      const doc = new Y.Doc();
      const updates: Uint8Array[] = [];
      doc.on('update', (u: Uint8Array) => updates.push(u));
      doc.getText('body').insert(0, big);
      doc.getText('body').delete(0, big.length);
      // The insertion in a turn of its own: in one turn with its deletion, the server would
      // store and relay the pair as one small update (a sender's turn is merged).
      const [insert, ...rest] = updates;
      if (insert) writer.send(syncUpdateFrame(insert));
      await roundTrip(writer);
      for (const u of rest) writer.send(syncUpdateFrame(u));
      doc.destroy();
      sent++;
    }
    await expect.poll(dropped, { timeout: 10_000 }).toBe(true);
    const entry = logEntries(server).find((e) => String(e.msg).startsWith('dropped a slow'));
    expect(entry).toMatchObject({ user: 'vic' });
    expect(Number(entry?.buffered)).toBeGreaterThan(BUFFER);

    // The stalled socket was cut off (it sees the end once it reads again).
    stalled.resume();
    await stalledClosed;

    // Everyone else is fine: the writer is still connected and Ben's edits reach Carla.
    expect(writer.isOpen()).toBe(true);
    storyTypes(ben.doc).synopsis.insert(0, 'Still here.');
    await waitFor(carla.doc, () => readFields(carla.doc).synopsis === 'Still here.');
    expect(readFields(carla.doc).body).toBe('');
    writer.close();
    ben.destroy();
    carla.destroy();
  });
});
