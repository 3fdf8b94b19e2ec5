import type { PublicUser } from '@copydesk/shared';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLogger } from '../logger';
import { type AwarenessEntry, decodeAwarenessUpdate } from './awareness-filter';
import { decodeClientMessage } from './messages';
import { type PresenceMember, RoomAwareness } from './room-awareness';
import { fixtureUser } from './test-fixtures';

const ana = fixtureUser();
const ben = fixtureUser({ id: 'u_ben', username: 'ben', displayName: 'Ben' });

/** A connection that keeps the awareness entries it is sent, and can wait for the next ones. */
class Member implements PresenceMember {
  readonly clientIds = new Set<number>();
  readonly received: AwarenessEntry[][] = [];
  private waiting: (() => void) | null = null;
  constructor(public user: PublicUser) {}
  send(frame: Uint8Array): void {
    const message = decodeClientMessage(frame);
    if (message.type !== 'awareness') throw new Error(`unexpected ${message.type}`);
    this.received.push(decodeAwarenessUpdate(message.update));
    this.waiting?.();
  }
  /** The entries of the next message this member is sent. */
  next(): Promise<AwarenessEntry[]> {
    const index = this.received.length;
    return new Promise((resolve) => {
      this.waiting = () => {
        const entries = this.received[index];
        if (!entries) return;
        this.waiting = null;
        resolve(entries);
      };
    });
  }
}

describe('RoomAwareness', () => {
  const doc = new Y.Doc();
  const members = new Set<Member>();
  const published: AwarenessEntry[][] = [];
  let presence: RoomAwareness | null = null;
  const start = () => {
    presence = new RoomAwareness(doc, {
      storyId: 'st_presence',
      logger: createLogger('silent'),
      connections: members,
      publish: (update) => published.push(decodeAwarenessUpdate(update)),
    });
    return presence;
  };
  const join = (user: PublicUser) => {
    const member = new Member(user);
    members.add(member);
    return member;
  };
  /** Ana (clientID 11, caret at 3) and Ben in the story, once Ben has been sent Ana. */
  const anaSeenByBen = async () => {
    const room = start();
    const anaTab = join(ana);
    const benTab = join(ben);
    room.applyClient(anaTab, [{ clientId: 11, clock: 1, state: { cursor: 3 } }]);
    await benTab.next();
    return { room, anaTab, benTab };
  };
  afterEach(() => {
    presence?.destroy();
    members.clear();
    published.length = 0;
  });

  it('stamps every state with its account and sends a crowd’s changes as one message', async () => {
    const room = start();
    const anaTab = join(ana);
    const benTab = join(ben);
    const next = benTab.next();
    // Ana claims to be Ben; her second tab joins in the same window.
    room.applyClient(anaTab, [
      {
        clientId: 11,
        clock: 1,
        state: {
          user: {
            id: 'u_ben',
            username: 'ben',
            name: 'Ben',
            color: '#000000',
            colorLight: '#00000033',
            role: 'chief',
          },
          cursor: 3,
        },
      },
      { clientId: 12, clock: 1, state: { cursor: 7 } },
    ]);
    room.applyClient(benTab, [{ clientId: 21, clock: 1, state: { cursor: 1 } }]);

    const entries = await next;
    expect(entries.map((e) => e.clientId).sort()).toEqual([11, 12, 21]);
    const byId = new Map(entries.map((e) => [e.clientId, e.state]));
    expect(byId.get(11)).toMatchObject({
      cursor: 3,
      user: { id: 'u_ana', name: 'Ana', role: 'editor' },
    });
    expect(byId.get(21)).toMatchObject({ user: { id: 'u_ben' } });
    expect(anaTab.received).toHaveLength(1);
    // This instance's clients go to the other instances too.
    expect(
      published
        .flat()
        .map((e) => e.clientId)
        .sort(),
    ).toEqual([11, 12, 21]);
  });

  it('keeps a clientID with its connection: another account cannot take it over, a reconnect can', async () => {
    const { room, anaTab, benTab } = await anaSeenByBen();

    room.applyClient(benTab, [{ clientId: 11, clock: 5, state: { cursor: 99 } }]);
    expect(room.awareness.getStates().get(11)).toMatchObject({ cursor: 3, user: { id: 'u_ana' } });
    expect(benTab.clientIds.has(11)).toBe(false);

    // Ana's new socket, before the old one closed, with a newer clock.
    const anaAgain = join(ana);
    const moved = benTab.next();
    room.applyClient(anaAgain, [{ clientId: 11, clock: 2, state: { cursor: 4 } }]);
    expect((await moved).find((e) => e.clientId === 11)?.state).toMatchObject({ cursor: 4 });
    expect(anaTab.clientIds.has(11)).toBe(false);
    // The old socket closing no longer removes the state it handed over.
    room.leave(anaTab);
    expect(room.awareness.getStates().has(11)).toBe(true);
  });

  it('tells everyone at once when a connection leaves', async () => {
    const { room, anaTab, benTab } = await anaSeenByBen();

    members.delete(anaTab);
    const gone = benTab.next();
    room.leave(anaTab);
    // Same clock, no state: y-protocols removes a known client on that.
    expect(await gone).toEqual([{ clientId: 11, clock: 1, state: null }]);
    expect(room.snapshot()).toBeNull();
  });

  it('shows a renamed account on its open states', async () => {
    const { room, anaTab } = await anaSeenByBen();

    const renamed = { ...ana, displayName: 'Ana Lima' };
    anaTab.user = renamed;
    const next = anaTab.next();
    room.updateUser(anaTab, renamed);
    expect((await next)[0]?.state).toMatchObject({ cursor: 3, user: { name: 'Ana Lima' } });
  });
});
