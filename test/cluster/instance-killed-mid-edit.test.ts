import { readFields, storyTypes } from '@copydesk/shared';
import { describe, expect, it } from 'vitest';
import { createStory, getStory, login } from '../helpers/api';
import { clusterForSuite, twoInstances } from '../helpers/cluster';
import { connectClient, waitFor, type YClient } from '../helpers/yjs-client';

/** What a load balancer does when an instance dies: the next attempt goes to another one. */
const failOverTo = (client: YClient, wsUrl: string) => {
  client.provider.on('connection-close', () => {
    client.provider.serverUrl = `${wsUrl}/yjs`;
  });
};

describe('an instance killed (SIGKILL) while clients type', () => {
  const cluster = clusterForSuite();

  it('its clients continue on the other instance and every edit anyone saw is kept', async () => {
    const [a, b] = twoInstances(cluster());
    const anaToken = await login(a.baseUrl, 'ana');
    const benToken = await login(b.baseUrl, 'ben');
    const story = await createStory(a.baseUrl, anaToken, { headline: 'Failover' });
    const ana = connectClient(a.wsUrl, story.id, anaToken);
    const ben = connectClient(b.wsUrl, story.id, benToken);
    failOverTo(ana, b.wsUrl);
    await Promise.all([ana.synced(), ben.synced()]);

    const synopsis = storyTypes(ana.doc).synopsis;
    const benBody = storyTypes(ben.doc).body;
    for (let i = 0; i < 100; i++) {
      synopsis.insert(synopsis.length, `a${i} `);
      benBody.insert(benBody.length, `b${i} `);
    }
    await waitFor(ben.doc, () => readFields(ben.doc).synopsis.includes('a40 '));
    await a.kill();
    const seenByBen = readFields(ben.doc).synopsis;
    // Ana keeps typing while her instance is gone.
    for (let i = 100; i < 150; i++) synopsis.insert(synopsis.length, `a${i} `);

    await waitFor(
      [ana.doc, ben.doc],
      () =>
        readFields(ben.doc).synopsis === readFields(ana.doc).synopsis &&
        readFields(ana.doc).body === readFields(ben.doc).body,
      20_000,
    );
    const final = readFields(ben.doc);
    expect(final.synopsis.startsWith(seenByBen)).toBe(true);
    expect(final.synopsis).toContain('a149 ');
    expect(final.body).toContain('b99 ');

    // A fresh client on the surviving instance, and its REST view, have everything.
    const fresh = connectClient(b.wsUrl, story.id, benToken);
    await fresh.synced();
    expect(readFields(fresh.doc)).toEqual(final);
    const view = await getStory(b.baseUrl, benToken, story.id);
    expect(view.synopsis).toBe(final.synopsis);
    for (const c of [ana, ben, fresh]) c.destroy();
  });
});
