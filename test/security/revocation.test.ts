import { CloseCode, type PublicUser, readFields } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createStory, getStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, waitFor } from '../helpers/yjs-client';
import {
  insertUpdate,
  openRaw,
  readUpdateLog,
  roundTrip,
  runUsers,
  syncUpdateFrame,
  waitForLog,
} from './helpers';

/**
 * Account changes made with `npm run users` (another process, same storage) reach open
 * connections within ACCOUNT_RECHECK_MS, and every HTTP request at once.
 */
describe('revoking access while connected', () => {
  let server: RunningServer;
  let carla: string;

  beforeAll(async () => {
    server = await startServer({ env: { ACCOUNT_RECHECK_MS: '250' } });
    carla = await login(server.baseUrl, 'carla');
  });
  afterAll(async () => {
    await server.stop();
  });

  it('disabling an account closes its open connections with 4401 and its token stops working', async () => {
    const ana = await login(server.baseUrl, 'ana');
    const story = await createStory(server.baseUrl, ana, { headline: 'Disable me' });
    const client = connectClient(server.wsUrl, story.id, ana);
    await client.synced();
    const closed = new Promise<number>((resolve) =>
      client.provider.on('connection-close', (e: CloseEvent | null) => resolve(e?.code ?? 0)),
    );
    const started = Date.now();
    const cli = await runUsers(server.dataDir, ['disable', 'ana']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(await closed).toBe(CloseCode.unauthenticated);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await api(server.baseUrl, ana, 'GET', '/api/me')).status).toBe(401);
    expect(
      (
        await api(server.baseUrl, null, 'POST', '/api/auth/login', {
          username: 'ana',
          password: 'copydesk',
        })
      ).status,
    ).toBe(401);
    // A new upgrade with the old token is refused too.
    expect((await openRaw(server, story.id, ana).closed).code).toBe(CloseCode.unauthenticated);
    client.destroy();
  });

  it('downgrading an editor to viewer makes its open connection read-only; upgrading restores it', async () => {
    const ben = await login(server.baseUrl, 'ben');
    const story = await createStory(server.baseUrl, ben, { headline: 'Role change' });
    const watcher = connectClient(server.wsUrl, story.id, carla);
    await watcher.synced();
    const socket = openRaw(server, story.id, ben);
    await socket.opened;

    expect((await runUsers(server.dataDir, ['set-role', 'ben', 'viewer'])).code).toBe(0);
    // HTTP re-checks the account on every request: at once.
    expect(((await api(server.baseUrl, ben, 'GET', '/api/me')).body as PublicUser).role).toBe(
      'viewer',
    );
    expect((await api(server.baseUrl, ben, 'POST', '/api/stories', { headline: 'x' })).status).toBe(
      403,
    );
    await waitForLog(
      server,
      (e) => e.msg === 'account changed on an open sync connection' && e.role === 'viewer',
    );
    const log = readUpdateLog(server, story.id);
    socket.send(syncUpdateFrame(insertUpdate('headline', 'AS VIEWER ')));
    await roundTrip(socket);
    expect(readUpdateLog(server, story.id)).toEqual(log);
    expect(socket.isOpen()).toBe(true); // downgraded, not disconnected

    expect((await runUsers(server.dataDir, ['set-role', 'ben', 'editor'])).code).toBe(0);
    await waitForLog(
      server,
      (e) => e.msg === 'account changed on an open sync connection' && e.role === 'editor',
    );
    socket.send(syncUpdateFrame(insertUpdate('synopsis', 'Editor again.')));
    await waitFor(watcher.doc, () => readFields(watcher.doc).synopsis === 'Editor again.');
    expect((await getStory(server.baseUrl, carla, story.id)).headline).toBe('Role change');
    socket.close();
    watcher.destroy();
  });

  it('a password change signs out every existing session, connected or not', async () => {
    const vic = await login(server.baseUrl, 'vic');
    const story = await createStory(server.baseUrl, carla, { headline: 'Password change' });
    const socket = openRaw(server, story.id, vic);
    await socket.opened;
    const cli = await runUsers(server.dataDir, ['set-password', 'vic', '--password-stdin'], {
      stdin: 'a-new-long-password\n',
    });
    expect(cli.code, cli.stderr).toBe(0);
    expect((await socket.closed).code).toBe(CloseCode.unauthenticated);
    expect((await api(server.baseUrl, vic, 'GET', '/api/me')).status).toBe(401);
    const fresh = await api(server.baseUrl, null, 'POST', '/api/auth/login', {
      username: 'vic',
      password: 'a-new-long-password',
    });
    expect(fresh.status).toBe(200);
  });
});
