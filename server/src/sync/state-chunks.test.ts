import { readFields, storyTypes } from '@copydesk/shared';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { seededInts } from '../seeded-random';
import { encodeStateAsParts, StateChunker } from './state-chunks.mjs';

const WORDS = ['Storm ', 'closes ', 'the ', 'port; ', 'ferries ', 'cancelled. ', 'Mayor ', 'says '];

/** One random edit by `doc`'s client: text typed or cut anywhere, takeaways added or removed. */
const randomEdit = (doc: Y.Doc, int: (n: number) => number): void => {
  const t = storyTypes(doc);
  const text = [t.synopsis, t.body, t.headline][int(3)] as Y.Text;
  const choice = int(10);
  if (choice < 5) text.insert(int(text.length + 1), WORDS[int(WORDS.length)] as string);
  else if (choice < 7 && text.length > 0) {
    const at = int(text.length);
    text.delete(at, Math.min(1 + int(12), text.length - at));
  } else if (choice < 8) {
    const takeaway = new Y.Text(WORDS[int(WORDS.length)]);
    t.takeaways.insert(int(t.takeaways.length + 1), [takeaway]);
  } else if (choice < 9 && t.takeaways.length > 0) {
    const takeaway = t.takeaways.get(int(t.takeaways.length));
    takeaway.insert(int(takeaway.length + 1), WORDS[int(WORDS.length)] as string);
    if (int(4) === 0) t.takeaways.delete(int(t.takeaways.length));
  } else {
    t.meta.set(
      ['dateline', 'byline', 'source'][int(3)] as string,
      WORDS[int(WORDS.length)] as string,
    );
  }
};

/** Five editors typing, each syncing with another now and then: edits depend across clients. */
const coEditedStory = (seed: number, edits: number): Y.Doc => {
  const int = seededInts(seed);
  const editors = Array.from({ length: 5 }, () => new Y.Doc({ gc: true }));
  for (let i = 0; i < edits; i++) {
    const editor = editors[int(editors.length)] as Y.Doc;
    randomEdit(editor, int);
    if (int(3) === 0) {
      const other = editors[int(editors.length)] as Y.Doc;
      Y.applyUpdate(other, Y.encodeStateAsUpdate(editor, Y.encodeStateVector(other)));
    }
  }
  const merged = new Y.Doc({ gc: true });
  for (const editor of editors) Y.applyUpdate(merged, Y.encodeStateAsUpdate(editor));
  return merged;
};

const structCount = (update: Uint8Array): number => Y.decodeUpdate(update).structs.length;

describe('encodeStateAsParts', () => {
  it.each([1, 2, 3])(
    'parts apply in order, each needing only the parts before it (seed %i)',
    (seed) => {
      const story = coEditedStory(seed, 600);
      const parts = encodeStateAsParts(story, 25);
      expect(parts.length).toBeGreaterThan(5);
      const joiner = new Y.Doc();
      for (const part of parts.slice(0, -1)) {
        expect(structCount(part)).toBeLessThanOrEqual(25);
        Y.applyUpdate(joiner, part);
        // Nothing held back waiting for a later part.
        expect(joiner.store.pendingStructs).toBeNull();
      }
      Y.applyUpdate(joiner, parts.at(-1) as Uint8Array);
      expect(joiner.store.pendingStructs).toBeNull();
      expect(joiner.store.pendingDs).toBeNull();
      expect(readFields(joiner)).toEqual(readFields(story));
      expect(Y.encodeStateVector(joiner)).toEqual(Y.encodeStateVector(story));
    },
  );

  it('gives a small document as one struct part and the delete set', () => {
    const doc = new Y.Doc();
    storyTypes(doc).body.insert(0, 'Short story.');
    storyTypes(doc).body.delete(0, 6);
    const parts = encodeStateAsParts(doc, 1000);
    expect(parts).toHaveLength(2);
    const joiner = new Y.Doc();
    for (const part of parts) Y.applyUpdate(joiner, part);
    expect(storyTypes(joiner).body.toString()).toBe('story.');
  });
});

describe('StateChunker on a live document', () => {
  it('still converges when editors keep typing between parts', () => {
    const story = coEditedStory(7, 400);
    const int = seededInts(70);
    const chunker = new StateChunker(story);
    const parts: Uint8Array[] = [];
    const typists = [new Y.Doc(), new Y.Doc()];
    for (const typist of typists) Y.applyUpdate(typist, Y.encodeStateAsUpdate(story));
    while (!chunker.done) {
      parts.push(chunker.next(20));
      // Between two parts (two event-loop turns) others type: structs split, merge, get deleted.
      for (let i = 0; i < 5; i++) {
        const typist = typists[int(typists.length)] as Y.Doc;
        randomEdit(typist, int);
        Y.applyUpdate(story, Y.encodeStateAsUpdate(typist, Y.encodeStateVector(story)));
      }
    }
    parts.push(chunker.finish());
    const joiner = new Y.Doc();
    for (const part of parts) Y.applyUpdate(joiner, part);
    expect(joiner.store.pendingStructs).toBeNull();
    expect(readFields(joiner)).toEqual(readFields(story));
  });
});
