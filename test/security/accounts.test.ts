import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PublicUser } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { logEntries, runUsers, TEST_SECRET } from './helpers';

const signIn = (server: RunningServer, username: string, password: string) =>
  api(server.baseUrl, null, 'POST', '/api/auth/login', { username, password });

const PRODUCTION = { NODE_ENV: 'production', AUTH_SECRET: TEST_SECRET };

/**
 * Accounts in production: AUTH_SECRET is required, no demo accounts are ever created, and
 * `npm run users -- add|list|set-role|set-password|disable|enable` manages the desk against the
 * storage of a running server.
 */
describe('production start', () => {
  it('refuses to start in production without a (long enough) AUTH_SECRET', async () => {
    await Promise.all([
      expect(
        startServer({ env: { NODE_ENV: 'production' }, unsetEnv: ['AUTH_SECRET'] }),
      ).rejects.toThrow(/exited \(78\)[\s\S]*AUTH_SECRET is required when NODE_ENV=production/),
      expect(
        startServer({ env: { NODE_ENV: 'production', AUTH_SECRET: 'too-short' } }),
      ).rejects.toThrow(/AUTH_SECRET must be at least 32 characters/),
    ]);
  });
});

describe('accounts in production', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-prod-'));
  let server: RunningServer;
  let danaToken = '';
  let eliToken = '';
  let eliPassword = '';

  beforeAll(async () => {
    server = await startServer({ dataDir, env: PRODUCTION });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('creates no demo accounts and no secret file', async () => {
    expect(logEntries(server).some((e) => String(e.msg).includes('demo accounts'))).toBe(false);
    expect((await signIn(server, 'ana', 'copydesk')).status).toBe(401);
    expect(JSON.parse((await runUsers(dataDir, ['list', '--json'])).stdout)).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'auth-secret'))).toBe(false);
  });

  it('adds accounts with a password from stdin or a generated one shown once', async () => {
    const [dana, eli] = await Promise.all([
      runUsers(
        dataDir,
        ['add', 'dana', '--role', 'chief', '--name', 'Dana Desk', '--password-stdin'],
        {
          stdin: 'correct horse battery\n',
        },
      ),
      runUsers(dataDir, ['add', 'eli', '--role', 'editor']),
    ]);
    expect(dana.code, dana.stderr).toBe(0);
    expect(dana.stdout).not.toContain('correct horse');
    expect(eli.code, eli.stderr).toBe(0);
    eliPassword = /shown once\): (\S+)/.exec(eli.stdout)?.[1] ?? '';
    expect(eliPassword.length).toBeGreaterThanOrEqual(16);

    const danaLogin = await signIn(server, 'dana', 'correct horse battery');
    expect(danaLogin.status).toBe(200);
    expect((danaLogin.body as { user: PublicUser }).user).toMatchObject({
      username: 'dana',
      displayName: 'Dana Desk',
      role: 'chief',
    });
    danaToken = (danaLogin.body as { token: string }).token;
    const eliLogin = await signIn(server, 'eli', eliPassword);
    expect(eliLogin.status).toBe(200);
    eliToken = (eliLogin.body as { token: string }).token;
  });

  it('refuses duplicates, unknown roles, bad usernames and short passwords', async () => {
    const [duplicate, badRole, badName, short] = await Promise.all([
      runUsers(dataDir, ['add', 'eli', '--role', 'editor']),
      runUsers(dataDir, ['add', 'fay', '--role', 'owner']),
      runUsers(dataDir, ['add', 'Fay Smith', '--role', 'editor']),
      runUsers(dataDir, ['add', 'fay', '--role', 'editor', '--password-stdin'], {
        stdin: 'short\n',
      }),
    ]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/already exists/);
    expect(badRole.code).toBe(2);
    expect(badName.code).toBe(2);
    expect(short.code).toBe(1);
    expect((await signIn(server, 'fay', 'short')).status).toBe(401);
  });

  it('set-role, disable and enable take effect on the running server', async () => {
    expect((await runUsers(dataDir, ['set-role', 'eli', 'viewer'])).code).toBe(0);
    expect(((await api(server.baseUrl, eliToken, 'GET', '/api/me')).body as PublicUser).role).toBe(
      'viewer',
    );
    expect((await runUsers(dataDir, ['disable', 'eli'])).code).toBe(0);
    expect((await api(server.baseUrl, eliToken, 'GET', '/api/me')).status).toBe(401);
    expect((await signIn(server, 'eli', eliPassword)).status).toBe(401);
    expect((await runUsers(dataDir, ['enable', 'eli'])).code).toBe(0);
    expect((await signIn(server, 'eli', eliPassword)).status).toBe(200);
  });

  it('set-password signs the old password and every old token out; list shows no secrets', async () => {
    const reset = await runUsers(dataDir, ['set-password', 'dana', '--password-stdin'], {
      stdin: 'another long passphrase\n',
    });
    expect(reset.code, reset.stderr).toBe(0);
    expect((await signIn(server, 'dana', 'correct horse battery')).status).toBe(401);
    expect((await signIn(server, 'dana', 'another long passphrase')).status).toBe(200);
    expect((await api(server.baseUrl, danaToken, 'GET', '/api/me')).status).toBe(401);

    const list = await runUsers(dataDir, ['list']);
    expect(list.stdout).toMatch(/dana\s+chief\s+active\s+Dana Desk/);
    expect(list.stdout).toMatch(/eli\s+viewer\s+active\s+Eli/);
    expect(list.stdout).not.toMatch(/scrypt|passphrase|battery/);
  });

  it('still creates no demo accounts after a restart, and keeps these', async () => {
    await server.stop();
    server = await startServer({ dataDir, env: PRODUCTION });
    expect((await signIn(server, 'ana', 'copydesk')).status).toBe(401);
    expect((await signIn(server, 'dana', 'another long passphrase')).status).toBe(200);
  });
});
