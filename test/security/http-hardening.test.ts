import { CloseCode } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { openRaw, roundTrip } from './helpers';

/**
 * HTTP and browser hardening: validated JSON bodies with clean errors, security headers and a
 * strict CSP, HttpOnly/SameSite=Strict/Secure cookies, no CORS, CSRF-safe state changes,
 * story ids checked on every route, and the sync socket closed to foreign origins.
 */
describe('HTTP hardening', () => {
  let server: RunningServer;
  let ana: string;
  let storyId: string;

  beforeAll(async () => {
    server = await startServer();
    ana = await login(server.baseUrl, 'ana');
    storyId = (await createStory(server.baseUrl, ana, { headline: 'Hardened' })).id;
  });
  afterAll(async () => {
    await server.stop();
  });

  const raw = (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    return fetch(`${server.baseUrl}${path}`, { ...init, headers });
  };

  /** An error answer: the documented shape and nothing else (no stack, no paths). */
  const expectError = async (res: Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    const text = await res.text();
    const body = JSON.parse(text) as unknown;
    expect(body).toEqual({ error: { code, message: expect.any(String) } });
    expect(text).not.toMatch(/\bat .*\(|node_modules|\/src\/|Error:/);
  };

  it('rejects malformed JSON bodies with 400/413 and the error shape, never a stack trace', async () => {
    const post = (body: string, type = 'application/json') =>
      raw('/api/stories', { method: 'POST', token: ana, body, headers: { 'content-type': type } });
    await expectError(await post('{"headline": "unterminated'), 400, 'bad_request');
    await expectError(await post('"just a string"'), 400, 'bad_request');
    await expectError(await post('[]'), 400, 'bad_request');
    await expectError(await post('{"headline": 42}'), 400, 'bad_request');
    await expectError(await post('{"headline": "ok", "status": "published"}'), 400, 'bad_request');
    await expectError(
      await post('{"__proto__": {"admin": true}, "headline": "x"}'),
      400,
      'bad_request',
    );
    await expectError(await post('{"headline": ""}'), 400, 'bad_request');
    await expectError(
      await post(JSON.stringify({ wire: 'x'.repeat(600 * 1024) })),
      413,
      'too_large',
    );
    await expectError(
      await raw('/api/auth/login', {
        method: 'POST',
        body: '{"username":"ana","password":"copydesk","remember":true}',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'bad_request',
    );
    await expectError(await raw('/api/nope', { token: ana }), 404, 'not_found');
  });

  it('requires Content-Type: application/json on state-changing routes (a form post cannot)', async () => {
    const cookie = `copydesk_session=${ana}`;
    const before = ((await api(server.baseUrl, ana, 'GET', '/api/stories')).body as unknown[])
      .length;
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', 'headline=Forged'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="headline"\r\n\r\nForged\r\n--x--',
      ],
      ['text/plain', '{"headline":"Forged"}'],
    ] as const) {
      const res = await raw('/api/stories', {
        method: 'POST',
        body,
        headers: { 'content-type': type, cookie, origin: 'https://evil.example' },
      });
      await expectError(res, 415, 'unsupported_media_type');
    }
    const status = await raw(`/api/stories/${storyId}/status`, {
      method: 'POST',
      body: 'status=in_review',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    });
    await expectError(status, 415, 'unsupported_media_type');
    const after = ((await api(server.baseUrl, ana, 'GET', '/api/stories')).body as unknown[])
      .length;
    expect(after).toBe(before);
    // The same request as JSON works (with the cookie alone).
    const ok = await raw('/api/stories', {
      method: 'POST',
      body: '{"headline":"Real"}',
      headers: { 'content-type': 'application/json; charset=utf-8', cookie },
    });
    expect(ok.status).toBe(201);
  });

  it('sends no CORS headers, not even to a preflight', async () => {
    const preflight = await raw('/api/stories', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    });
    const get = await raw('/api/stories', {
      token: ana,
      headers: { origin: 'https://evil.example' },
    });
    for (const res of [preflight, get]) {
      const names: string[] = [];
      res.headers.forEach((_value, name) => {
        names.push(name);
      });
      expect(names.filter((name) => name.startsWith('access-control-'))).toEqual([]);
    }
  });

  it('sets security headers and a strict Content-Security-Policy', async () => {
    const res = await raw('/');
    const csp = res.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );
    expect(directives).toMatchObject({
      'default-src': "'self'",
      'script-src': "'self'",
      'script-src-attr': "'none'",
      'style-src': "'self' 'unsafe-inline'",
      'object-src': "'none'",
      'frame-ancestors': "'none'",
      'connect-src': "'self'",
      'base-uri': "'self'",
    });
    expect(csp).not.toContain('unsafe-eval');
    expect(csp.match(/unsafe-inline/g)).toHaveLength(1);
    expect(csp).not.toMatch(/https:|\*/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-powered-by')).toBeNull();
    const apiRes = await raw('/api/me', { token: ana });
    expect(apiRes.headers.get('cache-control')).toBe('no-store');
  });

  it('sets the session cookie HttpOnly and SameSite=Strict, and Secure behind TLS', async () => {
    const loginWith = (headers: Record<string, string>) =>
      raw('/api/auth/login', {
        method: 'POST',
        body: JSON.stringify({ username: 'ben', password: 'copydesk' }),
        headers: { 'content-type': 'application/json', ...headers },
      });
    const plain = (await loginWith({})).headers.get('set-cookie') ?? '';
    expect(plain).toMatch(/HttpOnly/i);
    expect(plain).toMatch(/SameSite=Strict/i);
    expect(plain).toMatch(/Path=\//);
    expect(plain).not.toMatch(/Secure/i);
    // Behind a TLS-terminating proxy (trusted: loopback by default).
    const tls = (await loginWith({ 'x-forwarded-proto': 'https' })).headers.get('set-cookie') ?? '';
    expect(tls).toMatch(/;\s*Secure/i);
    const logout = await raw('/api/auth/logout', { method: 'POST' });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/copydesk_session=;.*Max-Age=0/i);
  });

  it('checks story ids against the pattern on every route, and wants a token on every route but login', async () => {
    for (const id of [
      '..%2F..%2Fetc%2Fpasswd',
      "x'%20OR%201=1--",
      'short',
      'x'.repeat(65),
      '%00abcdefgh',
    ]) {
      await expectError(await raw(`/api/stories/${id}`, { token: ana }), 404, 'not_found');
      await expectError(
        await raw(`/api/stories/${id}/status`, {
          method: 'POST',
          token: ana,
          body: '{"status":"in_review"}',
          headers: { 'content-type': 'application/json' },
        }),
        404,
        'not_found',
      );
    }
    for (const [method, path] of [
      ['GET', '/api/me'],
      ['GET', '/api/stories'],
      ['GET', `/api/stories/${storyId}`],
      ['POST', '/api/stories'],
      ['POST', `/api/stories/${storyId}/status`],
      ['POST', '/api/auth/refresh'],
    ] as const) {
      const res = await raw(path, {
        method,
        ...(method === 'POST'
          ? { body: '{}', headers: { 'content-type': 'application/json' } }
          : {}),
      });
      await expectError(res, 401, 'unauthenticated');
    }
  });

  it('refuses the session cookie on the sync socket from a foreign origin (4403)', async () => {
    const cookie = { cookie: `copydesk_session=${ana}` };
    const foreign = openRaw(server, storyId, null, {
      headers: { ...cookie, origin: 'https://evil.example' },
    });
    expect((await foreign.closed).code).toBe(CloseCode.forbidden);
    const same = openRaw(server, storyId, null, {
      headers: { ...cookie, origin: server.baseUrl },
    });
    await same.opened;
    await roundTrip(same);
    same.close();
    // A token in the URL is not ambient authority: third-party pages may use it.
    const withToken = openRaw(server, storyId, ana, {
      headers: { origin: 'https://tool.example' },
    });
    await withToken.opened;
    await roundTrip(withToken);
    withToken.close();
  });
});
