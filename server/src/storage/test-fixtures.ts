import type { LoggedUpdate, Storage, StoryRecord } from './storage';

/** Shared by storage-level unit tests: a demo account and bare stories in a real storage. */

export const FIXTURE_T0 = 1_700_000_000_000;
export const FIXTURE_USER = 'u_ana';

export const loggedText = (text: string, at = FIXTURE_T0): LoggedUpdate => ({
  userId: FIXTURE_USER,
  at,
  update: new TextEncoder().encode(text),
});

export const addFixtureAccount = (storage: Storage) =>
  storage.createAccount({
    id: FIXTURE_USER,
    username: 'ana',
    displayName: 'Ana',
    role: 'editor',
    color: '#123456',
    passwordHash: 'x',
  });

/** Stories whose first logged update is the text `<id>:created` (not a Yjs update). */
export const addFixtureStories = async (storage: Storage, ids: string[]): Promise<void> => {
  for (const id of ids) {
    const story: StoryRecord = {
      id,
      headline: id,
      status: 'draft',
      createdAt: FIXTURE_T0,
      createdBy: FIXTURE_USER,
      updatedAt: FIXTURE_T0,
      updatedBy: FIXTURE_USER,
    };
    await storage.createStory(story, loggedText(`${id}:created`));
  }
};
