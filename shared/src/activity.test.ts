import { describe, expect, it } from 'vitest';
import { type ActivityEntry, activitySentence, upsertActivity } from './activity';

const base = {
  takeawayIndex: null,
  fromTakeawayIndex: null,
  fromStatus: null,
  toStatus: null,
  wordsAdded: 0,
  wordsRemoved: 0,
} as const;

describe('activity sentences', () => {
  it('reads like a newsroom would say it', () => {
    expect(
      activitySentence('Ben', {
        ...base,
        field: 'synopsis',
        kind: 'rewrote',
        wordsAdded: 32,
        wordsRemoved: 10,
      }),
    ).toBe('Ben rewrote the synopsis (+32 \u221210 words)');
    expect(
      activitySentence('Ana', { ...base, field: 'takeaway', kind: 'added', takeawayIndex: 3 }),
    ).toBe('Ana added takeaway 4');
    expect(
      activitySentence('Ana', {
        ...base,
        field: 'takeaway',
        kind: 'moved',
        takeawayIndex: 0,
        fromTakeawayIndex: 1,
      }),
    ).toBe('Ana moved takeaway 2 to 1');
    expect(
      activitySentence('Carla', { ...base, field: 'headline', kind: 'rewrote', wordsAdded: 3 }),
    ).toBe('Carla changed the headline');
    expect(
      activitySentence('Carla', {
        ...base,
        field: 'status',
        kind: 'status',
        fromStatus: 'in_review',
        toStatus: 'approved',
      }),
    ).toBe('Carla approved the story');
    expect(activitySentence('Ben', { ...base, field: 'body', kind: 'edited', wordsAdded: 1 })).toBe(
      'Ben edited the body (+1 word)',
    );
  });
});

describe('upsertActivity', () => {
  const entry = (id: string, lastAt: string): ActivityEntry => ({
    ...base,
    id,
    storyId: 's',
    userId: 'u',
    userName: 'U',
    userColor: '#000',
    field: 'body',
    kind: 'edited',
    summary: '',
    firstAt: lastAt,
    lastAt,
    updatedAt: lastAt,
    open: true,
  });

  it('keeps the list newest first and replaces entries by id', () => {
    let list = upsertActivity([], entry('a', '2025-01-01T10:00:00.000Z'));
    list = upsertActivity(list, entry('b', '2025-01-01T10:01:00.000Z'));
    expect(list.map((e) => e.id)).toEqual(['b', 'a']);
    list = upsertActivity(list, entry('a', '2025-01-01T10:02:00.000Z'));
    expect(list.map((e) => e.id)).toEqual(['a', 'b']);
    expect(
      upsertActivity(list, entry('c', '2025-01-01T09:00:00.000Z'), 2).map((e) => e.id),
    ).toEqual(['a', 'b']);
  });
});
