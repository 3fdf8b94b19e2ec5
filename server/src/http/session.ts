import type { IncomingMessage } from 'node:http';
import { SESSION_COOKIE } from '@copydesk/shared';
import { parse, serialize } from 'cookie';

/** The bearer token, or else the session cookie. */
export const readSessionToken = (req: IncomingMessage): string | null => {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim() || null;
  const header = req.headers.cookie;
  if (!header) return null;
  return parse(header)[SESSION_COOKIE] ?? null;
};

/** HttpOnly + SameSite=Strict (CSRF-safe); Secure when the request arrived over TLS. */
export const sessionCookie = (token: string, maxAgeSeconds: number, secure: boolean): string =>
  serialize(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    maxAge: maxAgeSeconds,
  });

export const clearedSessionCookie = (secure: boolean): string =>
  serialize(SESSION_COOKIE, '', {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    maxAge: 0,
  });
