import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloseCode } from '@copydesk/shared';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Copydesk, openStorage, startCopydesk } from '../../server/src/app';
import type { Storage } from '../../server/src/storage/storage';
import { api, createStory, login } from '../helpers/api';
import { REPO_ROOT } from '../helpers/server';
import { decodeJwt, isSyncStep1, openRaw, roundTrip, signJwt, TEST_SECRET } from './helpers';

const now = () => Math.floor(Date.now() / 1000);

type HeldMethod = 'getStory' | 'findAccountById';

/** The next `count` calls of a storage method for `id` wait for `release()`. */
interface Hold {
  method: HeldMethod;
  id: string;
  count: number;
  waiting: number;
  reachedAll: () => void;
  released: Promise<void>;
}
let hold: Hold | null = null;

const holdNext = (method: HeldMethod, id: string, count: number) => {
  let reachedAll = () => {};
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    reachedAll = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  hold = { method, id, count, waiting: 0, reachedAll, released };
  return { held, release };
};

const withHolds = (storage: Storage): Storage =>
  new Proxy(storage, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== 'getStory' && prop !== 'findAccountById') return value;
      return async (id: string) => {
        const current = hold;
        const mine = current?.method === prop && current.id === id;
        if (current && mine && current.waiting < current.count) {
          current.waiting += 1;
          if (current.waiting === current.count) current.reachedAll();
          await current.released;
        }
        return prop === 'getStory' ? target.getStory(id) : target.findAccountById(id);
      };
    },
  });

/**
 * A client renews its session while one of its connections is still being accepted: its
 * token being checked, or its story loading. The renewal must reach that connection too, or
 * it is closed with 4401 at the old expiry although the client did everything right. CI
 * caught this as a flaky tokens test; here storage holds the socket at each step, so the
 * order is certain.
 */
describe('a session refreshed while a connection is being accepted', () => {
  let copydesk: Copydesk;
  let dataDir: string;
  let baseUrl: string;
  let server: { wsUrl: string };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-refresh-'));
    const logger = pino({ level: 'silent' });
    copydesk = await startCopydesk({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      authSecret: TEST_SECRET,
      production: false,
      logger,
      clientDist: path.join(REPO_ROOT, 'client/dist'),
      storage: withHolds(openStorage({ dataDir, logger })),
      security: { accountRecheckMs: 100 },
    });
    baseUrl = `http://127.0.0.1:${copydesk.port}`;
    server = { wsUrl: `ws://127.0.0.1:${copydesk.port}` };
  });

  afterAll(async () => {
    await copydesk.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Each case signs in as its own user, so the other case's connections never match. */
  const renewWhileHeld = async (method: HeldMethod, username: string) => {
    const token = await login(baseUrl, username);
    const claims = decodeJwt(token);
    const story = await createStory(baseUrl, token, { headline: `Held at ${method}` });

    const heldId = method === 'getStory' ? story.id : String(claims.sub);
    const { held, release } = holdNext(method, heldId, 2);
    const sid = `${username}-${method}`;
    const renewed = signJwt({ ...claims, sid: `${sid}-renewed`, iat: now(), exp: now() + 2 });
    const lapsing = signJwt({ ...claims, sid: `${sid}-lapsing`, iat: now(), exp: now() + 3 });
    const keep = openRaw(server, story.id, renewed);
    const lose = openRaw(server, story.id, lapsing);
    // Both sockets are upgraded and held inside the server: neither is a sync connection yet.
    await held;
    expect(keep.messages).toHaveLength(0);

    const res = await api(baseUrl, renewed, 'POST', '/api/auth/refresh', {});
    expect(res.status).toBe(200);
    hold = null;
    release();
    await keep.next(isSyncStep1);

    // The one not renewed is closed at its expiry, a second after the renewed one's old expiry...
    expect((await lose.closed).code).toBe(CloseCode.unauthenticated);
    // ...and the renewed one is still open and synced.
    expect(keep.isOpen()).toBe(true);
    await roundTrip(keep);
    keep.close();
  };

  it('keeps a connection renewed while its story was loading', () =>
    renewWhileHeld('getStory', 'ana'));

  it('keeps a connection renewed while its token was being checked', () =>
    renewWhileHeld('findAccountById', 'ben'));
});
