import { readFields, storyTypes } from '@copydesk/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { createStory, getStory, login } from '../helpers/api';
import { metric } from '../helpers/metrics';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, reconnectTo, waitFor } from '../helpers/yjs-client';

const EDITS = 10_000;
/** One character per edit, each edit its own update: a replay or an import, not typing. */
/** A server that lets one client stream (as for an import): the default rate closes it with 4429. */
const STREAMING_ALLOWED = { SYNC_MESSAGES_PER_SECOND: '1000000', SYNC_MESSAGE_BURST: '1000000' };
const streamed = Array.from({ length: EDITS }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26)));

describe('a story streamed into faster than one commit a turn', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill();
  });

  it('is stored in held commits, and a SIGKILL mid-stream loses nothing anyone saw', async () => {
    const first = await startServer({ env: STREAMING_ALLOWED });
    servers.push(first);
    const anaToken = await login(first.baseUrl, 'ana');
    const benToken = await login(first.baseUrl, 'ben');
    const story = await createStory(first.baseUrl, anaToken, { headline: 'Streamed' });
    const ana = connectClient(first.wsUrl, story.id, anaToken);
    const ben = connectClient(first.wsUrl, story.id, benToken);
    await Promise.all([ana.synced(), ben.synced()]);

    // Chunks of a hundred edits, handing the event loop back between them so that the server
    // (and Ben, in this same process) hear the stream while it goes on.
    const body = storyTypes(ana.doc).body;
    const streaming = (async () => {
      for (let i = 0; i < EDITS; i++) {
        body.insert(i, streamed[i] as string);
        if (i % 100 === 99) await new Promise(setImmediate);
      }
    })();
    await waitFor(ben.doc, () => readFields(ben.doc).body.length >= 1_000);
    // The server cuts this story's commits a moment apart (write-scheduler.ts).
    expect(await metric(first.baseUrl, 'copydesk_streaming_pauses_total')).toBeGreaterThan(0);
    await waitFor(ben.doc, () => readFields(ben.doc).body.length >= 3_000);
    await first.kill();
    const seenByBen = readFields(ben.doc).body;
    await streaming;
    expect(streamed.join('').startsWith(seenByBen)).toBe(true);

    const second = await startServer({ dataDir: first.dataDir, env: STREAMING_ALLOWED });
    servers.push(second);
    const carlaToken = await login(second.baseUrl, 'carla');
    const restarted = await getStory(second.baseUrl, carlaToken, story.id);
    // Everything Ben saw was stored before he saw it (the server may have stored more).
    expect(restarted.body.startsWith(seenByBen)).toBe(true);

    // Ana's client still holds the whole stream: reconnected, it is all there.
    const fresh = connectClient(second.wsUrl, story.id, carlaToken);
    await fresh.synced();
    reconnectTo(ana, second.wsUrl);
    await waitFor(fresh.doc, () => readFields(fresh.doc).body.length === EDITS);
    expect(readFields(fresh.doc).body).toBe(streamed.join(''));
    const view = await getStory(second.baseUrl, carlaToken, story.id);
    expect(view.body).toBe(streamed.join(''));
    for (const c of [ana, ben, fresh]) c.destroy();
  });
});
