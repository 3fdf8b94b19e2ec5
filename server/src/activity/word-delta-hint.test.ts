import { describe, expect, it } from 'vitest';
import { seededInts as rng } from '../seeded-random';
import { WORD_PIECES } from './test-fixtures';
import { splice, suffixOf } from './text-regions';
import { wordDelta } from './word-delta';

describe('wordDelta with known equal ends', () => {
  it('counts the same as without them, for any true lower bounds', () => {
    const rand = rng(3);
    const text = (n: number) => {
      let t = '';
      for (let i = 0; i < n; i++) t += WORD_PIECES[rand(WORD_PIECES.length)];
      return t;
    };
    for (let round = 0; round < 2000; round++) {
      const before = text(rand(30));
      let after = before;
      for (let k = rand(3) + (round % 10 === 0 ? 0 : 1); k > 0; k--) {
        const at = rand(after.length + 1);
        // Repeating the text just before the cursor makes the edit ambiguous (where did "a a"
        // gain its second "a"?): the common beginning and end then overlap.
        const inserted = rand(3) === 0 ? after.slice(Math.max(0, at - rand(8)), at) : text(rand(4));
        after = after.slice(0, at) + inserted + after.slice(at + rand(6));
      }
      const r = splice(before, after);
      const end = suffixOf(r, before.length);
      const expected = wordDelta(before, after);
      const label = JSON.stringify([before, after]);
      expect(wordDelta(before, after, { prefix: r.start, suffix: end }), label).toEqual(expected);
      // The whole common end, which may overlap the common beginning (unlike splice's).
      let shared = 0;
      while (
        shared < Math.min(before.length, after.length) &&
        before[before.length - 1 - shared] === after[after.length - 1 - shared]
      ) {
        shared++;
      }
      expect(wordDelta(before, after, { prefix: r.start, suffix: shared }), label).toEqual(
        expected,
      );
      const partial = { prefix: rand(r.start + 1), suffix: rand(shared + 1) };
      expect(wordDelta(before, after, partial), label).toEqual(expected);
    }
  });

  it('never lets a known end overlap the known beginning', () => {
    // "x a " became "x a a ": the texts share 4 leading and 3 trailing characters.
    expect(wordDelta('x a ', 'x a a ', { prefix: 4, suffix: 3 })).toEqual({ added: 1, removed: 0 });
  });
});
