import { Router } from 'express';
import type { TokenService } from '../auth/tokens';
import { notFound } from '../errors';
import type { Storage } from '../storage/storage';
import type { ActivityRecorder } from './activity-recorder';
import {
  checkStoryIdParam,
  parseLimit,
  parseTime,
  requireUser,
  unavailable,
} from './route-helpers';

export interface ActivityRouterDeps {
  tokens: TokenService;
  storage: Storage;
  activity: ActivityRecorder;
}

/**
 * Mount under `/api` (before the API's catch-all 404):
 * - `GET /stories/:id/activity[?before=&limit=]` — one story's feed, newest first;
 * - `GET /activity[?since=&limit=]` — desk-wide entries written after `since`;
 * - `GET /activity/latest` — the newest entry per story (monitor cards).
 * Every signed-in role may read the feed.
 */
export const activityRouter = (deps: ActivityRouterDeps): Router => {
  const { tokens, storage, activity } = deps;
  const router = Router();
  const auth = requireUser(tokens, storage);
  checkStoryIdParam(router);

  router.get('/stories/:id/activity', auth, async (req, res) => {
    if (!storage.activity) throw unavailable('the activity feed');
    const id = req.params.id as string;
    if (!(await storage.getStory(id))) throw notFound('No story with this id.');
    const before = parseTime(req.query.before, 'before');
    const limit = parseLimit(req.query.limit, 100, 200);
    res.json(await activity.storyActivity(id, before, limit));
  });

  router.get('/activity', auth, async (req, res) => {
    if (!storage.activity) throw unavailable('the activity feed');
    const since = parseTime(req.query.since, 'since');
    const limit = parseLimit(req.query.limit, 200, 500);
    res.json(await activity.deskActivity(since, limit));
  });

  router.get('/activity/latest', auth, async (_req, res) => {
    if (!storage.activity) throw unavailable('the activity feed');
    res.json(await activity.latest());
  });

  return router;
};
