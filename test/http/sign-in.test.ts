import type { LoginResponse } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';

describe('signing in', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('returns a token, the user and an HttpOnly SameSite=Strict cookie for a demo account', async () => {
    const res = await api(server.baseUrl, null, 'POST', '/api/auth/login', {
      username: 'carla',
      password: 'copydesk',
    });
    expect(res.status).toBe(200);
    const body = res.body as LoginResponse;
    expect(body.user).toMatchObject({ username: 'carla', displayName: 'Carla', role: 'chief' });
    expect(body.token.split('.')).toHaveLength(3);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^copydesk_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);

    const me = await api(server.baseUrl, body.token, 'GET', '/api/me');
    expect(me.body).toEqual(body.user);
    // The cookie alone works too.
    const viaCookie = await fetch(`${server.baseUrl}/api/me`, {
      headers: { cookie: cookie.split(';')[0] ?? '' },
    });
    expect(await viaCookie.json()).toEqual(body.user);
  });

  it('answers 401 for a wrong password, an unknown user and a missing token', async () => {
    for (const creds of [
      { username: 'ana', password: 'wrong' },
      { username: 'nobody', password: 'copydesk' },
    ]) {
      const res = await api(server.baseUrl, null, 'POST', '/api/auth/login', creds);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: { code: 'invalid_credentials' } });
    }
    for (const route of ['/api/me', '/api/stories']) {
      const res = await api(server.baseUrl, null, 'GET', route);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: { code: 'unauthenticated' } });
    }
    // The password never reaches the log.
    expect(server.logs.join('\n')).not.toContain('wrong');
  });

  it('stores passwords as scrypt hashes, never in clear', async () => {
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(`${server.dataDir}/copydesk.sqlite`, { readonly: true });
    const rows = db.prepare('SELECT password_hash FROM accounts').all() as {
      password_hash: string;
    }[];
    db.close();
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row.password_hash).toMatch(/^scrypt\$/);
      expect(row.password_hash).not.toContain('copydesk');
    }
  });

  it('serves health and readiness', async () => {
    expect((await api(server.baseUrl, null, 'GET', '/healthz')).status).toBe(200);
    const ready = await api(server.baseUrl, null, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ ok: true, storage: 'sqlite' });
  });
});
