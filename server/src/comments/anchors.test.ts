import { type CommentAnchorInput, storyTypes, writeFields } from '@copydesk/shared';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { CommentRecord } from '../storage/storage';
import { createAnchor, resolveAnchor } from './anchors';

const record = (doc: Y.Doc, input: CommentAnchorInput): CommentRecord => {
  const a = createAnchor(doc, input);
  return {
    id: 'c_1',
    storyId: 'story-1234',
    threadId: 'c_1',
    userId: 'u',
    text: 'Check this',
    createdAt: 0,
    field: a.field,
    takeawayIndex: a.takeawayIndex,
    relStart: a.relStart,
    relEnd: a.relEnd,
    quote: a.quote,
    resolvedAt: null,
    resolvedBy: null,
    stateChangedAt: null,
    mentions: [],
  };
};

const story = () => {
  const doc = new Y.Doc();
  writeFields(doc, {
    headline: 'Kremlin floats plan',
    synopsis: 'The plan has twelve points.',
    takeaways: ['Talks first.', 'Sanctions later.'],
    dateline: 'Moscow, Dec 3',
  });
  return { doc, t: storyTypes(doc) };
};

describe('comment anchors', () => {
  it('follow text inserted before them and ignore text typed right after', () => {
    const { doc, t } = story();
    const c = record(doc, { field: 'synopsis', from: 13, to: 19 });
    expect(resolveAnchor(doc, c)).toMatchObject({ from: 13, to: 19, quote: 'twelve', state: 'ok' });
    t.synopsis.insert(0, 'Breaking: ');
    t.synopsis.insert(29, ' (or 13)');
    t.synopsis.insert(23, 'x');
    expect(t.synopsis.toString()).toBe('Breaking: The plan has xtwelve (or 13) points.');
    expect(resolveAnchor(doc, c)).toMatchObject({
      field: 'synopsis',
      fieldRef: 'synopsis',
      from: 24,
      to: 30,
      quote: 'twelve',
      state: 'ok',
    });
  });

  it('collapse where the text was when all of it is deleted', () => {
    const { doc, t } = story();
    const c = record(doc, { field: 'synopsis', from: 13, to: 19 });
    t.synopsis.delete(12, 8);
    expect(resolveAnchor(doc, c)).toMatchObject({
      from: 12,
      to: 12,
      quote: '',
      originalQuote: 'twelve',
      state: 'collapsed',
    });
  });

  it('find a moved takeaway again by its quote, and report a removed one as orphaned', () => {
    const { doc, t } = story();
    const c = record(doc, { field: 'takeaway', takeawayIndex: 1, from: 0, to: 9 });
    expect(resolveAnchor(doc, c)).toMatchObject({
      takeawayIndex: 1,
      fieldRef: 'takeaway:1',
      quote: 'Sanctions',
    });
    t.takeaways.insert(0, [new Y.Text('New first.')]);
    expect(resolveAnchor(doc, c)).toMatchObject({ takeawayIndex: 2, relocated: false });
    doc.transact(() => {
      const text = t.takeaways.get(2).toString();
      t.takeaways.delete(2, 1);
      t.takeaways.insert(0, [new Y.Text(text)]);
    });
    expect(resolveAnchor(doc, c)).toMatchObject({
      takeawayIndex: 0,
      quote: 'Sanctions',
      relocated: true,
      state: 'ok',
    });
    t.takeaways.delete(0, 1);
    expect(resolveAnchor(doc, c)).toMatchObject({ state: 'orphaned', fieldRef: null });
  });

  it('use the quote when the client offsets are stale, and refuse text that is gone', () => {
    const { doc } = story();
    const c = record(doc, { field: 'synopsis', from: 2, to: 8, quote: 'twelve' });
    expect(resolveAnchor(doc, c)).toMatchObject({ from: 13, to: 19, quote: 'twelve' });
    expect(() => createAnchor(doc, { field: 'synopsis', from: 0, to: 4, quote: 'eleven' })).toThrow(
      /not there/,
    );
    expect(() => createAnchor(doc, { field: 'synopsis', from: 0, to: 400 })).toThrow(/range ends/);
    expect(() =>
      createAnchor(doc, { field: 'takeaway', takeawayIndex: 5, from: 0, to: 1 }),
    ).toThrow(/no takeaway 6/);
  });

  it('anchor meta fields to their whole value', () => {
    const { doc, t } = story();
    const c = record(doc, { field: 'dateline', from: 0, to: 0 });
    t.meta.set('dateline', 'Moscow, Dec 4');
    expect(resolveAnchor(doc, c)).toMatchObject({
      field: 'dateline',
      from: 0,
      to: 13,
      quote: 'Moscow, Dec 4',
      originalQuote: 'Moscow, Dec 3',
      relStart: null,
      state: 'ok',
    });
  });

  it('resolve in another replica of the document (relative positions are portable)', () => {
    const { doc, t } = story();
    const c = record(doc, { field: 'headline', from: 8, to: 14 });
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc));
    storyTypes(replica).headline.insert(0, 'LIVE: ');
    t.headline.insert(19, ' today');
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(replica)));
    expect(resolveAnchor(replica, c)).toMatchObject({ from: 14, to: 20, quote: 'floats' });
  });
});
