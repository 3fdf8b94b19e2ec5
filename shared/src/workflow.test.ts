import { describe, expect, it } from 'vitest';
import { STATUSES } from './api';
import { canEditStory, checkMove, nextMoves } from './workflow';

describe('workflow table (the brief)', () => {
  it('allows exactly the moves of the brief, to the roles of the brief', () => {
    const allowed = (role: 'editor' | 'chief' | 'viewer' | 'admin') =>
      STATUSES.flatMap((from) =>
        STATUSES.filter((to) => checkMove(role, from, to) === 'ok').map((to) => `${from}>${to}`),
      );
    expect(allowed('editor')).toEqual(['draft>in_review']);
    expect(allowed('chief')).toEqual([
      'draft>in_review',
      'in_review>draft',
      'in_review>approved',
      'approved>draft',
      'approved>published',
      'published>draft',
    ]);
    expect(allowed('viewer')).toEqual([]);
    expect(allowed('admin')).toEqual([]);
  });

  it('answers forbidden for roles without the move and illegal for moves nobody may make', () => {
    expect(checkMove('editor', 'in_review', 'approved')).toBe('forbidden');
    expect(checkMove('viewer', 'draft', 'in_review')).toBe('forbidden');
    expect(checkMove('viewer', 'draft', 'published')).toBe('forbidden');
    expect(checkMove('chief', 'draft', 'published')).toBe('illegal');
    expect(checkMove('chief', 'draft', 'draft')).toBe('illegal');
    expect(checkMove('editor', 'published', 'approved')).toBe('illegal');
  });

  it('offers the next actions per role', () => {
    expect(nextMoves('chief', 'in_review').map((m) => m.action)).toEqual(['Approve', 'Send back']);
    expect(nextMoves('editor', 'in_review')).toEqual([]);
    expect(nextMoves('editor', 'draft').map((m) => m.to)).toEqual(['in_review']);
  });

  it('locks approved and published stories for editors only', () => {
    expect(STATUSES.map((s) => canEditStory('editor', s))).toEqual([true, true, false, false]);
    expect(STATUSES.map((s) => canEditStory('chief', s))).toEqual([true, true, true, true]);
    expect(STATUSES.map((s) => canEditStory('viewer', s))).toEqual([false, false, false, false]);
    expect(STATUSES.map((s) => canEditStory('admin', s))).toEqual([false, false, false, false]);
  });
});
