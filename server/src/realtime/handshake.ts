import type { IncomingMessage } from 'node:http';
import { SESSION_COOKIE } from '@copydesk/shared';
import { parse } from 'cookie';

export interface HandshakeToken {
  token: string | null;
  /** The browser sent it by itself (cookie): the Origin must then be one we trust. */
  viaCookie: boolean;
}

/** `auth: { token }` first, then `Authorization: Bearer`, then the session cookie. */
export const handshakeToken = (auth: unknown, req: IncomingMessage): HandshakeToken => {
  if (auth && typeof auth === 'object' && 'token' in auth && typeof auth.token === 'string') {
    return { token: auth.token || null, viaCookie: false };
  }
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    return { token: header.slice('Bearer '.length).trim() || null, viaCookie: false };
  }
  const cookies = req.headers.cookie ? parse(req.headers.cookie) : {};
  const fromCookie = cookies[SESSION_COOKIE];
  return { token: fromCookie || null, viaCookie: !!fromCookie };
};

/**
 * Cross-site WebSocket hijacking guard for cookie sessions (same rule as the sync endpoint): a
 * browser always sends Origin, so it must be this host or listed in `allowedOrigins`. Clients
 * that are not browsers send no Origin and hold the token themselves.
 */
export const originAllowed = (req: IncomingMessage, allowed: readonly string[]): boolean => {
  const origin = req.headers.origin;
  if (!origin) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
};
