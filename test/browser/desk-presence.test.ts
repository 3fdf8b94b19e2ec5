import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { launchBrowser, newContext, SETTLE, screenshot, signIn } from './browser';
import { type DeskFront, withDeskChannel } from './desk-channel';
import { STORM_WIRE } from './storm-wire';

/** The desk row of one story, as Ben sees it. */
const row = (page: Page, storyId: string) =>
  page.locator(`[data-testid="desk-row"][data-story-id="${storyId}"]`);

describe('desk presence in real browsers', () => {
  let server: RunningServer;
  let front: DeskFront;
  let baseUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    front = await withDeskChannel(server);
    baseUrl = front.baseUrl;
    if (!front.mounted) {
      console.warn('The app does not serve /socket.io yet: using the presence test server.');
    }
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await front?.close();
    await server?.stop();
  });

  it('shows on the desk who is in a story and which field, and drops them when they leave', async () => {
    const story = await createStory(server.baseUrl, await login(server.baseUrl, 'ana'), {
      wire: STORM_WIRE,
    });
    const benContext = await newContext(browser);
    const anaContext = await newContext(browser);
    try {
      const ben = await benContext.newPage();
      await signIn(ben, baseUrl, 'ben');
      // The desk's presence link must not complain (other features may, e.g. a history API
      // that is not mounted yet answering 404).
      const warnings: string[] = [];
      ben.on('console', (message) => {
        const text = message.text();
        if (message.type() !== 'error' && message.type() !== 'warning') return;
        if (/socket\.io|presence|desk/i.test(text)) warnings.push(text);
      });
      await row(ben, story.id).waitFor();

      const ana = await anaContext.newPage();
      await signIn(ana, baseUrl, 'ana');
      await ana.goto(`${baseUrl}/#/story/${story.id}`);
      await ana.getByTestId('field-synopsis').waitFor();

      // Ana in the story, no field yet: her avatar is on the row.
      const people = row(ben, story.id).getByTestId('story-people');
      await row(ben, story.id).getByTestId('story-person-ana').waitFor({ timeout: SETTLE.timeout });
      await expect.poll(() => people.textContent(), SETTLE).toContain('Ana');

      // She clicks into the synopsis: the row says where she is.
      await ana.getByTestId('field-synopsis').click();
      await expect
        .poll(() => row(ben, story.id).getByTestId('story-people-line').textContent(), SETTLE)
        .toMatch(/Ana .*(is editing|is typing in) Synopsis/);
      // Typing shows the typing dot on her avatar.
      await ana.keyboard.type('Ana types.', { delay: 20 });
      await expect
        .poll(
          () =>
            row(ben, story.id).getByTestId('story-person-ana').locator('.avatar-typing').count(),
          SETTLE,
        )
        .toBe(1);
      await screenshot(ben, 'desk-presence.png');

      // She closes the tab: gone from the row within a few seconds.
      await ana.close();
      await expect
        .poll(() => row(ben, story.id).getByTestId('story-person-ana').count(), {
          timeout: 5_000,
          interval: 100,
        })
        .toBe(0);
      expect(warnings).toEqual([]);
    } finally {
      await anaContext.close();
      await benContext.close();
    }
  }, 120_000);
});
