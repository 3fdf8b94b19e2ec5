import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { type Cluster, startCluster } from '../helpers/cluster';
import {
  editorText,
  fetchStory,
  launchBrowser,
  newContext,
  SETTLE,
  screenshot,
  signIn,
  typeInto,
  waitSaved,
} from './browser';
import { STORM_WIRE } from './storm-wire';

describe('two people on two different server instances', () => {
  let cluster: Cluster;
  let browser: Browser;

  beforeAll(async () => {
    [cluster, browser] = await Promise.all([startCluster({ instances: 2 }), launchBrowser()]);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  it('see each other in the story and on the desk, and each other’s edits live', async () => {
    const [a, b] = cluster.servers as [(typeof cluster.servers)[0], (typeof cluster.servers)[0]];
    const story = await createStory(a.baseUrl, await login(a.baseUrl, 'ana'), { wire: STORM_WIRE });
    const anaContext = await newContext(browser);
    const benContext = await newContext(browser);
    try {
      const ana = await anaContext.newPage();
      const ben = await benContext.newPage();
      await signIn(ana, a.baseUrl, 'ana');
      await signIn(ben, b.baseUrl, 'ben');

      // Ben, on instance B's desk, sees Ana (instance A) arrive in the story.
      await ana.goto(`${a.baseUrl}/#/story/${story.id}`);
      await ana.getByTestId('field-synopsis').waitFor();
      await typeInto(ana, 'field-synopsis', 'Ana on A. ', 'start');
      const row = ben.getByTestId('desk-row').filter({ hasText: 'Storm closes Lisbon port' });
      await expect
        .poll(() => row.getByTestId('story-people-line').textContent(), SETTLE)
        .toMatch(/Ana is (editing|typing)/);
      await screenshot(ben, 'two-instances-desk.png');

      // In the story, each sees the other's presence and text.
      await ben.goto(`${b.baseUrl}/#/story/${story.id}`);
      await ben.getByTestId('field-synopsis').waitFor();
      await expect.poll(() => editorText(ben, 'field-synopsis'), SETTLE).toContain('Ana on A.');
      await typeInto(ben, 'field-synopsis', 'Ben on B.', 'end');
      await expect.poll(() => editorText(ana, 'field-synopsis'), SETTLE).toContain('Ben on B.');
      await expect
        .poll(() => ana.getByTestId('presence-bar').textContent(), SETTLE)
        .toContain('Ben');
      await expect
        .poll(() => ben.getByTestId('presence-bar').textContent(), SETTLE)
        .toContain('Ana');
      await Promise.all([waitSaved(ana), waitSaved(ben)]);
      await screenshot(ben, 'two-instances.png');

      const [fromA, fromB] = await Promise.all([
        fetchStory(ana, a.baseUrl, story.id),
        fetchStory(ben, b.baseUrl, story.id),
      ]);
      expect(fromA.synopsis).toBe(fromB.synopsis);
      expect(fromA.synopsis).toContain('Ana on A.');
      expect(fromA.synopsis).toContain('Ben on B.');
    } finally {
      await anaContext.close();
      await benContext.close();
    }
  });
});
