import {
  readFields,
  storyTypes,
  type VersionStoryView,
  type VersionSummary,
} from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory } from '../helpers/api';
import { connectClient, waitFor } from '../helpers/yjs-client';
import {
  type Account,
  historyApi,
  listVersions,
  ok,
  signIn,
  versionsMade,
} from './history-helpers';
import { type HistoryTestServer, startHistoryServer } from './history-server';

const GAP_MS = 1_500;
const KEYSTROKES = 200;

/**
 * A long burst of fast typing is cut into versions by count, but at most once per
 * minCutGapMs: a fast typist (or a replayed trace) must not get a version every few
 * keystrokes, each one a rebuild of the story on the server.
 */
describe('versions during a long burst of typing', () => {
  let server: HistoryTestServer;
  let ana: Account;

  beforeAll(async () => {
    server = await startHistoryServer({
      settleMs: 60_000,
      maxUpdatesPerVersion: 20,
      minCutGapMs: GAP_MS,
    });
    ana = await signIn(server.baseUrl, 'ana');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('cuts by count at most once per gap, and the later cut holds every keystroke', async () => {
    const story = await createStory(server.baseUrl, ana.token, { headline: 'Burst' });
    await versionsMade(server, story.id, 1); // the creation version
    const typist = connectClient(server.wsUrl, story.id, ana.token);
    const watcher = connectClient(server.wsUrl, story.id, ana.token);
    await Promise.all([typist.synced(), watcher.synced()]);

    const body = storyTypes(typist.doc).body;
    const typed = 'x'.repeat(KEYSTROKES);
    // One keystroke per turn (each relayed before the next): a run of one sender within a
    // turn would be stored as one merged row, and the cut counts rows.
    for (let i = 0; i < KEYSTROKES; i++) {
      body.insert(body.length, 'x');
      await waitFor(watcher.doc, () => readFields(watcher.doc).body.length === i + 1);
    }

    // Ten times the count threshold was stored, yet only the first cut happens at once.
    await versionsMade(server, story.id, 2);
    const afterFirst = (await listVersions(server, ana, story.id)).filter(
      (v) => v.reason === 'auto',
    );
    expect(afterFirst).toHaveLength(1);

    await versionsMade(server, story.id, 3);
    const auto = (await listVersions(server, ana, story.id))
      .filter((v) => v.reason === 'auto')
      .sort((a, b) => a.number - b.number);
    expect(auto).toHaveLength(2);
    const [first, second] = auto as [VersionSummary, VersionSummary];
    expect(Date.parse(second.createdAt) - Date.parse(first.createdAt)).toBeGreaterThanOrEqual(
      GAP_MS / 2, // without the gap the second cut follows within milliseconds
    );
    // The delayed cut is at the end of the log: every keystroke is in it.
    expect(second.seq).toBeGreaterThan(first.seq);
    const view = ok<VersionStoryView>(
      await historyApi(server, ana, 'GET', `/api/stories/${story.id}/versions/${second.id}`),
    );
    expect(view.body).toBe(typed);
    typist.destroy();
    watcher.destroy();
  });
});
