import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { seededInts as rng } from '../seeded-random';
import { type TextChange, textChange } from './text-change';
import { splice, spliceKnown } from './text-regions';

type Rand = (n: number) => number;

/** Strings over a tiny alphabet, so that prefixes, suffixes and ambiguous edits are common. */
const randomText = (r: Rand, len: number): string =>
  Array.from({ length: len }, () => 'ab a'[r(4)]).join('');

/** A few random inserts and deletes (and, with `format`, formatting) in one go. */
const randomEdits = (r: Rand, t: Y.Text, format = false): void => {
  for (let k = r(4) + 1; k > 0; k--) {
    const at = r(t.length + 1);
    if (r(3) === 0) t.delete(Math.min(at, t.length), Math.min(r(5), t.length - at));
    else if (format && r(5) === 0) t.format(Math.min(at, t.length), r(5), { bold: true });
    else t.insert(at, randomText(r, r(5) + 1));
  }
};

/** What textChange saw in the transaction `apply` runs on `doc`, with the text before it. */
const observe = (doc: Y.Doc, apply: () => void) => {
  const text = doc.getText('t');
  const before = text.toString();
  let seen: TextChange | null | undefined;
  const observer = (event: Y.YTextEvent) => {
    seen = textChange(text, event.transaction, before);
  };
  text.observe(observer);
  doc.transact(apply);
  text.unobserve(observer);
  return { before, after: text.toString(), seen };
};

const expectExact = (before: string, after: string, seen: TextChange | null | undefined) => {
  expect(seen?.after).toBe(after);
  if (!seen) return;
  // True lower bounds of the equal ends: spliceKnown then finds exactly the plain splice.
  expect(spliceKnown(before, after, seen.prefix, seen.suffix)).toEqual(splice(before, after));
};

describe('textChange', () => {
  it('rebuilds the text after inserts, deletes and formatting in one transaction', () => {
    const r = rng(11);
    for (let round = 0; round < 300; round++) {
      const doc = new Y.Doc();
      doc.getText('t').insert(0, randomText(r, r(40)));
      const { before, after, seen } = observe(doc, () => randomEdits(r, doc.getText('t'), true));
      if (seen === undefined) {
        expect(after).toBe(before); // no event: nothing changed
        continue;
      }
      expectExact(before, after, seen);
    }
  });

  it('follows several people’s replicas, their updates applied together as the tracker does', () => {
    const r = rng(5);
    for (let round = 0; round < 60; round++) {
      const people = Array.from({ length: 4 }, () => new Y.Doc());
      const tracker = new Y.Doc();
      const sync = (u: Uint8Array) => {
        for (const d of [...people, tracker]) Y.applyUpdate(d, u);
      };
      // A history of many small items from four clients, as a co-written story has.
      for (let i = 0; i < 40; i++) {
        const doc = people[r(4)] as Y.Doc;
        const captured: Uint8Array[] = [];
        const capture = (u: Uint8Array) => captured.push(u);
        doc.on('update', capture);
        randomEdits(r, doc.getText('t'));
        doc.off('update', capture);
        for (const u of captured) sync(u);
      }
      // Then a step: a run of one person's updates, applied in one transaction.
      const author = people[r(4)] as Y.Doc;
      const run: Uint8Array[] = [];
      const record = (u: Uint8Array) => run.push(u);
      author.on('update', record);
      for (let k = r(3) + 1; k > 0; k--) randomEdits(r, author.getText('t'));
      author.off('update', record);
      const { before, after, seen } = observe(tracker, () => {
        for (const u of run) Y.applyUpdate(tracker, u);
      });
      if (before === after) continue;
      expect(after).toBe(author.getText('t').toString());
      expectExact(before, after, seen);
    }
  });

  it('finds an edit at either end of a long text made of many items', () => {
    const doc = new Y.Doc();
    const other = new Y.Doc();
    const text = doc.getText('t');
    // Alternating clients: thousands of items, none merged with its neighbour.
    for (let i = 0; i < 2000; i++) {
      const [from, to] = i % 2 === 0 ? [other, doc] : [doc, other];
      const captured: Uint8Array[] = [];
      const capture = (u: Uint8Array) => captured.push(u);
      from.on('update', capture);
      from.getText('t').insert(from.getText('t').length, `w${i} `);
      from.off('update', capture);
      for (const u of captured) Y.applyUpdate(to, u);
    }
    const atEnd = observe(doc, () => text.insert(text.length, 'end.'));
    expectExact(atEnd.before, atEnd.after, atEnd.seen);
    expect(atEnd.seen?.prefix).toBe(atEnd.before.length);
    const atStart = observe(doc, () => text.delete(0, 3));
    expectExact(atStart.before, atStart.after, atStart.seen);
    expect(atStart.seen?.suffix).toBe(atStart.after.length);
  });

  it('gives up on content that is not text', () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'abc');
    const { seen } = observe(doc, () => doc.getText('t').insertEmbed(1, { image: 'x' }));
    expect(seen).toBeNull();
  });
});
