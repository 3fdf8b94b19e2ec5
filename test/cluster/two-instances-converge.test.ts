import { readFields, storyTypes } from '@copydesk/shared';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createStory, getStory, login } from '../helpers/api';
import { clusterForSuite, twoInstances } from '../helpers/cluster';
import { inspectUpdateLog } from '../helpers/update-log';
import { connectClient, waitFor } from '../helpers/yjs-client';

describe('two instances on shared PostgreSQL and Redis', () => {
  const cluster = clusterForSuite();

  it('converge live on concurrent edits to every field from clients on different instances', async () => {
    const [a, b] = twoInstances(cluster());
    const anaToken = await login(a.baseUrl, 'ana');
    const benToken = await login(b.baseUrl, 'ben');
    const story = await createStory(a.baseUrl, anaToken, {
      wire: 'Cross\nSynopsis\nStart.\nKey Takeaways\n- One\n- Two\nBody text.',
    });
    const ana = connectClient(a.wsUrl, story.id, anaToken);
    const ben = connectClient(b.wsUrl, story.id, benToken);
    await Promise.all([ana.synced(), ben.synced()]);
    expect(readFields(ben.doc).takeaways).toEqual(['One', 'Two']);

    const x = storyTypes(ana.doc);
    const y = storyTypes(ben.doc);
    x.headline.insert(0, 'A: ');
    y.headline.insert(y.headline.length, ' :B');
    x.synopsis.insert(x.synopsis.length, ' Ana.');
    y.synopsis.insert(0, 'Ben. ');
    x.takeaways.push([new Y.Text('Three (Ana)')]);
    y.takeaways.get(0).insert(0, '1) ');
    x.body.insert(0, 'Ana para.\n');
    y.body.insert(y.body.length, '\nBen para.');
    y.meta.set('dateline', 'Oslo, Dec 5');

    const done = () => {
      const f = readFields(ana.doc);
      const g = readFields(ben.doc);
      return (
        JSON.stringify(f) === JSON.stringify(g) &&
        f.headline === 'A: Cross :B' &&
        f.body.includes('Ben para.') &&
        g.body.includes('Ana para.') &&
        f.dateline === 'Oslo, Dec 5' &&
        g.takeaways.length === 3
      );
    };
    await waitFor([ana.doc, ben.doc], done);
    const expected = readFields(ana.doc);
    expect(expected.synopsis).toBe('Ben. Start. Ana.');
    expect(expected.takeaways).toEqual(['1) One', 'Two', 'Three (Ana)']);

    // Both instances serve the same story over HTTP.
    for (const server of [a, b]) {
      const view = await getStory(server.baseUrl, anaToken, story.id);
      expect(view).toMatchObject({
        headline: expected.headline,
        synopsis: expected.synopsis,
        takeaways: expected.takeaways,
        body: expected.body,
        dateline: expected.dateline,
      });
    }
    ana.destroy();
    ben.destroy();
  });

  it('loses nothing when a story loads on one instance while the other receives edits, and stores each update once', async () => {
    const [a, b] = twoInstances(cluster());
    const anaToken = await login(a.baseUrl, 'ana');
    const story = await createStory(a.baseUrl, anaToken, { headline: 'Load race' });
    const ana = connectClient(a.wsUrl, story.id, anaToken);
    await ana.synced();
    let sent = 0;
    ana.doc.on('update', (_u: Uint8Array, origin: unknown) => {
      if (origin !== ana.provider) sent++;
    });
    const body = storyTypes(ana.doc).body;
    let watcher: ReturnType<typeof connectClient> | null = null;
    for (let i = 0; i < 200; i++) {
      body.insert(body.length, `e${i} `);
      // Instance B loads the story right in the middle of the stream.
      if (i === 60) watcher = connectClient(b.wsUrl, story.id, await login(b.baseUrl, 'ben'));
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    if (!watcher) throw new Error('watcher not started');
    const w = watcher;
    await w.synced();
    await waitFor(w.doc, () => readFields(w.doc).body === readFields(ana.doc).body, 15_000);
    expect(readFields(w.doc).body).toContain('e199 ');

    // Every insertion and deletion is stored exactly once (runs of one sender are stored merged,
    // so rows are fewer than transactions), and every character Ana typed is in the log.
    const rows = await cluster().query<{ data: Buffer }>(
      'SELECT data FROM updates WHERE story_id = $1 ORDER BY seq',
      [story.id],
    );
    const log = inspectUpdateLog(rows.map((r) => new Uint8Array(r.data)));
    expect(log.repeatedInserts).toEqual([]);
    expect(log.repeatedDeletes).toEqual([]);
    expect(log.insertedClocks(ana.doc.clientID)).toBe(Y.getState(ana.doc.store, ana.doc.clientID));
    expect(rows.length).toBeLessThanOrEqual(sent + 1);
    ana.destroy();
    w.destroy();
  });
});
