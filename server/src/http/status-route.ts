import {
  checkMove,
  ErrorCode,
  StatusChangeBody,
  type StatusChangeResponse,
  type StoryStatus,
} from '@copydesk/shared';
import type { Router } from 'express';
import { forbidden, HttpError, notFound } from '../errors';
import { iso } from '../iso-time';
import type { Logger } from '../logger';
import type { Storage } from '../storage/storage';
import type { StoryService } from '../stories/story-service';
import { currentUser } from './authenticate';
import { parseBody } from './validate';

/** What HTTP tells the live sync layer (implemented by the sync endpoint). */
export interface LiveSync {
  /** A story's status changed: open connections get their new write permission at once. */
  storyStatusChanged(storyId: string, status: StoryStatus): void;
  /** A session got a new token: its open connections live until the new expiry. */
  sessionRefreshed(sessionId: string, expiresAt: number): void;
}

/** `POST /api/stories/:id/status {status}`: the workflow table in shared/src/workflow.ts. */
export const statusRoute = (
  api: Router,
  deps: { storage: Storage; stories: StoryService; logger: Logger; live: LiveSync },
): void => {
  const { storage, stories, logger, live } = deps;
  api.post('/stories/:id/status', async (req, res) => {
    const user = currentUser(req);
    const { status: to } = parseBody(StatusChangeBody, req.body);
    const id = req.params.id as string;
    const story = await storage.getStory(id);
    if (!story) throw notFound('No story with this id.');
    const from = story.status;
    const verdict = checkMove(user.role, from, to);
    if (verdict === 'forbidden') {
      throw forbidden(`Your role (${user.role}) cannot move a story from ${from} to ${to}.`);
    }
    if (verdict === 'illegal') {
      throw new HttpError(409, ErrorCode.conflict, `A story cannot move from ${from} to ${to}.`);
    }
    const at = Date.now();
    const moved = await storage.setStoryStatus({ storyId: id, from, to, userId: user.id, at });
    if (!moved) {
      throw new HttpError(
        409,
        ErrorCode.conflict,
        'Someone else changed the status of this story meanwhile: reload it.',
      );
    }
    live.storyStatusChanged(id, to);
    logger.info({ storyId: id, from, to, user: user.username }, 'story status changed');
    const view = await stories.view(id);
    const response: StatusChangeResponse = {
      ...view,
      statusChange: { from, to, by: user.id, at: iso(at) },
    };
    res.json(response);
  });
};
