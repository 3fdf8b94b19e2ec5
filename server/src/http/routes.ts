import { CreateStoryBody, canWrite, LoginBody, type LoginResponse } from '@copydesk/shared';
import { Router } from 'express';
import { toPublicUser } from '../auth/accounts';
import { verifyPassword } from '../auth/passwords';
import type { TokenService } from '../auth/tokens';
import { forbidden, HttpError } from '../errors';
import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import type { StoryService } from '../stories/story-service';
import { authenticate, currentUser } from './authenticate';
import { clearedSessionCookie, sessionCookie } from './session';
import { parseBody } from './validate';

export interface ApiDeps {
  storage: Storage;
  tokens: TokenService;
  stories: StoryService;
  logger: Logger;
}

// A real hash to compare against when the username is unknown, so timing does not tell.
const DUMMY_HASH =
  'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export const apiRouter = ({ storage, tokens, stories, logger }: ApiDeps): Router => {
  const api = Router();

  api.post('/auth/login', async (req, res) => {
    const body = parseBody(LoginBody, req.body);
    const account = await storage.findAccountByUsername(body.username);
    const ok = await verifyPassword(body.password, account?.passwordHash ?? DUMMY_HASH);
    if (!account || !ok || account.disabled) {
      logger.info({ username: body.username, ip: req.ip }, 'login failed');
      throw new HttpError(401, 'invalid_credentials', 'Wrong username or password.');
    }
    const token = await tokens.sign({ userId: account.id, role: account.role });
    res.setHeader('Set-Cookie', sessionCookie(token, tokens.ttl, req.secure));
    const response: LoginResponse = { token, user: toPublicUser(account) };
    logger.info({ username: account.username }, 'login');
    res.json(response);
  });

  api.post('/auth/logout', (req, res) => {
    res.setHeader('Set-Cookie', clearedSessionCookie(req.secure));
    res.status(204).end();
  });

  api.use(authenticate(tokens, storage));

  api.get('/me', (req, res) => {
    res.json(currentUser(req));
  });

  api.get('/stories', async (_req, res) => {
    res.json(await stories.list());
  });

  api.post('/stories', async (req, res) => {
    const user = currentUser(req);
    if (!canWrite(user.role)) throw forbidden('Viewers cannot create stories.');
    const body = parseBody(CreateStoryBody, req.body);
    res.status(201).json(await stories.create(body, user.id));
  });

  api.get('/stories/:id', async (req, res) => {
    res.json(await stories.view(req.params.id));
  });

  api.use((_req, _res, next) => next(new HttpError(404, 'not_found', 'No such API route.')));
  return api;
};
