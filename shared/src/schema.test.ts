import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  emptyFields,
  MetaKey,
  Root,
  readFields,
  type StoryFields,
  storyTypes,
  writeFields,
} from './schema';

const FULL: StoryFields = {
  headline: 'Did Russia Really Reject the US Peace Plan for Ukraine?',
  synopsis: 'First paragraph with “quotes”.\nSecond paragraph — with a dash and 10\u00A0km.',
  takeaways: [
    "Peskov denies Putin's rejection of the US peace plan.",
    'Potential phone talks could happen soon 👍',
    'Москва и Київ',
  ],
  body: 'Kremlin spokesperson Dmitry Peskov spoke.\n“No,” he said.',
  dateline: 'Moscow, Dec 3',
  source: 'NationPress',
  byline: 'Ana Example',
};

describe('story schema', () => {
  it('names the public root types as documented', () => {
    expect(Root).toEqual({
      headline: 'headline',
      synopsis: 'synopsis',
      takeaways: 'takeaways',
      body: 'body',
      meta: 'meta',
    });
    expect(MetaKey).toEqual({ dateline: 'dateline', source: 'source', byline: 'byline' });
  });

  it('reads a fresh document as empty fields', () => {
    expect(readFields(new Y.Doc())).toEqual(emptyFields());
  });

  it('round-trips every field through writeFields and readFields', () => {
    const doc = new Y.Doc();
    writeFields(doc, FULL);
    expect(readFields(doc)).toEqual(FULL);
  });

  it('writes the documented Yjs types', () => {
    const doc = new Y.Doc();
    writeFields(doc, FULL);
    const t = storyTypes(doc);
    expect(doc.getText('headline')).toBe(t.headline);
    expect(t.takeaways.length).toBe(3);
    expect(t.takeaways.toArray().every((item) => item instanceof Y.Text)).toBe(true);
    expect(t.meta.get('dateline')).toBe('Moscow, Dec 3');
    expect(t.meta.get('source')).toBe('NationPress');
    expect(t.meta.get('byline')).toBe('Ana Example');
  });

  it('writes in one transaction (one update event)', () => {
    const doc = new Y.Doc();
    let updates = 0;
    doc.on('update', () => {
      updates += 1;
    });
    writeFields(doc, FULL);
    expect(updates).toBe(1);
  });

  it('round-trips through a binary update into another document', () => {
    const source = new Y.Doc();
    writeFields(source, FULL);
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(source));
    expect(readFields(replica)).toEqual(FULL);
  });

  it('leaves fields that were not given empty', () => {
    const doc = new Y.Doc();
    writeFields(doc, { headline: 'Only a headline', takeaways: [] });
    expect(readFields(doc)).toEqual({ ...emptyFields(), headline: 'Only a headline' });
    expect(storyTypes(doc).meta.size).toBe(0);
  });

  it('keeps empty takeaways as empty items', () => {
    const doc = new Y.Doc();
    writeFields(doc, { takeaways: ['One', '', 'Three'] });
    expect(readFields(doc).takeaways).toEqual(['One', '', 'Three']);
  });

  it('reads a Y.Text stored under meta.dateline (third-party clients) as text', () => {
    const doc = new Y.Doc();
    const meta = doc.getMap<unknown>(Root.meta);
    doc.transact(() => {
      const dateline = new Y.Text();
      meta.set(MetaKey.dateline, dateline);
      dateline.insert(0, 'Kyiv, Dec 4');
      meta.set(MetaKey.source, new Y.Text('Reuters'));
    });
    const fields = readFields(doc);
    expect(fields.dateline).toBe('Kyiv, Dec 4');
    expect(fields.source).toBe('Reuters');
    expect(fields.byline).toBe('');
  });

  it('reads non-string meta values as empty text', () => {
    const doc = new Y.Doc();
    const meta = doc.getMap<unknown>(Root.meta);
    meta.set(MetaKey.dateline, 42);
    meta.set(MetaKey.source, null);
    meta.set(MetaKey.byline, { name: 'Ana' });
    const fields = readFields(doc);
    expect([fields.dateline, fields.source, fields.byline]).toEqual(['', '', '']);
  });

  it('reads plain strings in the takeaways array (third-party clients) as text', () => {
    const doc = new Y.Doc();
    doc.getArray<unknown>(Root.takeaways).push([new Y.Text('As Y.Text'), 'As a string']);
    expect(readFields(doc).takeaways).toEqual(['As Y.Text', 'As a string']);
  });

  it('reorders a takeaway by delete + insert of a new Y.Text in one transaction', () => {
    const doc = new Y.Doc();
    writeFields(doc, { takeaways: ['A', 'B', 'C'] });
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc));
    const takeaways = storyTypes(doc).takeaways;
    doc.transact(() => {
      const moved = takeaways.get(2).toString();
      takeaways.delete(2, 1);
      takeaways.insert(0, [new Y.Text(moved)]);
    });
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(replica)));
    expect(readFields(doc).takeaways).toEqual(['C', 'A', 'B']);
    expect(readFields(replica).takeaways).toEqual(['C', 'A', 'B']);
  });
});
