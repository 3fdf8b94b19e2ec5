import { storyTypes } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { type Cluster, startCluster } from '../helpers/cluster';
import { metric } from '../helpers/metrics';
import { connectClient, waitFor } from '../helpers/yjs-client';

/**
 * Instances keep each other's editors in step through Redis; the update log is the truth they
 * fall back on. Each message says which of the story's rows it follows, so an instance reads
 * the log only when a message is missing or late — not after every message, which cost a
 * PostgreSQL query and a second apply of every edit on every instance (bench: copydesk-pg).
 */
describe('two instances editing one story', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ instances: 2 });
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('take turns for 40 edits and converge without a single catch-up from the log', async () => {
    const [a, b] = cluster.servers as [(typeof cluster.servers)[0], (typeof cluster.servers)[0]];
    const story = await createStory(a.baseUrl, await login(a.baseUrl, 'ana'), {
      wire: 'Turns\nSynopsis\nStart.\nKey Takeaways\n- One\nBody.',
    });
    const ana = connectClient(a.wsUrl, story.id, await login(a.baseUrl, 'ana'));
    const ben = connectClient(b.wsUrl, story.id, await login(b.baseUrl, 'ben'));
    await Promise.all([ana.synced(), ben.synced()]);
    const before = [await metric(a.baseUrl, 'copydesk_cluster_catchups_total')];
    before.push(await metric(b.baseUrl, 'copydesk_cluster_catchups_total'));
    expect(before.every(Number.isFinite)).toBe(true);

    // Each edit is stored by its instance and must reach the other editor over Redis before
    // the next one is typed: every append follows the row the other instance just relayed.
    let expected = storyTypes(ana.doc).body.toString();
    for (let turn = 0; turn < 40; turn++) {
      const [writer, reader] = turn % 2 === 0 ? [ana, ben] : [ben, ana];
      const word = ` ${turn % 2 === 0 ? 'a' : 'b'}${turn}`;
      const body = storyTypes(writer.doc).body;
      body.insert(body.length, word);
      expected += word;
      await waitFor(reader.doc, () => storyTypes(reader.doc).body.toString() === expected);
    }
    expect(storyTypes(ana.doc).body.toString()).toBe(expected);
    expect(storyTypes(ben.doc).body.toString()).toBe(expected);

    expect(await metric(a.baseUrl, 'copydesk_cluster_catchups_total')).toBe(before[0]);
    expect(await metric(b.baseUrl, 'copydesk_cluster_catchups_total')).toBe(before[1]);
    ana.destroy();
    ben.destroy();
  });
});
