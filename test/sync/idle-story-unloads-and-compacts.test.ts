import { readFields, storyTypes } from '@copydesk/shared';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory, getStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, waitFor } from '../helpers/yjs-client';

describe('an idle story', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      env: { STORY_UNLOAD_AFTER_MS: '300', COMPACT_EVERY_UPDATES: '50' },
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('is compacted in the background, unloaded after its last client leaves, and reloads intact', async () => {
    const token = await login(server.baseUrl, 'ana');
    const story = await createStory(server.baseUrl, token, { headline: 'Compaction' });
    const ana = connectClient(server.wsUrl, story.id, token);
    const ben = connectClient(server.wsUrl, story.id, await login(server.baseUrl, 'ben'));
    await Promise.all([ana.synced(), ben.synced()]);
    const body = storyTypes(ana.doc).body;
    // One word per turn (each relayed before the next), so each is a log row of its own.
    for (let i = 0; i < 120; i++) {
      body.insert(body.length, `w${i} `);
      await waitFor(ben.doc, () => readFields(ben.doc).body.includes(`w${i} `));
    }

    // A snapshot is written while typing goes on (every 50 updates here).
    await server.waitForLog((e) => e.msg === 'story compacted' && e.storyId === story.id);

    ana.destroy();
    ben.destroy();
    await server.waitForLog((e) => e.msg === 'story unloaded' && e.storyId === story.id);

    const db = new Database(`${server.dataDir}/copydesk.sqlite`, { readonly: true });
    const snapshots = db
      .prepare('SELECT upto FROM snapshots WHERE story_id = ? ORDER BY upto')
      .all(story.id) as { upto: number }[];
    const updates = db
      .prepare('SELECT count(*) AS n FROM updates WHERE story_id = ?')
      .get(story.id) as {
      n: number;
    };
    db.close();
    expect(snapshots.length).toBeGreaterThan(0);
    // The log is kept whole (history); loading reads the snapshot plus the log since.
    expect(updates.n).toBeGreaterThanOrEqual(121);

    const reloaded = connectClient(server.wsUrl, story.id, token);
    await reloaded.synced();
    const expected = Array.from({ length: 120 }, (_, i) => `w${i} `).join('');
    expect(readFields(reloaded.doc).body).toBe(expected);
    expect((await getStory(server.baseUrl, token, story.id)).body).toBe(expected);
    reloaded.destroy();
  });

  it('a big story reloaded from its snapshot reaches a crowd of joiners whole, then live', async () => {
    const token = await login(server.baseUrl, 'ana');
    const story = await createStory(server.baseUrl, token, { headline: 'Big and idle' });
    const writer = connectClient(server.wsUrl, story.id, token);
    await writer.synced();
    // Past the size from which joiners are served one shared copy of the whole story.
    const text = Array.from({ length: 400 }, (_, i) => `Paragraph ${i} of the wire copy.\n`).join(
      '',
    );
    storyTypes(writer.doc).body.insert(0, text);
    const check = connectClient(server.wsUrl, story.id, await login(server.baseUrl, 'ben'));
    await check.synced();
    await waitFor(check.doc, () => readFields(check.doc).body === text);
    writer.destroy();
    check.destroy();
    await Promise.all([
      server.waitForLog((e) => e.msg === 'story unloaded' && e.storyId === story.id),
      server.waitForLog((e) => e.msg === 'story compacted' && e.storyId === story.id),
    ]);

    // Loaded again from the snapshot alone by five joiners at once.
    const crowd = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const joiner = connectClient(server.wsUrl, story.id, token);
        await joiner.synced();
        return joiner;
      }),
    );
    for (const joiner of crowd) expect(readFields(joiner.doc).body).toBe(text);
    // The copy they were served is not the story any more once someone edits it.
    const first = crowd[0];
    if (!first) throw new Error('no joiner');
    storyTypes(first.doc).body.insert(0, 'UPDATE: ');
    const late = connectClient(server.wsUrl, story.id, await login(server.baseUrl, 'ben'));
    await late.synced();
    await waitFor(late.doc, () => readFields(late.doc).body === `UPDATE: ${text}`);
    for (const joiner of crowd) {
      await waitFor(joiner.doc, () => readFields(joiner.doc).body === `UPDATE: ${text}`);
    }
    for (const client of [...crowd, late]) client.destroy();
  });
});
