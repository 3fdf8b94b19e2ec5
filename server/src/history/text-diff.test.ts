import { describe, expect, it } from 'vitest';
import {
  applyEdits,
  cleanupForDisplay,
  countWords,
  type DiffOp,
  diffText,
  myers,
  textEdits,
  tokenize,
} from './text-diff';

const sides = (ops: DiffOp[]) => ({
  from: ops
    .filter((o) => o.op !== 'added')
    .map((o) => o.text)
    .join(''),
  to: ops
    .filter((o) => o.op !== 'removed')
    .map((o) => o.text)
    .join(''),
});

/** Offsets must point at the op's text in its own side. */
const checkOffsets = (from: string, to: string, ops: DiffOp[]) => {
  for (const op of ops) {
    if (op.op !== 'added')
      expect(from.slice(op.fromStart, op.fromStart + op.text.length)).toBe(op.text);
    if (op.op !== 'removed')
      expect(to.slice(op.toStart, op.toStart + op.text.length)).toBe(op.text);
  }
};

// Deterministic pseudo-random texts.
const rng = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const WORDS = [
  'the',
  'storm',
  'hit',
  'coast',
  'on',
  'Monday',
  ',',
  '.',
  'élan',
  '—',
  '\n',
  'Ben',
  '😀',
];

describe('tokenize', () => {
  it('splits words, blanks, newlines and punctuation, and keeps every character', () => {
    const text = "Don't panic —  it's 3.5 km\nNew line, ok? 😀";
    const tokens = tokenize(text);
    expect(tokens.join('')).toBe(text);
    expect(tokens).toContain("Don't");
    expect(tokens).toContain('\n');
    expect(tokens).toContain('😀');
    expect(tokens).toContain('3.5');
    expect(countWords(text)).toBe(8);
  });
});

describe('myers', () => {
  it('finds a shortest edit script', () => {
    const script = myers([1, 2, 3, 4, 5], [1, 3, 4, 6, 5]);
    expect(script).toEqual([
      [0, 1],
      [1, 1],
      [0, 2],
      [2, 1],
      [0, 1],
    ]);
  });
  it('gives up beyond maxD', () => {
    expect(myers([1, 2, 3, 4], [5, 6, 7, 8], 3)).toBeNull();
  });
});

describe('diffText', () => {
  it('reports word-level changes with removed before added', () => {
    const ops = diffText('The storm hit the coast.', 'The big storm hit the north coast today.');
    // Insertions between equal blanks sit after the word before them (" big", not "big ").
    expect(ops.map((o) => [o.op, o.text])).toEqual([
      ['same', 'The'],
      ['added', ' big'],
      ['same', ' storm hit the'],
      ['added', ' north'],
      ['same', ' coast'],
      ['added', ' today'],
      ['same', '.'],
    ]);
    const replaced = diffText('a cat sat', 'a dog sat');
    expect(replaced.map((o) => [o.op, o.text])).toEqual([
      ['same', 'a '],
      ['removed', 'cat'],
      ['added', 'dog'],
      ['same', ' sat'],
    ]);
  });

  it('round-trips random edits exactly, with exact offsets, short and long', () => {
    const random = rng(7);
    const text = (n: number) =>
      Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
    for (let round = 0; round < 60; round++) {
      const size = round < 50 ? 5 + Math.floor(random() * 40) : 3000;
      const from = text(size);
      const words = from.split(' ');
      for (let e = 0; e < Math.max(2, size / 20); e++) {
        const at = Math.floor(random() * words.length);
        const r = random();
        if (r < 0.4) words.splice(at, 1);
        else if (r < 0.8) words.splice(at, 0, text(1 + Math.floor(random() * 3)));
        else words[at] = text(1);
      }
      const to = words.join(' ');
      const ops = diffText(from, to);
      expect(sides(ops)).toEqual({ from, to });
      checkOffsets(from, to, ops);
      const display = cleanupForDisplay(ops);
      expect(sides(display)).toEqual({ from, to });
      checkOffsets(from, to, display);
      expect(applyEdits(from, textEdits(from, to))).toBe(to);
    }
  });

  it('handles empty sides and identical texts', () => {
    expect(diffText('', '')).toEqual([]);
    expect(diffText('same', 'same')).toEqual([
      { op: 'same', text: 'same', fromStart: 0, toStart: 0 },
    ]);
    expect(diffText('', 'new').map((o) => o.op)).toEqual(['added']);
    expect(diffText('old', '').map((o) => o.op)).toEqual(['removed']);
    expect(textEdits('abc', 'abc')).toEqual([]);
  });

  it('folds blanks between changes for display', () => {
    const ops = cleanupForDisplay(diffText('the cat sat', 'a dog sat'));
    expect(ops.map((o) => [o.op, o.text])).toEqual([
      ['removed', 'the cat'],
      ['added', 'a dog'],
      ['same', ' sat'],
    ]);
  });

  it('keeps unchanged text untouched in restore edits', () => {
    const from = 'Alpha beta gamma.\nDelta epsilon.';
    const to = 'Alpha BETA gamma.\nDelta epsilon zeta.';
    const edits = textEdits(from, to);
    expect(edits).toEqual([
      { index: 31, deleteCount: 0, insert: ' zeta' },
      { index: 6, deleteCount: 4, insert: 'BETA' },
    ]);
    expect(applyEdits(from, edits)).toBe(to);
  });

  it('compares a long rewritten text line by line, fast', () => {
    const lines = Array.from(
      { length: 4000 },
      (_, i) => `Line ${i} says something about ${i % 7}.`,
    );
    const from = lines.join('\n');
    const changed = lines.map((l, i) => (i % 50 === 0 ? `${l} Edited.` : l));
    changed.splice(100, 30);
    const to = changed.join('\n');
    const started = performance.now();
    const ops = diffText(from, to);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(sides(ops)).toEqual({ from, to });
    expect(ops.filter((o) => o.op === 'added').every((o) => o.text.includes('Edited'))).toBe(true);
  });
});
