import { CloseCode, MessageType, readFields, storyTypes } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory, getStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, waitFor, type YClient } from '../helpers/yjs-client';
import { insertUpdate, openRaw, readUpdateLog, roundTrip, syncUpdateFrame } from './helpers';

const FRAME = 64 * 1024;
const STORY = 256 * 1024;

/**
 * Each limit closes only the connection that broke it, with the shared close code, while a
 * well-behaved client on the same story keeps editing.
 */
describe('sync limits', () => {
  let server: RunningServer;
  let ana: string;
  let vic: string;
  let storyId: string;
  let ben: YClient;
  let carla: YClient;
  let round = 0;

  /** The well-behaved pair: Ben types, Carla sees it. */
  const stillEditing = async () => {
    const text = ` [edit ${++round}]`;
    const synopsis = storyTypes(ben.doc).synopsis;
    synopsis.insert(synopsis.length, text);
    await waitFor(carla.doc, () => readFields(carla.doc).synopsis.endsWith(text));
    expect((await getStory(server.baseUrl, vic, storyId)).synopsis.endsWith(text)).toBe(true);
  };

  beforeAll(async () => {
    server = await startServer({
      env: {
        MAX_FRAME_BYTES: String(FRAME),
        MAX_STORY_BYTES: String(STORY),
        SYNC_MESSAGES_PER_SECOND: '20',
        SYNC_MESSAGE_BURST: '40',
        MAX_CONNECTIONS_PER_USER: '3',
      },
    });
    ana = await login(server.baseUrl, 'ana');
    vic = await login(server.baseUrl, 'vic');
    storyId = (await createStory(server.baseUrl, ana, { headline: 'Limits' })).id;
    ben = connectClient(server.wsUrl, storyId, await login(server.baseUrl, 'ben'));
    carla = connectClient(server.wsUrl, storyId, await login(server.baseUrl, 'carla'));
    await Promise.all([ben.synced(), carla.synced()]);
  });
  afterAll(async () => {
    ben.destroy();
    carla.destroy();
    await server.stop();
  });

  it('MAX_FRAME_BYTES: a larger frame closes its sender with 4413', async () => {
    const socket = openRaw(server, storyId, ana);
    await socket.opened;
    const log = readUpdateLog(server, storyId);
    socket.send(syncUpdateFrame(insertUpdate('body', 'x'.repeat(FRAME + 10))));
    expect((await socket.closed).code).toBe(CloseCode.tooLarge);
    expect(readUpdateLog(server, storyId)).toEqual(log);
    await stillEditing();
  });

  it('MAX_STORY_BYTES: an update that would grow the story past it closes its sender with 4413 and is not stored', async () => {
    const socket = openRaw(server, storyId, ana);
    await socket.opened;
    const before = readUpdateLog(server, storyId).length;
    const chunk = 'y'.repeat(60_000);
    for (let i = 0; i < 4; i++) socket.send(syncUpdateFrame(insertUpdate('body', chunk)));
    await roundTrip(socket);
    // All four are stored (a burst from one sender may be stored as fewer, merged rows).
    const stored = readUpdateLog(server, storyId).length;
    expect(stored).toBeGreaterThan(before);
    expect((await getStory(server.baseUrl, vic, storyId)).body.length).toBe(4 * 60_000);
    socket.send(syncUpdateFrame(insertUpdate('body', chunk)));
    const closed = await socket.closed;
    expect(closed.code).toBe(CloseCode.tooLarge);
    expect(readUpdateLog(server, storyId).length).toBe(stored);
    expect((await getStory(server.baseUrl, vic, storyId)).body.length).toBe(4 * 60_000);
    await stillEditing();
  });

  it('SYNC_MESSAGES_PER_SECOND: a flood closes its sender with 4429', async () => {
    const socket = openRaw(server, storyId, ana);
    await socket.opened;
    for (let i = 0; i < 200; i++) socket.send(new Uint8Array([MessageType.queryAwareness]));
    const closed = await socket.closed;
    expect(closed.code).toBe(CloseCode.rateLimited);
    await stillEditing();
  });

  it('MAX_CONNECTIONS_PER_USER: the connection over the limit is refused with 4429', async () => {
    const open = [];
    for (let i = 0; i < 3; i++) {
      const socket = openRaw(server, storyId, vic);
      await socket.opened;
      await roundTrip(socket);
      open.push(socket);
    }
    const extra = openRaw(server, storyId, vic);
    expect((await extra.closed).code).toBe(CloseCode.rateLimited);
    for (const socket of open) expect(socket.isOpen()).toBe(true);
    await stillEditing();

    // Closing one frees a place.
    open[0]?.close();
    await open[0]?.closed;
    let code = 0;
    for (let attempt = 0; attempt < 50; attempt++) {
      const again = openRaw(server, storyId, vic);
      const result = await Promise.race([
        again.closed.then((c) => c.code),
        again.opened
          .then(() => roundTrip(again))
          .then(
            () => 0,
            () => -1,
          ),
      ]);
      code = result === -1 ? (await again.closed).code : result;
      if (code === 0) {
        again.close();
        break;
      }
    }
    expect(code).toBe(0);
    for (const socket of open) socket.close();
  });
});
