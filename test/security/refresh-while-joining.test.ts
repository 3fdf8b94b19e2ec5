import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloseCode } from '@copydesk/shared';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Copydesk, openStorage, startCopydesk } from '../../server/src/app';
import type { Storage } from '../../server/src/storage/storage';
import { api, createStory, login } from '../helpers/api';
import { REPO_ROOT } from '../helpers/server';
import { decodeJwt, isSyncStep1, openRaw, roundTrip, signJwt, TEST_SECRET } from './helpers';

const now = () => Math.floor(Date.now() / 1000);

/**
 * A client renews its session while one of its connections is still being accepted (the
 * story is loading). The renewal must reach that connection too, or it is closed with 4401
 * at the old expiry although the client did everything right. CI caught this as a flaky
 * tokens test; here the story load is held open so the order is certain.
 */
let copydesk: Copydesk;
let dataDir: string;
/** getStory for this story waits for `release` while set. */
let gate: { storyId: string; entered: () => void; release: Promise<void> } | null = null;

const gated = (storage: Storage): Storage =>
  new Proxy(storage, {
    get(target, prop, receiver) {
      if (prop !== 'getStory') return Reflect.get(target, prop, receiver);
      return async (storyId: string) => {
        const held = gate;
        if (held && held.storyId === storyId) {
          held.entered();
          await held.release;
        }
        return target.getStory(storyId);
      };
    },
  });

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
    storage: gated(openStorage({ dataDir, logger })),
    security: { accountRecheckMs: 100 },
  });
});

afterAll(async () => {
  await copydesk.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('a refresh while the story is still loading keeps that connection alive', async () => {
  const server = {
    baseUrl: `http://127.0.0.1:${copydesk.port}`,
    wsUrl: `ws://127.0.0.1:${copydesk.port}`,
  };
  const anaToken = await login(server.baseUrl, 'ana');
  const claims = decodeJwt(anaToken);
  const story = await createStory(server.baseUrl, anaToken, { headline: 'Joining' });

  let release = () => {};
  let entered = () => {};
  const bothWaiting = new Promise<void>((resolve) => {
    let n = 0;
    entered = () => {
      n += 1;
      if (n === 2) resolve();
    };
  });
  gate = {
    storyId: story.id,
    entered: () => entered(),
    release: new Promise((r) => {
      release = r;
    }),
  };

  const renewed = signJwt({ ...claims, sid: 'renewed-joining', iat: now(), exp: now() + 2 });
  const lapsing = signJwt({ ...claims, sid: 'lapsing-joining', iat: now(), exp: now() + 3 });
  const keep = openRaw(server, story.id, renewed);
  const lose = openRaw(server, story.id, lapsing);
  // Both are authenticated and waiting for the story: neither is a sync connection yet.
  await bothWaiting;
  expect(keep.messages).toHaveLength(0);

  const res = await api(server.baseUrl, renewed, 'POST', '/api/auth/refresh', {});
  expect(res.status).toBe(200);
  gate = null;
  release();
  await keep.next(isSyncStep1);

  // The one not renewed is closed at its expiry, a second after the renewed one's old expiry...
  expect((await lose.closed).code).toBe(CloseCode.unauthenticated);
  // ...and the renewed one is still open and synced.
  expect(keep.isOpen()).toBe(true);
  await roundTrip(keep);
  keep.close();
});
