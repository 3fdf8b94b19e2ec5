import { describe, expect, it } from 'vitest';
import { wordDelta, words } from './word-delta';

describe('wordDelta', () => {
  it('counts words added and removed, not characters', () => {
    expect(wordDelta('', 'Talks begin in Geneva.')).toEqual({ added: 4, removed: 0 });
    expect(wordDelta('Talks begin in Geneva.', '')).toEqual({ added: 0, removed: 4 });
    expect(wordDelta('Talks begin in Geneva.', 'Talks begin in Geneva.')).toEqual({
      added: 0,
      removed: 0,
    });
  });

  it('counts a changed word as one removed and one added', () => {
    expect(wordDelta('Talks begin in Geneva.', 'Talks begin in Vienna.')).toEqual({
      added: 1,
      removed: 1,
    });
  });

  it('finds the common words around and between edits', () => {
    expect(wordDelta('a b c d e f', 'a x c d y f z')).toEqual({ added: 3, removed: 2 });
    // Punctuation and spacing alone change no words.
    expect(wordDelta('one, two three', 'one two  three!')).toEqual({ added: 0, removed: 0 });
  });

  it('treats hyphenated words, apostrophes and numbers as single words', () => {
    expect(words("Kremlin's 12-point plan costs 3.5 bn")).toEqual([
      "Kremlin's",
      '12-point',
      'plan',
      'costs',
      '3.5',
      'bn',
    ]);
  });

  it('stays fast and sensible on a huge rewrite', () => {
    const a = Array.from({ length: 20_000 }, (_, i) => `w${i}`).join(' ');
    const b = Array.from({ length: 20_000 }, (_, i) => `w${(i * 7919) % 20_000}`).join(' ');
    const started = performance.now();
    const d = wordDelta(a, b);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(d.added).toBe(d.removed);
    expect(d.added).toBeLessThan(20_000);
  });
});
