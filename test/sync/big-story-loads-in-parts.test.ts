import { readFields, storyTypes } from '@copydesk/shared';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createStory, getStory, login } from '../helpers/api';
import { leaveToDisk, typeScattered } from '../helpers/big-story';
import { type RunningServer, startServer } from '../helpers/server';
import {
  connectClient,
  countSyncFrames,
  reconnectTo,
  waitFor,
  type YClient,
} from '../helpers/yjs-client';

describe('a big story', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill();
  });

  it('is stored in parts, loads and reaches joiners in parts, and loses nothing to a crash mid-edit', async () => {
    const first = await startServer({ env: { STORY_UNLOAD_AFTER_MS: '300' } });
    servers.push(first);
    const token = await login(first.baseUrl, 'ana');
    const story = await createStory(first.baseUrl, token, { headline: 'Long day' });
    const writer = connectClient(first.wsUrl, story.id, token);
    await writer.synced();
    typeScattered(writer.doc, 6000);
    const text = readFields(writer.doc).body;
    const compacted = await leaveToDisk(first, story.id, writer);
    expect(compacted.parts).toBeGreaterThan(3);
    const db = new Database(`${first.dataDir}/copydesk.sqlite`, { readonly: true });
    const stored = db
      .prepare('SELECT parts FROM snapshots WHERE story_id = ? ORDER BY upto DESC LIMIT 1')
      .get(story.id) as { parts: number };
    db.close();
    expect(stored.parts).toBe(compacted.parts);

    // Loaded from disk by a crowd at once: each gets the snapshot's parts, then the sync step 2.
    const crowd = Array.from({ length: 4 }, () => connectClient(first.wsUrl, story.id, token));
    const frames = crowd.map(countSyncFrames);
    await Promise.all(crowd.map((c) => c.synced()));
    for (const [i, joiner] of crowd.entries()) {
      expect(readFields(joiner.doc).body).toBe(text);
      expect(frames[i]).toEqual({ updates: stored.parts - 1, step2: 1 });
    }

    // Editors keep typing; a watcher follows; the server is killed mid-stream.
    const [ana, watcher] = crowd as [YClient, YClient, ...YClient[]];
    const body = storyTypes(ana.doc).body;
    for (let i = 0; i < 200; i++) body.insert((i * 31) % body.length, `[e${i}]`);
    await waitFor(watcher.doc, () => readFields(watcher.doc).body.includes('[e120]'));
    await first.kill();
    const seen = readFields(watcher.doc).body;

    const second = await startServer({ dataDir: first.dataDir });
    servers.push(second);
    const fresh = connectClient(second.wsUrl, story.id, token);
    await fresh.synced();
    const afterCrash = readFields(fresh.doc).body;
    // Every edit the watcher had received was stored; the big text is whole.
    for (let i = 0; i <= 120; i++) {
      if (seen.includes(`[e${i}]`)) expect(afterCrash).toContain(`[e${i}]`);
    }
    expect(afterCrash.replace(/\[e\d+\]/g, '')).toBe(text);

    // Ana reconnects to the new server and her unsent edits arrive: nothing lost at all.
    reconnectTo(ana, second.wsUrl);
    await waitFor(fresh.doc, () => readFields(fresh.doc).body === readFields(ana.doc).body);
    const view = await getStory(second.baseUrl, token, story.id);
    for (let i = 0; i < 200; i++) expect(view.body).toContain(`[e${i}]`);
    for (const c of [...crowd, fresh]) c.destroy();
  });

  it('being edited, reaches a crowd of joiners in parts and whole while typing goes on', async () => {
    const server = await startServer();
    servers.push(server);
    const token = await login(server.baseUrl, 'ana');
    const story = await createStory(server.baseUrl, token, { headline: 'Live' });
    const writer = connectClient(server.wsUrl, story.id, token);
    await writer.synced();
    typeScattered(writer.doc, 6000);
    const body = storyTypes(writer.doc).body;
    const crowd = Array.from({ length: 4 }, () => connectClient(server.wsUrl, story.id, token));
    const frames = crowd.map(countSyncFrames);
    // Typing goes on while the crowd is served (their parts are encoded a turn at a time).
    for (let i = 0; i < 40; i++) body.insert((i * 13) % body.length, `[live${i}]`);
    await Promise.all(crowd.map((c) => c.synced()));
    for (let i = 40; i < 80; i++) body.insert((i * 13) % body.length, `[live${i}]`);
    const final = body.toString();
    for (const [i, joiner] of crowd.entries()) {
      await waitFor(joiner.doc, () => readFields(joiner.doc).body === final);
      expect(frames[i]?.updates).toBeGreaterThan(3);
      expect(frames[i]?.step2).toBe(1);
    }
    for (const c of [...crowd, writer]) c.destroy();
  });
});
