import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MERGE_RUN_MAX, MERGE_RUN_MIN, mergeRuns, type SenderWrite } from './merge-runs';

/** `count` keystrokes typed by one client, one update each, dated 1, 2, 3… ms. */
const keystrokes = (doc: Y.Doc, origin: string, userId: string, count: number) => {
  const writes: SenderWrite<string>[] = [];
  const listener = (update: Uint8Array) =>
    writes.push({ origin, userId, at: writes.length + 1, update });
  doc.on('update', listener);
  const text = doc.getText('body');
  for (let i = 0; i < count; i++) text.insert(text.length, String(i % 10));
  doc.off('update', listener);
  return writes;
};

const textOf = (updates: Uint8Array[]) => {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  return doc.getText('body').toString();
};

const noFailure = (err: unknown) => {
  throw err;
};

describe('mergeRuns', () => {
  it('folds a run of one sender into one write with the same content, dated by its last', () => {
    const doc = new Y.Doc();
    const writes = keystrokes(doc, 'conn-a', 'ana', 40);
    const out = mergeRuns(writes, noFailure);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ origin: 'conn-a', userId: 'ana', at: 40 });
    expect(textOf(out.map((w) => w.update))).toBe(doc.getText('body').toString());
  });

  it('keeps ordinary typing (runs shorter than the minimum) byte for byte', () => {
    const doc = new Y.Doc();
    const a = keystrokes(doc, 'conn-a', 'ana', MERGE_RUN_MIN - 1);
    const b = keystrokes(doc, 'conn-b', 'ben', MERGE_RUN_MIN - 1);
    const writes = [...a, ...b];
    expect(mergeRuns(writes, noFailure)).toEqual(writes);
  });

  it('never merges across senders, and keeps their order', () => {
    const doc = new Y.Doc();
    const writes = [
      ...keystrokes(doc, 'conn-a', 'ana', 10),
      ...keystrokes(doc, 'conn-b', 'ben', 2),
      ...keystrokes(doc, 'conn-a', 'ana', 10),
    ];
    const out = mergeRuns(writes, noFailure);
    expect(out.map((w) => w.origin)).toEqual(['conn-a', 'conn-b', 'conn-b', 'conn-a']);
    expect(textOf(out.map((w) => w.update))).toBe(doc.getText('body').toString());
  });

  it('splits a long run into merges of at most the maximum', () => {
    const doc = new Y.Doc();
    const writes = keystrokes(doc, 'conn-a', 'ana', MERGE_RUN_MAX * 2 + 10);
    const out = mergeRuns(writes, noFailure);
    expect(out).toHaveLength(3);
    expect(out.map((w) => w.at)).toEqual([
      MERGE_RUN_MAX,
      MERGE_RUN_MAX * 2,
      MERGE_RUN_MAX * 2 + 10,
    ]);
    expect(textOf(out.map((w) => w.update))).toBe(doc.getText('body').toString());
  });

  it('keeps the run apart when Yjs cannot merge it, and says so', () => {
    const doc = new Y.Doc();
    const writes = keystrokes(doc, 'conn-a', 'ana', 6);
    const broken = [...writes.slice(0, 5), { ...writes[5], update: new Uint8Array([255, 255]) }];
    const failures: unknown[] = [];
    const out = mergeRuns(broken as SenderWrite<string>[], (err) => failures.push(err));
    expect(failures).toHaveLength(1);
    expect(out).toEqual(broken);
  });
});
