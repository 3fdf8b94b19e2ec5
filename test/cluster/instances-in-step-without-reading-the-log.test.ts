import { storyTypes } from '@copydesk/shared';
import { describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { clusterForSuite, twoInstances } from '../helpers/cluster';
import { metric } from '../helpers/metrics';
import { connectClient, waitFor } from '../helpers/yjs-client';

/**
 * Instances keep each other's editors in step through Redis; the update log is the truth they
 * fall back on. Each message says which of the story's rows it follows, so an instance reads
 * the log only when a message is missing or late — not after every message, which cost a
 * PostgreSQL query and a second apply of every edit on every instance (bench: copydesk-pg).
 */
describe('two instances editing one story', () => {
  const cluster = clusterForSuite();

  it('take turns for 40 edits and converge without a single catch-up from the log', async () => {
    const [a, b] = twoInstances(cluster());
    const story = await createStory(a.baseUrl, await login(a.baseUrl, 'ana'), {
      wire: 'Turns\nSynopsis\nStart.\nKey Takeaways\n- One\nBody.',
    });
    const ana = connectClient(a.wsUrl, story.id, await login(a.baseUrl, 'ana'));
    const ben = connectClient(b.wsUrl, story.id, await login(b.baseUrl, 'ben'));
    await Promise.all([ana.synced(), ben.synced()]);
    const catchUps = () =>
      Promise.all([a, b].map((s) => metric(s.baseUrl, 'copydesk_cluster_catchups_total')));
    const before = await catchUps();
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

    expect(await catchUps()).toEqual(before);
    ana.destroy();
    ben.destroy();
  });
});
