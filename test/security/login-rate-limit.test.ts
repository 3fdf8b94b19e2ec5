import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../helpers/server';
import { logEntries, waitForLog } from './helpers';

/** Failed logins are limited per account and per address; the log never sees a password. */
describe('login rate limit', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({
      env: {
        LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
        LOGIN_MAX_FAILURES_PER_ADDRESS: '5',
        LOGIN_WINDOW_SECONDS: '600',
      },
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  /** A login from `address` (the test talks to the server over loopback: a trusted proxy). */
  const attempt = async (username: string, password: string, address: string) => {
    const res = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ username, password }),
    });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: await res.json(),
    };
  };

  it('locks an account after repeated failures, from any address, even for the right password', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await attempt('ben', `wrong-ben-${i}`, `10.0.1.${i}`)).status).toBe(401);
    }
    const locked = await attempt('ben', 'copydesk', '10.0.1.99');
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual({
      error: { code: 'rate_limited', message: expect.stringMatching(/try again/i) },
    });
    const retryAfter = Number(locked.retryAfter);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    // Case does not get around it; other accounts from the same addresses are fine.
    expect((await attempt('BEN', 'copydesk', '10.0.1.98')).status).toBe(429);
    expect((await attempt('ana', 'copydesk', '10.0.1.0')).status).toBe(200);
  });

  it('limits an address that tries many accounts, without affecting other addresses', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await attempt(`nobody${i}`, 'guess', '10.0.2.1')).status).toBe(401);
    }
    const blocked = await attempt('carla', 'copydesk', '10.0.2.1');
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect((await attempt('carla', 'copydesk', '10.0.2.2')).status).toBe(200);
  });

  it('a successful login clears the account counter', async () => {
    expect((await attempt('vic', 'wrong-vic-1', '10.0.3.1')).status).toBe(401);
    expect((await attempt('vic', 'wrong-vic-2', '10.0.3.2')).status).toBe(401);
    expect((await attempt('vic', 'copydesk', '10.0.3.3')).status).toBe(200);
    expect((await attempt('vic', 'wrong-vic-3', '10.0.3.4')).status).toBe(401);
    expect((await attempt('vic', 'wrong-vic-4', '10.0.3.5')).status).toBe(401);
    expect((await attempt('vic', 'copydesk', '10.0.3.6')).status).toBe(200);
  });

  it('logs failures with who and where, never the password', async () => {
    await waitForLog(server, (e) => e.msg === 'login failed' && e.username === 'vic');
    const failures = logEntries(server).filter((e) => e.msg === 'login failed');
    expect(failures.length).toBeGreaterThanOrEqual(10);
    expect(failures).toContainEqual(
      expect.objectContaining({ username: 'ben', ip: '10.0.1.0', reason: 'bad_password' }),
    );
    expect(failures).toContainEqual(
      expect.objectContaining({ username: 'nobody0', reason: 'unknown_user' }),
    );
    expect(logEntries(server)).toContainEqual(
      expect.objectContaining({ msg: 'login refused: rate limited', username: 'ben' }),
    );
    const all = server.logs.join('\n');
    for (const secret of ['wrong-ben-0', 'wrong-ben-2', 'wrong-vic-1', 'wrong-vic-4', 'guess']) {
      expect(all).not.toContain(secret);
    }
    expect(all).not.toMatch(/"password"/);
  });
});
