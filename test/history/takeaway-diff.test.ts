import { readFields, type StoryDiff, storyTypes, type TakeawayDiff } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createStory } from '../helpers/api';
import { connectClient, waitFor } from '../helpers/yjs-client';
import { type Account, historyApi, ok, signIn, versionsMade } from './history-helpers';
import { type HistoryTestServer, startHistoryServer } from './history-server';

const WIRE = `Ceasefire talks
Synopsis
Talks resume.
Key Takeaways
- Talks begin in Geneva on Monday.
- Both sides agreed to a ceasefire.
- Prisoner exchange planned for spring.
- Sanctions stay in place for now.
Geneva, Dec 3 (Agency) Delegations arrived on Sunday.`;

const row = (t: TakeawayDiff) =>
  `${t.changes.join('+') || 'same'} ${t.fromIndex ?? '-'}→${t.toIndex ?? '-'} ${t.matchedBy ?? ''}`.trim();

describe('comparing takeaways between versions', () => {
  let server: HistoryTestServer;
  let ana: Account;
  let ben: Account;

  beforeAll(async () => {
    server = await startHistoryServer({ settleMs: 200 });
    ana = await signIn(server.baseUrl, 'ana');
    ben = await signIn(server.baseUrl, 'ben');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('reports added, removed, moved and edited takeaways, with authors, both ways', async () => {
    const story = await createStory(server.baseUrl, ana.token, { wire: WIRE });
    await versionsMade(server, story.id, 1);
    const anaClient = connectClient(server.wsUrl, story.id, ana.token);
    const benClient = connectClient(server.wsUrl, story.id, ben.token);
    await Promise.all([anaClient.synced(), benClient.synced()]);

    const a = storyTypes(anaClient.doc).takeaways;
    const b = storyTypes(benClient.doc).takeaways;
    // Ana edits takeaway 1 in place; Ben moves takeaway 4 to the top (delete + new Y.Text, as
    // docs/PROTOCOL.md says), removes "Prisoner exchange…" and adds a new one at the end.
    (a.get(0) as Y.Text).insert('Talks begin in Geneva'.length, ' and Vienna');
    await waitFor(
      benClient.doc,
      () => readFields(benClient.doc).takeaways[0]?.includes('Vienna') === true,
    );
    benClient.doc.transact(() => {
      const text = (b.get(3) as Y.Text).toString();
      b.delete(3, 1);
      b.insert(0, [new Y.Text(text)]);
    });
    b.delete(3, 1);
    b.push([new Y.Text('Observers from the UN will attend.')]);
    await waitFor(
      anaClient.doc,
      () => readFields(anaClient.doc).takeaways[3]?.includes('UN') === true,
    );
    expect(readFields(anaClient.doc).takeaways).toEqual([
      'Sanctions stay in place for now.',
      'Talks begin in Geneva and Vienna on Monday.',
      'Both sides agreed to a ceasefire.',
      'Observers from the UN will attend.',
    ]);
    await versionsMade(server, story.id, 2);

    const diff = ok<StoryDiff>(
      await historyApi(server, ben, 'GET', `/api/stories/${story.id}/versions/1/diff?against=2`),
    );
    expect(diff.takeaways.map(row)).toEqual([
      'moved 3→0 text',
      'edited 0→1 identity',
      'same 1→2 identity',
      'removed 2→-',
      'added -→3',
    ]);
    const [moved, edited, , removed, added] = diff.takeaways as TakeawayDiff[];
    expect(edited?.diff.runs).toEqual([
      { op: 'same', text: 'Talks begin in Geneva', userId: null },
      { op: 'added', text: ' and Vienna', userId: ana.user.id },
      { op: 'same', text: ' on Monday.', userId: null },
    ]);
    expect(moved?.diff.changed).toBe(false);
    expect(removed?.text).toBe('Prisoner exchange planned for spring.');
    expect(removed?.diff.runs).toEqual([
      { op: 'removed', text: 'Prisoner exchange planned for spring.', userId: ben.user.id },
    ]);
    expect(added?.diff.runs).toEqual([
      { op: 'added', text: 'Observers from the UN will attend.', userId: ben.user.id },
    ]);
    expect(diff.summary).toBe(
      'Ben moved takeaway 4 to position 1, removed takeaway 3, added takeaway 4; Ana edited takeaway 2 (+2 words)',
    );
    expect(Object.keys(diff.users).sort()).toEqual([ana.user.id, ben.user.id].sort());
    expect(diff.fields.synopsis).toEqual({
      changed: false,
      wordsAdded: 0,
      wordsRemoved: 0,
      runs: [{ op: 'same', text: 'Talks resume.', userId: null }],
    });

    // Against "current" gives the same; the other way round, everything is inverted.
    const current = ok<StoryDiff>(
      await historyApi(server, ben, 'GET', `/api/stories/${story.id}/versions/1/diff`),
    );
    expect(current.to.kind).toBe('current');
    expect(current.takeaways.map(row)).toEqual(diff.takeaways.map(row));
    const back = ok<StoryDiff>(
      await historyApi(server, ben, 'GET', `/api/stories/${story.id}/versions/2/diff?against=1`),
    );
    expect(back.takeaways.map(row)).toEqual([
      'edited 1→0 identity',
      'same 2→1 identity',
      'removed 3→-',
      'added -→2',
      'moved 0→3 text',
    ]);
    anaClient.destroy();
    benClient.destroy();
  });
});
