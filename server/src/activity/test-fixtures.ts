import type { Storage, StoredUpdate } from '../storage/storage';
import {
  addFixtureAccount,
  addTypedStory,
  FIXTURE_OTHER_USER,
  FIXTURE_USER,
} from '../storage/test-fixtures';
import type { ActivityRecorder } from './activity-recorder';
import type { DrainedEntries, TrackerEngine } from './tracker-engine';

/**
 * Pieces random texts are made of in the word-count tests: words, spaces, punctuation that
 * joins a word ('s, -, the . of 3.5) and punctuation that separates (brackets, slashes, CJK).
 */
export const WORD_PIECES = [
  'storm',
  ' ',
  'port',
  'Lisbon',
  '. ',
  '\n',
  '12',
  '.',
  '5',
  "'s",
  '-',
  'a',
  'é',
  '[',
  ']',
  '/',
  '記者',
  '。',
] as const;

type Apply = (updates: readonly StoredUpdate[]) => Promise<DrainedEntries>;

/** Makes every working copy `engine` opens from now on apply its batches through `around`. */
export const aroundApply = (
  engine: TrackerEngine,
  around: (apply: Apply, updates: readonly StoredUpdate[]) => Promise<DrainedEntries>,
): void => {
  const open = engine.open.bind(engine);
  engine.open = async (request) => {
    const copy = await open(request);
    const apply = copy.apply.bind(copy);
    copy.apply = (updates) => around(apply, updates);
    return copy;
  };
};

/** Shared by activity unit tests: a story Ana and Ben type into, one word each in turn. */
export const twoTypists = async (storage: Storage, id = 'st_two_typists') => {
  await addFixtureAccount(storage, FIXTURE_OTHER_USER);
  const story = await addTypedStory(storage, id, 'start ');
  return {
    id,
    /** `count` runs of one update each (the typists alternate, Ana first). */
    typeInTurn: async (count: number) => {
      for (let i = 0; i < count; i++) {
        await story.append(`w${i} `, i % 2 === 0 ? FIXTURE_USER : FIXTURE_OTHER_USER);
      }
    },
    /** Body words added per account over every entry the feed shows. */
    wordsAddedBy: async (recorder: ActivityRecorder) => {
      const added: Record<string, number> = {};
      for (const e of (await recorder.storyActivity(id, null, 50)).entries) {
        if (e.field === 'body') added[e.userId] = (added[e.userId] ?? 0) + e.wordsAdded;
      }
      return added;
    },
  };
};
