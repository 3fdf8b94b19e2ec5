import { describe, expect, it } from 'vitest';
import { WORD_PIECES } from './test-fixtures';
import { differingParts, wordDelta, words } from './word-delta';

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

  it('matches a whole-text word comparison on random edits (the unchanged ends are skipped)', () => {
    // Longest common subsequence of the two texts' words, by dynamic programming.
    const lcs = (a: string[], b: string[]): number => {
      const row = new Array<number>(b.length + 1).fill(0);
      for (const x of a) {
        let diagonal = 0;
        for (let j = 1; j <= b.length; j++) {
          const above = row[j] ?? 0;
          row[j] = x === b[j - 1] ? diagonal + 1 : Math.max(above, row[j - 1] ?? 0);
          diagonal = above;
        }
      }
      return row[b.length] ?? 0;
    };
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let round = 0; round < 500; round++) {
      let before = '';
      for (let i = 0; i < 30; i++) before += WORD_PIECES[rand(WORD_PIECES.length)];
      const at = rand(before.length + 1);
      const cut = rand(Math.min(6, before.length - at) + 1);
      let inserted = '';
      for (let i = rand(4); i > 0; i--) inserted += WORD_PIECES[rand(WORD_PIECES.length)];
      const after = before.slice(0, at) + inserted + before.slice(at + cut);
      const a = words(before);
      const b = words(after);
      const common = lcs(a, b);
      expect(wordDelta(before, after), JSON.stringify([before, after])).toEqual({
        added: b.length - common,
        removed: a.length - common,
      });
    }
  });

  it('compares only the words around an edit in text without spaces', () => {
    // Typing at the end of 2,000 bracketed tokens, a long URL or Chinese copy: the cut falls at
    // the brackets, slashes and full stops, not at the start of the field.
    const tokens = Array.from({ length: 2_000 }, (_, i) => `[${i % 7}.${i}.1733580000]`).join('');
    expect(differingParts(tokens, `${tokens}[3.2000.1733590000]`)).toEqual([
      '',
      '[3.2000.1733590000]',
    ]);
    expect(wordDelta(tokens, `${tokens}[3.2000.1733590000]`)).toEqual({ added: 1, removed: 0 });
    const url = `https://example.org/${'section/'.repeat(300)}story`;
    expect(differingParts(url, `${url}-update`)).toEqual(['story', 'story-update']);
    const chinese = '記者會在北京舉行。'.repeat(500);
    expect(differingParts(chinese, `${chinese}外交部回應`)).toEqual(['', '外交部回應']);
    expect(wordDelta(chinese, `${chinese}外交部回應`)).toEqual({ added: 1, removed: 0 });
  });

  it('never cuts inside a word: apostrophes, hyphens and decimal points join words', () => {
    expect(differingParts("the Kremlin's plan", "the Kremlin'd plan")).toEqual([
      "Kremlin's",
      "Kremlin'd",
    ]);
    expect(differingParts('costs 3.5', 'costs 3.57')).toEqual(['3.5', '3.57']);
    expect(differingParts('a 12-point', 'a 12-points')).toEqual(['12-point', '12-points']);
  });
});
