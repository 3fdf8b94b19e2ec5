// The word tokenizer every diff and word count works on.

const TOKEN =
  /\n|[^\S\n]+|\p{N}+(?:[.,:]\p{N}+)+|[\p{L}\p{N}\p{M}_]+(?:['’][\p{L}\p{N}\p{M}_]+)*|[\s\S]/gu;
const WORDISH = /[\p{L}\p{N}]/u;

/** Words, runs of blanks, single newlines and single other characters (punctuation). */
export const tokenize = (text: string): string[] => text.match(TOKEN) ?? [];

export const isWord = (token: string): boolean => WORDISH.test(token);

export const countWords = (text: string): number => tokenize(text).filter(isWord).length;
