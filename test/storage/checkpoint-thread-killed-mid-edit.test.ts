import path from 'node:path';
import { readFields, storyTypes } from '@copydesk/shared';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { logRowsInFileAlone } from '../../server/src/storage/test-fixtures';
import { createStory, getStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, reconnectTo, waitFor } from '../helpers/yjs-client';

const EDITS = 400;

/**
 * SQLite's checkpoints run in a thread of their own (server/src/storage/sqlite-checkpointer.ts),
 * copying the WAL into the database file while the writer keeps committing. Here one runs after
 * every commit, so a checkpoint is almost always under way when the process is killed.
 */
describe('the SQLite checkpoint thread', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill();
  });

  it('killed mid-checkpoint with SIGKILL, the server restarts with every edit it relayed', async () => {
    const env = { SQLITE_CHECKPOINT_EVERY_COMMITS: '1' };
    const first = await startServer({ env });
    servers.push(first);
    const anaToken = await login(first.baseUrl, 'ana');
    const story = await createStory(first.baseUrl, anaToken, { headline: 'Checkpointed' });
    const ana = connectClient(first.wsUrl, story.id, anaToken);
    const ben = connectClient(first.wsUrl, story.id, await login(first.baseUrl, 'ben'));
    await Promise.all([ana.synced(), ben.synced()]);

    // One edit per turn of Ana's loop, so the server stores them in many separate commits.
    const typing = (async () => {
      const body = storyTypes(ana.doc).body;
      for (let i = 0; i < EDITS; i++) {
        body.insert(body.length, `w${i} `);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await waitFor(ben.doc, () => readFields(ben.doc).body.includes(`w${EDITS / 2} `));
    await first.kill();
    expect(first.logs.some((line) => line.includes('checkpoint thread failed'))).toBe(false);
    const seenByBen = readFields(ben.doc).body;
    await typing;
    // The thread had copied part of the log into the file itself before the kill.
    expect(logRowsInFileAlone(path.join(first.dataDir, 'copydesk.sqlite'))).toBeGreaterThan(1);

    const second = await startServer({ dataDir: first.dataDir, env });
    servers.push(second);
    const carlaToken = await login(second.baseUrl, 'carla');
    const stored = await getStory(second.baseUrl, carlaToken, story.id);
    expect(stored.body.startsWith(seenByBen)).toBe(true);
    const check = new Database(path.join(first.dataDir, 'copydesk.sqlite'), { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();

    // Ana still holds all of her edits: reconnected, the story ends with every one of them.
    const fresh = connectClient(second.wsUrl, story.id, carlaToken);
    await fresh.synced();
    reconnectTo(ana, second.wsUrl);
    await waitFor(fresh.doc, () => readFields(fresh.doc).body === readFields(ana.doc).body);
    const final = await getStory(second.baseUrl, carlaToken, story.id);
    expect(final.body).toBe(readFields(ana.doc).body);
    expect(final.body).toContain(`w${EDITS - 1} `);
    for (const c of [ana, ben, fresh]) c.destroy();
  });
});
