import {
  CreateVersionBody,
  CURRENT_POINT,
  canWrite,
  isStoryId,
  PointParam,
  RestoreBody,
  SeenBody,
} from '@copydesk/shared';
import { type Request, type RequestHandler, Router } from 'express';
import type { TokenService } from '../auth/tokens';
import { badRequest, forbidden, notFound } from '../errors';
import { authenticate, currentUser } from '../http/authenticate';
import { parseBody } from '../http/validate';
import type { Storage } from '../storage/storage';
import type { HistoryService } from './history-service';

export interface HistoryRouterDeps {
  history: HistoryService;
  tokens: TokenService;
  storage: Storage;
}

const storyId = (req: Request): string => {
  const id = req.params.id;
  if (typeof id !== 'string' || !isStoryId(id)) throw notFound('No story with this id.');
  return id;
};

const pointParam = (value: unknown, fallback: string): string => {
  if (value === undefined) return fallback;
  const parsed = PointParam.safeParse(value);
  if (!parsed.success) throw badRequest('Expected a version id, "current" or "seen".');
  return parsed.data;
};

/**
 * `/api` routes of the version history. Mount under `/api` BEFORE the main API router (whose
 * last handler answers 404 for any unknown /api path). Every route authenticates itself, so
 * paths it does not know (login…) fall through untouched.
 *
 * - GET  /stories/:id/versions                       → VersionListResponse
 * - POST /stories/:id/versions {name}                → 201 VersionSummary (editor, chief)
 * - GET  /stories/:id/versions/:vid                  → VersionStoryView (the story as it was)
 * - GET  /stories/:id/versions/:vid/diff?against=…   → StoryDiff (against: vid | current | seen)
 * - POST /stories/:id/versions/:vid/restore          → RestoreResponse (chief only)
 * - GET  /stories/:id/attribution?version=…          → AttributionResponse (default current)
 * - POST /stories/:id/seen                           → SeenResponse
 * - GET  /stories/:id/changes                        → ChangesSinceSeenResponse
 * - GET  /history/changes                            → DeskChangesResponse
 */
export const historyRouter = ({ history, tokens, storage }: HistoryRouterDeps): Router => {
  const router = Router();
  const auth: RequestHandler = authenticate(tokens, storage);

  router.get('/stories/:id/versions', auth, async (req, res) => {
    res.json(await history.listVersions(storyId(req)));
  });

  router.post('/stories/:id/versions', auth, async (req, res) => {
    const user = currentUser(req);
    const id = storyId(req);
    if (!canWrite(user.role)) throw forbidden('Viewers cannot save versions.');
    const body = parseBody(CreateVersionBody, req.body);
    res.status(201).json(await history.createNamedVersion(id, body.name, user));
  });

  router.get('/stories/:id/versions/:vid', auth, async (req, res) => {
    res.json(await history.getVersion(storyId(req), String(req.params.vid)));
  });

  router.get('/stories/:id/versions/:vid/diff', auth, async (req, res) => {
    const user = currentUser(req);
    const against = pointParam(req.query.against, CURRENT_POINT);
    const from = pointParam(req.params.vid, CURRENT_POINT);
    res.json(await history.diff(storyId(req), from, against, user.id));
  });

  router.post('/stories/:id/versions/:vid/restore', auth, async (req, res) => {
    const user = currentUser(req);
    const id = storyId(req);
    if (user.role !== 'chief') throw forbidden('Only a desk chief can restore a version.');
    parseBody(RestoreBody, req.body ?? {});
    res.json(await history.restore(id, String(req.params.vid), user));
  });

  router.get('/stories/:id/attribution', auth, async (req, res) => {
    const user = currentUser(req);
    const at = pointParam(req.query.version, CURRENT_POINT);
    res.json(await history.attribution(storyId(req), at, user.id));
  });

  router.post('/stories/:id/seen', auth, async (req, res) => {
    const user = currentUser(req);
    parseBody(SeenBody, req.body ?? {});
    res.json(await history.markSeen(storyId(req), user.id));
  });

  router.get('/stories/:id/changes', auth, async (req, res) => {
    const user = currentUser(req);
    res.json(await history.changesSinceSeen(storyId(req), user.id));
  });

  router.get('/history/changes', auth, async (req, res) => {
    const user = currentUser(req);
    res.json({ stories: await history.changedSince(user.id) });
  });

  return router;
};
