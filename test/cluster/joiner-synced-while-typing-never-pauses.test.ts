import { readFields, storyTypes } from '@copydesk/shared';
import { describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { typeScattered } from '../helpers/big-story';
import { clusterForSuite } from '../helpers/cluster';
import { connectClient, countSyncFrames, waitFor } from '../helpers/yjs-client';

/**
 * A big story on PostgreSQL (commits take ms, the next updates arrive meanwhile) while a typist
 * never pauses: the joiner's parts are encoded between commits, each only once nothing is
 * unstored, and live updates reach it in between, some before the parts they build on. It must be synced while the typing
 * goes on, and end with exactly the typist's text.
 */
describe('a joiner of a story typed into without pause', () => {
  const cluster = clusterForSuite({
    instances: 1,
    env: { SYNC_MESSAGES_PER_SECOND: '100000', SYNC_MESSAGE_BURST: '100000' },
  });

  it('is synced while the typing goes on, whole and then live', async () => {
    const [server] = cluster().servers;
    if (!server) throw new Error('no server');
    const token = await login(server.baseUrl, 'ana');
    const story = await createStory(server.baseUrl, token, { headline: 'Non-stop' });
    const typist = connectClient(server.wsUrl, story.id, token);
    await typist.synced();
    const body = storyTypes(typist.doc).body;
    // A big story first (its whole state goes out in parts, each waiting for a stored moment).
    typeScattered(typist.doc, 4000);
    let typing = true;
    let typed = 0;
    // Bounded, so a joiner never answered while the typing goes on fails, not hangs.
    const stopAt = Date.now() + 20_000;
    const keepTyping = () => {
      if (!typing) return;
      if (Date.now() > stopAt) {
        typing = false;
        return;
      }
      body.insert(body.length, `${typed++ % 10}`);
      setImmediate(keepTyping);
    };
    keepTyping();
    const joiner = connectClient(server.wsUrl, story.id, await login(server.baseUrl, 'ben'));
    const frames = countSyncFrames(joiner);
    const syncedAt = await joiner.synced().then(() => typed);
    const stillTyping = typing;
    typing = false;
    expect(stillTyping).toBe(true);
    expect(syncedAt).toBeGreaterThan(0);
    expect(frames.updates).toBeGreaterThan(3); // the parts (and live updates) before its step 2
    expect(frames.step2).toBe(1);
    await waitFor(joiner.doc, () => readFields(joiner.doc).body === body.toString(), 30_000);
    joiner.destroy();
    typist.destroy();
  }, 60_000);
});
