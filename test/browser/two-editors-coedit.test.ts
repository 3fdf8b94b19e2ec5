import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import {
  browserSuite,
  editorText,
  fetchStory,
  newContext,
  SETTLE,
  screenshot,
  signIn,
  takeawayTexts,
  typeInto,
  waitSaved,
} from './browser';
import { STORM_WIRE } from './storm-wire';

describe('two editors in one story, in real browsers', () => {
  const suite = browserSuite();

  it('lets two editors type into the synopsis and takeaway 2 at once, and converges', async () => {
    const { server, browser } = suite();
    const anaContext = await newContext(browser);
    const benContext = await newContext(browser);
    try {
      const ana = await anaContext.newPage();
      const ben = await benContext.newPage();
      const anaUser = await signIn(ana, server.baseUrl, 'ana', () => screenshot(ana, 'login.png'));

      // Ana imports wire copy through the New story dialog (keyboard: n, then Ctrl+Enter).
      await ana.keyboard.press('n');
      await ana.getByTestId('new-story-wire').fill(STORM_WIRE);
      await expect
        .poll(() => ana.getByTestId('wire-preview').textContent(), SETTLE)
        .toContain('Thousands of homes are without power.');
      await screenshot(ana, 'new-story.png');
      await ana.keyboard.press('Control+Enter');
      await ana.waitForURL(/#\/story\//);
      const storyId = decodeURIComponent(new URL(ana.url()).hash.replace('#/story/', ''));

      // Ben finds it on the desk and opens it.
      const benUser = await signIn(ben, server.baseUrl, 'ben');
      const row = ben.getByTestId('desk-row').filter({ hasText: 'Storm closes Lisbon port' });
      await row.waitFor();
      await screenshot(ben, 'desk.png');
      await row.getByRole('link').click();

      for (const page of [ana, ben]) {
        await expect
          .poll(() => editorText(page, 'takeaway-2'), SETTLE)
          .toBe('Winds reached 120 km/h on the coast.');
      }

      // Both type at the same time into both fields (at different ends, so neither's words
      // are split by the other's).
      await Promise.all([
        (async () => {
          await typeInto(ana, 'field-synopsis', 'Ana writes the summary.', 'end');
          await typeInto(ana, 'takeaway-2', ' Gusts from Ana.', 'end');
        })(),
        (async () => {
          await typeInto(ben, 'takeaway-2', 'Ben: ', 'start');
          await typeInto(ben, 'field-synopsis', 'Ben leads. ', 'start');
        })(),
      ]);

      const read = async (page: Page) => ({
        synopsis: await editorText(page, 'field-synopsis'),
        takeaway: await editorText(page, 'takeaway-2'),
      });
      await expect
        .poll(
          async () => JSON.stringify(await read(ana)) === JSON.stringify(await read(ben)),
          SETTLE,
        )
        .toBe(true);
      const final = await read(ana);
      expect(final.synopsis).toContain('Ana writes the summary.');
      expect(final.synopsis).toContain('Ben leads.');
      expect(final.takeaway).toContain('Gusts from Ana.');
      expect(final.takeaway).toContain('Ben: ');

      // The server's copy of the live document says the same.
      await Promise.all([waitSaved(ana), waitSaved(ben)]);
      const stored = await fetchStory(ana, server.baseUrl, storyId);
      expect(stored.synopsis).toBe(final.synopsis);
      expect(stored.takeaways[1]).toBe(final.takeaway);
      expect(stored.takeaways).toHaveLength(3);

      // Each sees the other in the presence bar.
      await expect
        .poll(() => ana.getByTestId('presence-bar').textContent(), SETTLE)
        .toContain(benUser.displayName);
      await expect
        .poll(() => ben.getByTestId('presence-bar').textContent(), SETTLE)
        .toContain(anaUser.displayName);
      await screenshot(ana, 'editor.png');
    } finally {
      await anaContext.close();
      await benContext.close();
    }
  }, 120_000);

  it('reorders, adds and deletes takeaways live, and undoes only your own edits', async () => {
    const { server, browser } = suite();
    const anaToken = await login(server.baseUrl, 'ana');
    const story = await createStory(server.baseUrl, anaToken, { wire: STORM_WIRE });
    const anaContext = await newContext(browser);
    const benContext = await newContext(browser);
    try {
      const ana = await anaContext.newPage();
      const ben = await benContext.newPage();
      await signIn(ana, server.baseUrl, 'ana');
      await signIn(ben, server.baseUrl, 'ben');
      for (const page of [ana, ben]) {
        await page.goto(`${server.baseUrl}/#/story/${story.id}`);
        await expect.poll(() => editorText(page, 'takeaway-3'), SETTLE).not.toBe('');
      }
      const [first, second, third] = await takeawayTexts(ana);

      // Keyboard reorder keeps focus on the button, so it can be pressed again.
      await ana.getByRole('button', { name: 'Move takeaway 1 down' }).click();
      await ana.keyboard.press('Enter');
      await expect.poll(() => takeawayTexts(ben), SETTLE).toEqual([second, third, first]);

      // Add with the button, Enter starts the next one, Backspace in an empty one removes it.
      await ana.getByTestId('add-takeaway').click();
      await ana.keyboard.type('Schools reopen Monday.');
      await ana.keyboard.press('Enter');
      await ana.keyboard.press('Backspace');
      await expect
        .poll(() => takeawayTexts(ben), SETTLE)
        .toEqual([second, third, first, 'Schools reopen Monday.']);
      await expect
        .poll(() => ben.getByTestId('takeaway-counter').textContent(), SETTLE)
        .toContain('4 takeaways');

      // Undo steps back through Ana's own list edits (the delete, then the add), never
      // through Ben's typing in between.
      await typeInto(ben, 'field-body', ' Ben adds a line.', 'end');
      await expect.poll(() => editorText(ana, 'field-body'), SETTLE).toContain('Ben adds a line.');
      await ana.getByTestId('undo').click();
      await expect
        .poll(() => takeawayTexts(ben), SETTLE)
        .toEqual([second, third, first, 'Schools reopen Monday.', '']);
      await ana.getByTestId('undo').click();
      await expect
        .poll(() => takeawayTexts(ben), SETTLE)
        .toEqual([second, third, first, 'Schools reopen Monday.']);
      expect(await editorText(ben, 'field-body')).toContain('Ben adds a line.');
      expect(await editorText(ana, 'field-body')).toContain('Ben adds a line.');

      await waitSaved(ana);
      await waitSaved(ben);
      const stored = await fetchStory(ana, server.baseUrl, story.id);
      expect(stored.takeaways).toEqual([second, third, first, 'Schools reopen Monday.']);
      expect(stored.body).toContain('Ben adds a line.');
    } finally {
      await anaContext.close();
      await benContext.close();
    }
  }, 120_000);
});
