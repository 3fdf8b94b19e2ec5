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
