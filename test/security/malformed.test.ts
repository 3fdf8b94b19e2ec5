import { CloseCode, readFields, SYNC_PATH, storyTypes } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { api, createStory, getStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, waitFor, type YClient } from '../helpers/yjs-client';
import {
  openRaw,
  readUpdateLog,
  storedState,
  syncStep1Frame,
  syncStep2Frame,
  syncUpdateFrame,
} from './helpers';
import { hostileUpdates } from './hostile';

/** Every bad frame must be answered with 4400 within this bound (generous for a busy CI box). */
const BOUND_MS = 3_000;

/**
 * Malformed input closes the sender with 4400 within a time bound, stores nothing, and the
 * server keeps serving everyone else.
 */
describe('malformed sync input', () => {
  let server: RunningServer;
  let ana: string;
  let storyId: string;
  let ben: YClient;
  let carla: YClient;
  let log: Buffer[];
  let state: Uint8Array;

  beforeAll(async () => {
    server = await startServer({
      env: { SYNC_MESSAGES_PER_SECOND: '10000', SYNC_MESSAGE_BURST: '10000' },
    });
    ana = await login(server.baseUrl, 'ana');
    storyId = (await createStory(server.baseUrl, ana, { headline: 'Target' })).id;
    ben = connectClient(server.wsUrl, storyId, await login(server.baseUrl, 'ben'));
    carla = connectClient(server.wsUrl, storyId, await login(server.baseUrl, 'carla'));
    await Promise.all([ben.synced(), carla.synced()]);
    storyTypes(ben.doc).body.insert(0, 'Stored before the attack.');
    await waitFor(carla.doc, () => readFields(carla.doc).body === 'Stored before the attack.');
    log = readUpdateLog(server, storyId);
    state = storedState(server, storyId);
  });
  afterAll(async () => {
    ben.destroy();
    carla.destroy();
    await server.stop();
  });

  /** Opens a fresh editor connection, sends `frame`, and returns how and when it was closed. */
  const refuse = async (frame: Uint8Array | string) => {
    const socket = openRaw(server, storyId, ana);
    await socket.opened;
    const sentAt = performance.now();
    socket.send(frame);
    const closed = await socket.closed;
    return { code: closed.code, ms: performance.now() - sentAt };
  };

  const frames: Record<string, Uint8Array | string> = {
    'text frame': 'hello',
    'empty frame': new Uint8Array(0),
    garbage: new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff, 0xff]),
    'unknown message type': new Uint8Array([7, 1, 2, 3]),
    'auth message (server-only)': new Uint8Array([2, 0]),
    'stored message (server-only)': new Uint8Array([100, 1, 0]),
    'unknown sync message': new Uint8Array([0, 9, 1, 0]),
    'truncated sync frame': new Uint8Array([0, 2, 50, 1, 2, 3]),
    'sync length field beyond the frame': new Uint8Array([0, 2, 0xff, 0xff, 0xff, 0xff, 0x0f, 1]),
    'two messages in one frame': new Uint8Array([3, 3]),
    'bad state vector': syncStep1Frame(new Uint8Array([0xff, 0xff, 0xff, 0x7f])),
    'awareness garbage': new Uint8Array([1, 4, 1, 2, 3, 4]),
    'awareness with a huge count': new Uint8Array([1, 5, 0xff, 0xff, 0xff, 0xff, 0x0f]),
    'awareness with invalid JSON': new Uint8Array([1, 6, 1, 9, 1, 2, 0x7b, 0x7b]),
  };

  it('closes garbage, truncated, empty, text and unknown frames with 4400', async () => {
    for (const [name, frame] of Object.entries(frames)) {
      const { code, ms } = await refuse(frame);
      expect(code, name).toBe(CloseCode.malformed);
      expect(ms, name).toBeLessThan(BOUND_MS);
    }
  });

  it('closes hostile Yjs updates with 4400, as sync step 2 and as update', async () => {
    const timings: Record<string, number> = {};
    for (const [name, update] of Object.entries(hostileUpdates())) {
      for (const frame of [syncUpdateFrame(update), syncStep2Frame(update)]) {
        const { code, ms } = await refuse(frame);
        expect(code, name).toBe(CloseCode.malformed);
        expect(ms, name).toBeLessThan(BOUND_MS);
        timings[name] = Math.max(timings[name] ?? 0, Math.round(ms));
      }
    }
    console.log('slowest 4400 per hostile update (ms):', JSON.stringify(timings));
  });

  it('survives a URL that does not decode and ids outside the pattern', async () => {
    for (const id of ['%E0%A4%A', '..%2F..%2Fetc%2Fpasswd', 'x'.repeat(200), "a'--"]) {
      const ws = new WebSocket(
        `${server.wsUrl}${SYNC_PATH}/${id}?token=${encodeURIComponent(ana)}`,
      );
      const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
      expect(code, id).toBe(CloseCode.unknownStory);
    }
    expect((await api(server.baseUrl, null, 'GET', '/healthz')).status).toBe(200);
  });

  it('stored nothing, and keeps serving the well-behaved clients', async () => {
    expect(readUpdateLog(server, storyId)).toEqual(log);
    expect(storedState(server, storyId)).toEqual(state);
    expect((await getStory(server.baseUrl, ana, storyId)).body).toBe('Stored before the attack.');
    expect(ben.provider.wsconnected && carla.provider.wsconnected).toBe(true);
    storyTypes(carla.doc).synopsis.insert(0, 'Carla after the attack.');
    await waitFor(ben.doc, () => readFields(ben.doc).synopsis === 'Carla after the attack.');
    const late = connectClient(server.wsUrl, storyId, ana);
    await late.synced();
    expect(readFields(late.doc)).toEqual(readFields(ben.doc));
    late.destroy();
  });
});
