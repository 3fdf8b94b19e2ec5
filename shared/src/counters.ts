/** Targets a summary writer works against (desk defaults). */
export const SYNOPSIS_WORD_TARGET = { min: 40, max: 60 } as const;
export const TAKEAWAY_TARGET = { min: 3, max: 5 } as const;

/**
 * Counts words the way an editor does: letters with their combining marks, digits,
 * and apostrophes/hyphens inside a word or separators inside a number ("3.5", "1,000").
 */
const WORD =
  /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*(?:(?:['’\-‐‑]|(?<=\p{N})[.,](?=\p{N}))[\p{L}\p{M}\p{N}]+)*/gu;
export const countWords = (text: string): number => text.match(WORD)?.length ?? 0;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Characters as a person sees them: grapheme clusters (an emoji with modifiers is one). */
export const countChars = (text: string): number => {
  let n = 0;
  for (const _ of graphemes.segment(text)) n++;
  return n;
};

export type TargetState = 'under' | 'within' | 'over';
export const targetState = (value: number, target: { min: number; max: number }): TargetState =>
  value < target.min ? 'under' : value > target.max ? 'over' : 'within';
