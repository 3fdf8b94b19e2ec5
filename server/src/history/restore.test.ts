import { readFields, type StoryFields, storyTypes, writeFields } from '@copydesk/shared';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readContent } from './doc-content';
import { applyContent, matchesContent } from './restore';

const FIELDS: StoryFields = {
  headline: 'Kremlin floats peace plan',
  synopsis: 'Moscow proposed a three-stage plan. Kyiv rejected it.',
  takeaways: ['Stage one: ceasefire.', 'Stage two: prisoners.', 'Stage three: sanctions.'],
  body: 'The plan was presented on Tuesday.\nDiplomats called it a non-starter.',
  dateline: 'Moscow, Dec 3',
  source: 'NationPress',
  byline: '',
};

const copy = (doc: Y.Doc): Y.Doc => {
  const out = new Y.Doc();
  Y.applyUpdate(out, Y.encodeStateAsUpdate(doc));
  return out;
};

/** Ids of the visible characters of a text, to see which ones a restore kept. */
const ids = (text: Y.Text): string[] => {
  const out: string[] = [];
  for (let item = text._start; item; item = item.right) {
    if (item.deleted) continue;
    for (let i = 0; i < item.length; i++) out.push(`${item.id.client}:${item.id.clock + i}`);
  }
  return out;
};

describe('applyContent (restore)', () => {
  it('brings every field back exactly and keeps untouched text as it was', () => {
    const doc = new Y.Doc();
    writeFields(doc, FIELDS);
    const version = readContent(copy(doc));
    const bodyIds = ids(storyTypes(doc).body);
    const t = storyTypes(doc);
    doc.transact(() => {
      t.headline.insert(0, 'UPDATE: ');
      t.synopsis.delete(0, 'Moscow'.length);
      t.synopsis.insert(0, 'Russia');
      t.meta.set('dateline', 'Kyiv, Dec 4');
      t.meta.delete('source');
      t.meta.set('byline', 'Ana');
      (t.takeaways.get(0) as Y.Text).insert(0, 'New: ');
      const moved = (t.takeaways.get(2) as Y.Text).toString();
      t.takeaways.delete(2, 1);
      t.takeaways.insert(0, [new Y.Text(moved)]);
      t.takeaways.delete(2, 1); // "Stage two"
      t.takeaways.push([new Y.Text('Extra.')]);
    });
    expect(readFields(doc)).not.toEqual(FIELDS);
    const firstTakeaway = t.takeaways.get(1) as Y.Text; // "New: Stage one…", same Y.Text

    doc.transact(() => applyContent(doc, version));
    expect(readFields(doc)).toEqual(FIELDS);
    expect(matchesContent(doc, version)).toBe(true);
    // The body never changed: same items. The first takeaway was edited in place.
    expect(ids(storyTypes(doc).body)).toEqual(bodyIds);
    expect(t.takeaways.get(0)).toBe(firstTakeaway);
    // Restoring again changes nothing.
    let updates = 0;
    doc.on('update', () => updates++);
    doc.transact(() => applyContent(doc, version));
    expect(updates).toBe(0);
  });

  it('keeps concurrent edits made elsewhere in the story (and after the restore)', () => {
    const server = new Y.Doc();
    writeFields(server, FIELDS);
    const version = readContent(copy(server));
    storyTypes(server).headline.insert(0, 'UPDATE: ');
    const ben = copy(server);
    // Ben types in the body while the restore happens on the server.
    storyTypes(ben).body.insert(storyTypes(ben).body.length, ' Ben was here.');
    (storyTypes(ben).takeaways.get(1) as Y.Text).insert(0, 'Ben: ');
    server.transact(() => applyContent(server, version));
    // Exchange both ways.
    const fromBen = Y.encodeStateAsUpdate(ben, Y.encodeStateVector(server));
    const fromServer = Y.encodeStateAsUpdate(server, Y.encodeStateVector(ben));
    Y.applyUpdate(server, fromBen);
    Y.applyUpdate(ben, fromServer);
    expect(readFields(server)).toEqual(readFields(ben));
    const f = readFields(server);
    expect(f.headline).toBe(FIELDS.headline);
    expect(f.body).toBe(`${FIELDS.body} Ben was here.`);
    expect(f.takeaways[1]).toBe(`Ben: ${FIELDS.takeaways[1]}`);
  });

  it('replaces non-text takeaways and meta Y.Texts written by third-party clients', () => {
    const doc = new Y.Doc();
    writeFields(doc, FIELDS);
    const version = readContent(copy(doc));
    const t = storyTypes(doc);
    doc.transact(() => {
      (t.takeaways as unknown as Y.Array<unknown>).insert(0, ['a plain string takeaway']);
      (t.meta as unknown as Y.Map<unknown>).set('source', new Y.Text('Other source'));
    });
    doc.transact(() => applyContent(doc, version));
    expect(readFields(doc)).toEqual(FIELDS);
  });

  it('empties a story back to an empty version', () => {
    const doc = new Y.Doc();
    const empty = readContent(copy(doc));
    writeFields(doc, FIELDS);
    doc.transact(() => applyContent(doc, empty));
    expect(readFields(doc)).toEqual({
      headline: '',
      synopsis: '',
      takeaways: [],
      body: '',
      dateline: '',
      source: '',
      byline: '',
    });
  });
});
