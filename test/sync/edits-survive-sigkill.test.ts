import { readFields, storyTypes } from '@copydesk/shared';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createStory, getStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, reconnectTo, waitFor } from '../helpers/yjs-client';

describe('durability', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill();
  });

  it('a server killed with SIGKILL mid-edit keeps every edit another client had received', async () => {
    const first = await startServer();
    servers.push(first);
    const anaToken = await login(first.baseUrl, 'ana');
    const benToken = await login(first.baseUrl, 'ben');
    const story = await createStory(first.baseUrl, anaToken, { headline: 'Durable' });
    const ana = connectClient(first.wsUrl, story.id, anaToken);
    const ben = connectClient(first.wsUrl, story.id, benToken);
    await Promise.all([ana.synced(), ben.synced()]);

    // Ana types 300 small edits across fields; Ben watches.
    const a = storyTypes(ana.doc);
    for (let i = 0; i < 300; i++) {
      if (i % 3 === 0) a.synopsis.insert(a.synopsis.length, `s${i} `);
      else if (i % 3 === 1) a.body.insert(a.body.length, `b${i} `);
      else if (i % 30 === 2) a.takeaways.push([new Y.Text(`t${i}`)]);
      else a.headline.insert(a.headline.length, '.');
    }
    // Kill the moment Ben has seen at least some of it — mid-stream, not after.
    await waitFor(ben.doc, () => readFields(ben.doc).body.includes('b100 '));
    await first.kill();
    const seenByBen = readFields(ben.doc);
    expect(seenByBen.body).toContain('b100 ');

    const second = await startServer({ dataDir: first.dataDir });
    servers.push(second);
    const carlaToken = await login(second.baseUrl, 'carla');
    const fresh = connectClient(second.wsUrl, story.id, carlaToken);
    await fresh.synced();
    const stored = readFields(fresh.doc);
    // Everything Ben saw is stored (the server may have stored more than Ben saw).
    expect(stored.synopsis.startsWith(seenByBen.synopsis)).toBe(true);
    expect(stored.body.startsWith(seenByBen.body)).toBe(true);
    expect(stored.headline.startsWith(seenByBen.headline)).toBe(true);
    for (const t of seenByBen.takeaways) expect(stored.takeaways).toContain(t);

    // Ana still holds all 300 edits; when her provider reconnects to the new
    // server, nothing is lost at all.
    reconnectTo(ana, second.wsUrl);
    await waitFor(
      fresh.doc,
      () =>
        readFields(fresh.doc).synopsis === readFields(ana.doc).synopsis &&
        readFields(fresh.doc).body === readFields(ana.doc).body,
    );
    const view = await getStory(second.baseUrl, carlaToken, story.id);
    expect(view.body).toBe(readFields(ana.doc).body);
    expect(view.body).toContain('b298 ');
    for (const c of [ana, ben, fresh]) c.destroy();
  });

  it('SIGTERM flushes everything and the restarted server has it', async () => {
    const first = await startServer();
    servers.push(first);
    const token = await login(first.baseUrl, 'ana');
    const story = await createStory(first.baseUrl, token, { headline: 'Graceful' });
    const ana = connectClient(first.wsUrl, story.id, token);
    await ana.synced();
    const closed = new Promise<number>((resolve) =>
      ana.provider.on('connection-close', (e: CloseEvent | null) => resolve(e?.code ?? 0)),
    );
    storyTypes(ana.doc).body.insert(0, 'typed right before shutdown');
    await first.stop();
    expect(await closed).toBe(1012);
    ana.destroy();
    const second = await startServer({ dataDir: first.dataDir });
    servers.push(second);
    const view = await getStory(second.baseUrl, await login(second.baseUrl, 'ana'), story.id);
    expect(view.body).toBe('typed right before shutdown');
  });
});
