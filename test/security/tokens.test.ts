import { CloseCode, type LoginResponse } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import {
  decodeJwt,
  logEntries,
  openRaw,
  roundTrip,
  signJwt,
  TEST_SECRET,
  waitForLog,
} from './helpers';

const now = () => Math.floor(Date.now() / 1000);

/**
 * Tokens: short-lived, signed, checked at the upgrade before the story is loaded; expiry
 * enforced on open connections too; renewable with POST /api/auth/refresh within a session.
 */
describe('session tokens', () => {
  let server: RunningServer;
  let anaToken: string;
  /** A valid token's claims, as a template for forged ones. */
  let claims: Record<string, unknown>;

  beforeAll(async () => {
    server = await startServer({
      env: { AUTH_SECRET: TEST_SECRET, STORY_UNLOAD_AFTER_MS: '0', ACCOUNT_RECHECK_MS: '200' },
    });
    anaToken = await login(server.baseUrl, 'ana');
    claims = decodeJwt(anaToken);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('issues HS256 tokens with expiry, audience, session and password version', async () => {
    const [header] = anaToken.split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toMatchObject({
      alg: 'HS256',
    });
    expect(claims).toMatchObject({ iss: 'copydesk', aud: 'copydesk', role: 'editor' });
    expect(claims.exp).toBe((claims.iat as number) + 8 * 3600);
    expect(typeof claims.sid).toBe('string');
    expect(typeof claims.pwv).toBe('string');
    const res = await api(server.baseUrl, null, 'POST', '/api/auth/login', {
      username: 'ana',
      password: 'copydesk',
    });
    expect(Date.parse((res.body as LoginResponse).expiresAt)).toBeGreaterThan(Date.now());
  });

  it('refuses expired, tampered, alg:none and foreign tokens at the upgrade (4401) without loading the story', async () => {
    const story = await createStory(server.baseUrl, anaToken, { headline: 'Not for you' });
    const loaded = () =>
      logEntries(server).filter((e) => e.msg === 'story loaded' && e.storyId === story.id).length;
    // Creating the story read it once; with STORY_UNLOAD_AFTER_MS=0 it is unloaded right after.
    await waitForLog(server, (e) => e.msg === 'story unloaded' && e.storyId === story.id);
    const loadsBefore = loaded();

    const [head, body, sig] = anaToken.split('.') as [string, string, string];
    const tamperedBody = Buffer.from(
      JSON.stringify({ ...claims, role: 'chief', sub: 'u_someone_else' }),
    ).toString('base64url');
    const flipped = `${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    const bad: Record<string, string> = {
      expired: signJwt({ ...claims, iat: now() - 7200, exp: now() - 60 }),
      tamperedPayload: `${head}.${tamperedBody}.${sig}`,
      tamperedSignature: `${head}.${body}.${flipped}`,
      algNone: signJwt({ ...claims }, { alg: 'none' }),
      algNoneNoDot: signJwt({ ...claims }, { alg: 'none' }).slice(0, -1),
      foreignSecret: signJwt({ ...claims }, { secret: 'another-secret-another-secret-123456' }),
      wrongAudience: signJwt({ ...claims, aud: 'other-app' }),
      noExpiry: signJwt({ ...claims, exp: undefined }),
      garbage: 'not.a.token',
      huge: `${head}.${'A'.repeat(10_000)}.${sig}`,
    };
    for (const [name, token] of Object.entries(bad)) {
      const socket = openRaw(server, story.id, token);
      const closed = await socket.closed;
      expect(closed.code, name).toBe(CloseCode.unauthenticated);
      const me = await api(server.baseUrl, token, 'GET', '/api/me');
      expect(me.status, name).toBe(401);
    }
    // The same upgrade without a token, and with the cookie carrying a bad token.
    expect((await openRaw(server, story.id, null).closed).code).toBe(CloseCode.unauthenticated);
    const cookied = openRaw(server, story.id, null, {
      headers: { cookie: `copydesk_session=${bad.expired}` },
    });
    expect((await cookied.closed).code).toBe(CloseCode.unauthenticated);

    // A valid token does load it. Log lines arrive in order, so once this load is logged any
    // load (or open connection) caused by the refused attempts would have been logged before.
    const ok = openRaw(server, story.id, anaToken);
    await ok.opened;
    await roundTrip(ok);
    await expect.poll(loaded).toBe(loadsBefore + 1);
    const opened = () =>
      logEntries(server).filter((e) => e.msg === 'sync connection open' && e.storyId === story.id);
    await expect.poll(() => opened().length).toBe(1);
    expect(loaded()).toBe(loadsBefore + 1);
    ok.close();
  });

  it('closes an open connection with 4401 when its token expires', async () => {
    const story = await createStory(server.baseUrl, anaToken, { headline: 'Short session' });
    const token = signJwt({ ...claims, sid: 'short-session', iat: now(), exp: now() + 2 });
    const socket = openRaw(server, story.id, token);
    await socket.opened;
    const closed = await socket.closed;
    expect(closed.code).toBe(CloseCode.unauthenticated);
    expect(closed.reason).toBe('session expired');
  });

  it('POST /api/auth/refresh renews the session and keeps its open connections alive', async () => {
    const story = await createStory(server.baseUrl, anaToken, { headline: 'Long session' });
    const renewed = signJwt({ ...claims, sid: 'renewed', iat: now(), exp: now() + 2 });
    const lapsing = signJwt({ ...claims, sid: 'lapsing', iat: now(), exp: now() + 3 });
    const keep = openRaw(server, story.id, renewed);
    const lose = openRaw(server, story.id, lapsing);
    await Promise.all([keep.opened, lose.opened]);

    const res = await api(server.baseUrl, renewed, 'POST', '/api/auth/refresh', {});
    expect(res.status).toBe(200);
    const fresh = res.body as LoginResponse;
    expect(decodeJwt(fresh.token)).toMatchObject({ sid: 'renewed', sub: claims.sub });
    expect(decodeJwt(fresh.token).exp).toBeGreaterThan(now() + 3600);
    expect(res.headers.get('set-cookie')).toMatch(/^copydesk_session=.*HttpOnly/i);
    expect((await api(server.baseUrl, fresh.token, 'GET', '/api/me')).status).toBe(200);

    // The session that was not renewed expires later than the renewed one would have...
    expect((await lose.closed).code).toBe(CloseCode.unauthenticated);
    // ...while the renewed one lives on.
    expect(keep.isOpen()).toBe(true);
    await roundTrip(keep);
    keep.close();
  });

  it('refuses to renew an expired token or a session older than SESSION_MAX_SECONDS', async () => {
    const expired = signJwt({ ...claims, iat: now() - 100, exp: now() - 10 });
    expect((await api(server.baseUrl, expired, 'POST', '/api/auth/refresh', {})).status).toBe(401);
    const old = signJwt({ ...claims, auth_time: now() - 25 * 3600, iat: now(), exp: now() + 60 });
    const res = await api(server.baseUrl, old, 'POST', '/api/auth/refresh', {});
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: 'unauthenticated' } });
  });
});
