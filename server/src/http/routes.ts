import {
  CreateStoryBody,
  canWrite,
  ErrorCode,
  isStoryId,
  LoginBody,
  type LoginResponse,
  RefreshBody,
} from '@copydesk/shared';
import { type Request, type Response, Router } from 'express';
import { toPublicUser } from '../auth/accounts';
import type { LoginLimiter } from '../auth/login-limiter';
import { verifyPassword } from '../auth/passwords';
import { newSessionId, passwordVersion, type TokenService } from '../auth/tokens';
import { forbidden, HttpError, notFound, unauthenticated } from '../errors';
import { iso } from '../iso-time';
import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import type { StoryService } from '../stories/story-service';
import { authenticate, currentSession, currentUser } from './authenticate';
import { clearedSessionCookie, sessionCookie } from './session';
import { type LiveSync, statusRoute } from './status-route';
import { parseBody } from './validate';

export interface ApiDeps {
  storage: Storage;
  tokens: TokenService;
  stories: StoryService;
  logger: Logger;
  loginLimiter: LoginLimiter;
  live: LiveSync;
}

// A real hash to compare against when the username is unknown, so timing does not tell.
const DUMMY_HASH =
  'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** Sets the session cookie for a freshly signed token and answers like login. */
const sendSession = (
  req: Request,
  res: Response,
  token: string,
  expiresAt: number,
  user: LoginResponse['user'],
): void => {
  const maxAge = Math.max(0, expiresAt - Math.floor(Date.now() / 1000));
  res.setHeader('Set-Cookie', sessionCookie(token, maxAge, req.secure));
  res.setHeader('Cache-Control', 'no-store');
  const response: LoginResponse = { token, user, expiresAt: iso(expiresAt * 1000) };
  res.json(response);
};

export const apiRouter = (deps: ApiDeps): Router => {
  const { storage, tokens, stories, logger, loginLimiter, live } = deps;
  const api = Router();

  // Every :id is checked against the allow-list before any storage (or Redis) key is built.
  api.param('id', (_req, _res, next, id: string) => {
    next(isStoryId(id) ? undefined : notFound('No story with this id.'));
  });

  api.post('/auth/login', async (req, res) => {
    const body = parseBody(LoginBody, req.body);
    const address = req.ip ?? 'unknown';
    const waitMs = loginLimiter.retryAfterMs(body.username, address);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      logger.warn({ username: body.username, ip: address }, 'login refused: rate limited');
      res.setHeader('Retry-After', String(seconds));
      throw new HttpError(
        429,
        ErrorCode.rateLimited,
        `Too many failed sign-ins. Try again in ${seconds} s.`,
      );
    }
    const account = await storage.findAccountByUsername(body.username);
    const ok = await verifyPassword(body.password, account?.passwordHash ?? DUMMY_HASH);
    if (!account || !ok || account.disabled) {
      loginLimiter.recordFailure(body.username, address);
      // Never the password: only who tried, from where, and why (for the security log).
      const reason = !account ? 'unknown_user' : account.disabled ? 'disabled' : 'bad_password';
      logger.info({ username: body.username, ip: address, reason }, 'login failed');
      throw new HttpError(401, ErrorCode.invalidCredentials, 'Wrong username or password.');
    }
    loginLimiter.recordSuccess(body.username);
    const { token, expiresAt } = await tokens.sign({
      userId: account.id,
      role: account.role,
      sessionId: newSessionId(),
      passwordVersion: passwordVersion(account.passwordHash),
      authTime: Math.floor(Date.now() / 1000),
    });
    logger.info({ username: account.username, ip: address }, 'login');
    sendSession(req, res, token, expiresAt, toPublicUser(account));
  });

  api.post('/auth/logout', (req, res) => {
    res.setHeader('Set-Cookie', clearedSessionCookie(req.secure));
    res.status(204).end();
  });

  api.use(authenticate(tokens, storage));

  /** A new token for the same session (same login), while the old one is still valid. */
  api.post('/auth/refresh', async (req, res) => {
    parseBody(RefreshBody, req.body ?? {});
    const { claims, account, user } = currentSession(req);
    const now = Math.floor(Date.now() / 1000);
    if (now - claims.authTime >= tokens.sessionMaxSeconds) {
      throw unauthenticated('This session is too old to renew: sign in again.');
    }
    const { token, expiresAt } = await tokens.sign({
      userId: account.id,
      role: account.role,
      sessionId: claims.sessionId,
      passwordVersion: claims.passwordVersion,
      authTime: claims.authTime,
    });
    live.sessionRefreshed(claims.sessionId, expiresAt);
    sendSession(req, res, token, expiresAt, user);
  });

  api.get('/me', (req, res) => {
    res.json(currentUser(req));
  });

  api.get('/stories', async (_req, res) => {
    res.json(await stories.list());
  });

  api.post('/stories', async (req, res) => {
    const user = currentUser(req);
    if (!canWrite(user.role)) throw forbidden('Your role cannot create stories.');
    const body = parseBody(CreateStoryBody, req.body);
    res.status(201).json(await stories.create(body, user.id));
  });

  api.get('/stories/:id', async (req, res) => {
    res.json(await stories.view(req.params.id));
  });

  statusRoute(api, { storage, stories, logger, live });

  api.use((_req, _res, next) => next(new HttpError(404, 'not_found', 'No such API route.')));
  return api;
};
