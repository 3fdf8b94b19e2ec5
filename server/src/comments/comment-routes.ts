import {
  CommentActionBody,
  CreateCommentBody,
  MarkNotificationsReadBody,
  ReplyBody,
} from '@copydesk/shared';
import { Router } from 'express';
import { checkStoryIdParam, parseLimit, requireUser, unavailable } from '../activity/route-helpers';
import type { TokenService } from '../auth/tokens';
import { badRequest } from '../errors';
import { currentUser } from '../http/authenticate';
import { parseBody } from '../http/validate';
import type { Storage } from '../storage/storage';
import type { CommentService, ThreadFilter } from './comment-service';

export interface CommentsRouterDeps {
  tokens: TokenService;
  storage: Storage;
  comments: CommentService;
}

const COMMENT_ID = /^c_[A-Za-z0-9_-]{1,32}$/;

const filterOf = (value: unknown): ThreadFilter => {
  if (value === undefined || value === 'all') return 'all';
  if (value === 'open' || value === 'resolved') return value;
  throw badRequest('state must be open, resolved or all.');
};

/**
 * Mount under `/api` (before the API's catch-all 404). Routes: see shared/src/comments.ts.
 * Everyone signed in reads; editors and chiefs write (403 for viewers).
 */
export const commentsRouter = (deps: CommentsRouterDeps): Router => {
  const { tokens, storage, comments } = deps;
  const router = Router();
  const auth = requireUser(tokens, storage);
  checkStoryIdParam(router);
  router.param('commentId', (_req, _res, next, id: string) => {
    next(COMMENT_ID.test(id) ? undefined : badRequest('Malformed comment id.'));
  });
  const ready = () => {
    if (!storage.comments) throw unavailable('comments');
  };

  router.get('/stories/:id/comments', auth, async (req, res) => {
    ready();
    res.json(await comments.list(req.params.id as string, filterOf(req.query.state)));
  });

  router.post('/stories/:id/comments', auth, async (req, res) => {
    ready();
    const body = parseBody(CreateCommentBody, req.body);
    res.status(201).json(await comments.create(req.params.id as string, currentUser(req), body));
  });

  router.post('/stories/:id/comments/:commentId/replies', auth, async (req, res) => {
    ready();
    const { text } = parseBody(ReplyBody, req.body);
    const thread = await comments.reply(
      req.params.id as string,
      req.params.commentId as string,
      currentUser(req),
      text,
    );
    res.status(201).json(thread);
  });

  for (const action of ['resolve', 'reopen'] as const) {
    router.post(`/stories/:id/comments/:commentId/${action}`, auth, async (req, res) => {
      ready();
      parseBody(CommentActionBody, req.body ?? {});
      const thread = await comments.setResolved(
        req.params.id as string,
        req.params.commentId as string,
        currentUser(req),
        action === 'resolve',
      );
      res.json(thread);
    });
  }

  router.get('/comments/counts', auth, async (_req, res) => {
    ready();
    res.json(await comments.counts());
  });

  router.get('/notifications', auth, async (req, res) => {
    ready();
    const unread = req.query.unread === '1' || req.query.unread === 'true';
    const limit = parseLimit(req.query.limit, 50, 200);
    res.json(await comments.notifications(currentUser(req).id, unread, limit));
  });

  router.post('/notifications/read', auth, async (req, res) => {
    ready();
    const body = parseBody(MarkNotificationsReadBody, req.body);
    res.json(await comments.markRead(currentUser(req).id, body));
  });

  return router;
};
