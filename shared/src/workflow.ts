import { z } from 'zod';
import type { Role, StoryStatus, StoryView } from './api';
import { StatusSchema } from './api';

/**
 * The editorial workflow. The server enforces it (`POST /api/stories/:id/status`); the client
 * reads the same table to show only the moves the signed-in person can make.
 */
export interface WorkflowMove {
  from: StoryStatus;
  to: StoryStatus;
  /** Roles allowed to make this move. */
  roles: readonly Role[];
  /** Button label for the move. */
  action: string;
}

export const WORKFLOW: readonly WorkflowMove[] = [
  { from: 'draft', to: 'in_review', roles: ['editor', 'chief'], action: 'Send for review' },
  { from: 'in_review', to: 'approved', roles: ['chief'], action: 'Approve' },
  { from: 'in_review', to: 'draft', roles: ['chief'], action: 'Send back' },
  { from: 'approved', to: 'published', roles: ['chief'], action: 'Publish' },
  { from: 'approved', to: 'draft', roles: ['chief'], action: 'Reopen' },
  { from: 'published', to: 'draft', roles: ['chief'], action: 'Reopen to correct' },
];

/** Statuses in which the text is read-only for editors (chiefs may still write). */
export const LOCKED_STATUSES: readonly StoryStatus[] = ['approved', 'published'];

/** Whether `role` may change the text of a story in `status` (the sync endpoint's rule). */
export const canEditStory = (role: Role, status: StoryStatus): boolean =>
  role === 'chief' || (role === 'editor' && !LOCKED_STATUSES.includes(status));

export const findMove = (from: StoryStatus, to: StoryStatus): WorkflowMove | undefined =>
  WORKFLOW.find((move) => move.from === from && move.to === to);

/** The moves `role` can make from `status`, in table order (what the client offers). */
export const nextMoves = (role: Role, status: StoryStatus): WorkflowMove[] =>
  WORKFLOW.filter((move) => move.from === status && move.roles.includes(role));

/**
 * Checks one move: `forbidden` (403) when the role may never make it, `illegal` (409) when
 * no role may make it from the current status.
 */
export const checkMove = (
  role: Role,
  from: StoryStatus,
  to: StoryStatus,
): 'ok' | 'forbidden' | 'illegal' => {
  if (!WORKFLOW.some((move) => move.roles.includes(role))) return 'forbidden';
  const move = findMove(from, to);
  if (!move) return 'illegal';
  return move.roles.includes(role) ? 'ok' : 'forbidden';
};

export const StatusChangeBody = z.strictObject({ status: StatusSchema });
export type StatusChangeBody = z.infer<typeof StatusChangeBody>;

/** One recorded workflow move: who moved the story, from where to where, and when. */
export interface StatusChange {
  from: StoryStatus;
  to: StoryStatus;
  /** Account id of the person who made the move. */
  by: string;
  at: string;
}

/** `POST /api/stories/:id/status` answers with the story view and the move it recorded. */
export interface StatusChangeResponse extends StoryView {
  statusChange: StatusChange;
}
