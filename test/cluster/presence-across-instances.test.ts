import {
  DESK_SOCKET_PATH,
  DESK_TRANSPORTS,
  type DeskClientToServerEvents,
  type DeskServerToClientEvents,
  type PresenceChange,
  type PresenceSnapshot,
} from '@copydesk/shared';
import { io, type Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { clusterForSuite, twoInstances } from '../helpers/cluster';

type DeskSocket = Socket<DeskServerToClientEvents, DeskClientToServerEvents>;

/** A desk client that keeps the latest presence per user id. */
const deskClient = (baseUrl: string, token: string) => {
  const online = new Map<string, { storyIds: (string | null)[]; fields: (string | null)[] }>();
  const socket: DeskSocket = io(baseUrl, {
    path: DESK_SOCKET_PATH,
    transports: [...DESK_TRANSPORTS],
    auth: { token },
    reconnection: false,
  });
  const apply = (userId: string, presence: PresenceChange['presence']) => {
    if (!presence) online.delete(userId);
    else
      online.set(userId, {
        storyIds: presence.sessions.map((s) => s.storyId),
        fields: presence.sessions.map((s) => s.field),
      });
  };
  socket.on('presence:snapshot', (snapshot: PresenceSnapshot) => {
    online.clear();
    for (const u of snapshot.users) apply(u.user.id, u);
  });
  socket.on('presence:changed', (change) => apply(change.userId, change.presence));
  return { socket, online };
};

describe('presence across instances', () => {
  const cluster = clusterForSuite();

  it('a user on one instance is seen on the other, and vanishes when that instance is killed', async () => {
    const [a, b] = twoInstances(cluster());
    const anaToken = await login(a.baseUrl, 'ana');
    const story = await createStory(a.baseUrl, anaToken, { headline: 'Presence' });
    const anaId = (
      (await await fetch(`${a.baseUrl}/api/me`, {
        headers: { authorization: `Bearer ${anaToken}` },
      }).then((r) => r.json())) as { id: string }
    ).id;

    const ben = deskClient(b.baseUrl, await login(b.baseUrl, 'ben'));
    const ana = deskClient(a.baseUrl, anaToken);
    await new Promise<void>((resolve) => ana.socket.on('connect', () => resolve()));
    ana.socket.emit('presence:update', {
      storyId: story.id,
      field: 'takeaway:2',
      activity: 'typing',
    });

    await expect
      .poll(() => ben.online.get(anaId)?.fields, { timeout: 10_000 })
      .toEqual(['takeaway:2']);
    expect(ben.online.get(anaId)?.storyIds).toEqual([story.id]);

    // Instance A dies without a goodbye: its users expire (TTL 2 s here, 20 s by default).
    await a.kill();
    await expect.poll(() => ben.online.has(anaId), { timeout: 15_000 }).toBe(false);
    ben.socket.close();
    ana.socket.close();
  });
});
