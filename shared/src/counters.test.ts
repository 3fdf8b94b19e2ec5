import { describe, expect, it } from 'vitest';
import {
  countChars,
  countWords,
  SYNOPSIS_WORD_TARGET,
  TAKEAWAY_TARGET,
  targetState,
} from './counters';

describe('countWords', () => {
  it('counts nothing in empty or blank text', () => {
    expect(countWords('')).toBe(0);
    expect(countWords('   \n\t \u00A0')).toBe(0);
    expect(countWords('— … “ ” !?')).toBe(0);
    expect(countWords('🎉 👍')).toBe(0);
  });

  it('counts plain words across spaces, newlines and punctuation', () => {
    expect(countWords('Peskov denies Putin rejected the plan.')).toBe(6);
    expect(countWords('One\ntwo\n\nthree,four;five')).toBe(5);
    expect(countWords('  leading and trailing  ')).toBe(3);
  });

  it('counts contractions (straight and curly apostrophes) as one word', () => {
    expect(countWords("don't")).toBe(1);
    expect(countWords('it’s')).toBe(1);
    expect(countWords("Putin's rejection wouldn't stand")).toBe(4);
    expect(countWords("rock'n'roll")).toBe(1);
  });

  it('counts hyphenated words (hyphen-minus and U+2010) as one word', () => {
    expect(countWords('Expert-level discussions')).toBe(2);
    expect(countWords('co‐operate')).toBe(1);
    expect(countWords('state-of-the-art')).toBe(1);
  });

  it('splits at dashes and slashes used as punctuation', () => {
    expect(countWords('yes—no')).toBe(2);
    expect(countWords('yes – no')).toBe(2);
    expect(countWords('and/or')).toBe(2);
  });

  it('counts Unicode letters (accents, Cyrillic, Greek) as words', () => {
    expect(countWords('naïve café')).toBe(2);
    expect(countWords('Москва и Київ')).toBe(3);
    expect(countWords('Αθήνα σήμερα')).toBe(2);
  });

  it('counts numbers as words', () => {
    expect(countWords('5 takeaways in 2025')).toBe(4);
    expect(countWords('G7 and 3rd')).toBe(3);
  });

  it('counts words that contain combining marks as one word', () => {
    expect(countWords('re\u0301sume\u0301')).toBe(1);
    expect(countWords('नमस्ते दुनिया')).toBe(2);
  });

  it('counts a number with separators as one word', () => {
    expect(countWords('3.5 million')).toBe(2);
    expect(countWords('1,000 troops')).toBe(2);
  });
});

describe('countChars', () => {
  it('counts characters, not UTF-16 units', () => {
    expect(countChars('')).toBe(0);
    expect(countChars('abc')).toBe(3);
    expect(countChars('café')).toBe(4);
    expect(countChars('“Kyiv”—')).toBe(7);
    expect(countChars('a\nb')).toBe(3);
  });

  it('counts a single emoji as one character', () => {
    expect(countChars('👍')).toBe(1);
    expect(countChars('🎉 ok')).toBe(4);
    expect(countChars('𝒳')).toBe(1); // astral letter
  });

  it('counts emoji sequences and combining accents as one character each', () => {
    expect(countChars('👍🏽')).toBe(1);
    expect(countChars('👨‍👩‍👧')).toBe(1);
    expect(countChars('🇺🇦')).toBe(1);
    expect(countChars('e\u0301')).toBe(1);
  });
});

describe('targetState', () => {
  it('is inclusive at both ends of the synopsis word target', () => {
    const { min, max } = SYNOPSIS_WORD_TARGET;
    expect(targetState(0, SYNOPSIS_WORD_TARGET)).toBe('under');
    expect(targetState(min - 1, SYNOPSIS_WORD_TARGET)).toBe('under');
    expect(targetState(min, SYNOPSIS_WORD_TARGET)).toBe('within');
    expect(targetState(50, SYNOPSIS_WORD_TARGET)).toBe('within');
    expect(targetState(max, SYNOPSIS_WORD_TARGET)).toBe('within');
    expect(targetState(max + 1, SYNOPSIS_WORD_TARGET)).toBe('over');
  });

  it('applies the 3–5 takeaway target', () => {
    expect(TAKEAWAY_TARGET).toEqual({ min: 3, max: 5 });
    expect([0, 2, 3, 4, 5, 6].map((n) => targetState(n, TAKEAWAY_TARGET))).toEqual([
      'under',
      'under',
      'within',
      'within',
      'within',
      'over',
    ]);
  });

  it('works with a single-value target', () => {
    const exact = { min: 1, max: 1 };
    expect(targetState(0, exact)).toBe('under');
    expect(targetState(1, exact)).toBe('within');
    expect(targetState(2, exact)).toBe('over');
  });

  it('rates the seed synopsis target against real text', () => {
    const synopsis = Array.from({ length: 45 }, (_, i) => `word${i}`).join(' ');
    expect(targetState(countWords(synopsis), SYNOPSIS_WORD_TARGET)).toBe('within');
  });
});
