import { describe, expect, it } from 'vitest';
import { CreateCommentBody, parseMentions } from './comments';

describe('parseMentions', () => {
  it('finds @usernames, not e-mail addresses, once each, lower-cased', () => {
    expect(parseMentions('@ben and @Carla: see mail ana@example.com, cc @ben. (@vic)')).toEqual([
      'ben',
      'carla',
      'vic',
    ]);
    expect(parseMentions('no mentions here @ @-x')).toEqual([]);
    expect(parseMentions('@first.last, then @under_score_')).toEqual(['first.last', 'under_score']);
  });
});

describe('CreateCommentBody', () => {
  it('requires a takeaway index for takeaways only and a sane range', () => {
    const text = 'Check';
    expect(
      CreateCommentBody.safeParse({ anchor: { field: 'synopsis', from: 1, to: 3 }, text }).success,
    ).toBe(true);
    expect(
      CreateCommentBody.safeParse({
        anchor: { field: 'takeaway', takeawayIndex: 0, from: 0, to: 0 },
        text,
      }).success,
    ).toBe(true);
    expect(
      CreateCommentBody.safeParse({ anchor: { field: 'takeaway', from: 0, to: 1 }, text }).success,
    ).toBe(false);
    expect(
      CreateCommentBody.safeParse({
        anchor: { field: 'body', takeawayIndex: 1, from: 0, to: 1 },
        text,
      }).success,
    ).toBe(false);
    expect(
      CreateCommentBody.safeParse({ anchor: { field: 'body', from: 3, to: 1 }, text }).success,
    ).toBe(false);
    expect(
      CreateCommentBody.safeParse({ anchor: { field: 'body', from: 0, to: 1 }, text: ' ' }).success,
    ).toBe(false);
    expect(
      CreateCommentBody.safeParse({ anchor: { field: 'body', from: 0, to: 1 }, text: 'a\u0000b' })
        .success,
    ).toBe(false);
    expect(
      CreateCommentBody.safeParse({
        anchor: { field: 'body', from: 0, to: 1 },
        text: 'line\nbreak',
      }).success,
    ).toBe(true);
  });
});
