import { storyTypes } from '@copydesk/shared';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient } from '../helpers/yjs-client';
import { launchBrowser, newContext, SETTLE, screenshot, signIn } from './browser';

const STORIES = 55;

describe("the chief's monitor on a busy desk", () => {
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it(`stays live without reloading with ${STORIES} stories`, async () => {
    const anaToken = await login(server.baseUrl, 'ana');
    const ids: string[] = [];
    for (let i = 0; i < STORIES; i++) {
      ids.push((await createStory(server.baseUrl, anaToken, { headline: `Story number ${i}` })).id);
    }
    const context = await newContext(browser);
    try {
      const carla = await context.newPage();
      await signIn(carla, server.baseUrl, 'carla');
      await carla.getByTestId('nav-monitor').click();
      const cards = carla.locator('[data-testid="monitor-card"]');
      await expect.poll(() => cards.count(), SETTLE).toBe(STORIES);

      // An edit, a status move and a second edit, on stories far apart in the list.
      const first = ids[0] as string;
      const last = ids[STORIES - 1] as string;
      const card = (id: string) =>
        carla.locator(`[data-testid="monitor-card"][data-story-id="${id}"]`);
      const ana = connectClient(server.wsUrl, first, anaToken);
      await ana.synced();
      storyTypes(ana.doc).synopsis.insert(0, 'One two three four five');
      await expect
        .poll(() => card(first).getByTestId('card-synopsis').getAttribute('data-words'), SETTLE)
        .toBe('5');
      const moved = await api(server.baseUrl, anaToken, 'POST', `/api/stories/${last}/status`, {
        status: 'in_review',
      });
      expect(moved.status).toBe(200);
      await carla
        .locator(
          `[data-testid="monitor-column"][data-status="in_review"] [data-story-id="${last}"]`,
        )
        .waitFor({ timeout: SETTLE.timeout });
      storyTypes(ana.doc).synopsis.insert(0, 'Six ');
      await expect
        .poll(() => card(first).getByTestId('card-synopsis').getAttribute('data-words'), SETTLE)
        .toBe('6');
      await screenshot(carla, 'monitor-busy.png');
      ana.destroy();
    } finally {
      await context.close();
    }
  });
});
