import { countWords } from '@copydesk/shared';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import {
  fetchStory,
  launchBrowser,
  newContext,
  SETTLE,
  screenshot,
  signIn,
  waitSaved,
} from './browser';
import { type DeskFront, withDeskChannel } from './desk-channel';
import { STORM_WIRE } from './storm-wire';

/** The monitor card of one story, as Carla sees it. */
const card = (page: Page, storyId: string) =>
  page.locator(`[data-testid="monitor-card"][data-story-id="${storyId}"]`);

describe("the chief's monitor and watch mode in real browsers", () => {
  let server: RunningServer;
  let front: DeskFront;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    front = await withDeskChannel(server);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await front?.close();
    await server?.stop();
  });

  it('shows presence, typing, edits, comments and status moves live; a card opens watch mode', async () => {
    const baseUrl = front.baseUrl;
    const carlaToken = await login(server.baseUrl, 'carla');
    // Carla creates the story, so "last edit by Ana" is news; two more fill the board.
    const story = await createStory(server.baseUrl, carlaToken, { wire: STORM_WIRE });
    await createStory(server.baseUrl, carlaToken, { headline: 'Council approves the budget' });
    await createStory(server.baseUrl, carlaToken, { headline: 'Tram line opens next spring' });

    const carlaContext = await newContext(browser);
    const anaContext = await newContext(browser);
    try {
      const carla = await carlaContext.newPage();
      await signIn(carla, baseUrl, 'carla');
      await carla.getByTestId('nav-monitor').click();
      await card(carla, story.id).waitFor();
      expect(await card(carla, story.id).getAttribute('data-status')).toBe('draft');
      await expect
        .poll(() => card(carla, story.id).getByTestId('card-takeaways').getAttribute('data-count'))
        .toBe('3');
      expect(await card(carla, story.id).getByTestId('card-last-edit').textContent()).not.toMatch(
        /Ana/,
      );

      const ana = await anaContext.newPage();
      await signIn(ana, baseUrl, 'ana');
      await ana.goto(`${baseUrl}/#/story/${story.id}`);
      await ana.getByTestId('field-synopsis').waitFor();
      await ana.getByTestId('field-synopsis').click();

      // Ana is in the synopsis: her avatar and field on the card.
      const anaOnCard = card(carla, story.id).getByTestId('card-person-ana');
      await expect.poll(() => anaOnCard.textContent(), SETTLE).toContain('Ana · Synopsis');

      // She types: the typing indicator shows while she does.
      const typing = ana.keyboard.type(
        'Officials expect the port to reopen on Friday once the winds drop below 60 km/h.',
        { delay: 40 },
      );
      await expect.poll(() => anaOnCard.getAttribute('data-typing'), SETTLE).toBe('true');
      await typing;
      await waitSaved(ana);

      // Her edit: last edit by Ana, the synopsis bar counts her words.
      await expect
        .poll(() => card(carla, story.id).getByTestId('card-last-edit').textContent(), SETTLE)
        .toMatch(/by Ana/);
      const words = countWords((await fetchStory(ana, baseUrl, story.id)).synopsis);
      expect(words).toBeGreaterThan(10);
      await expect
        .poll(
          () => card(carla, story.id).getByTestId('card-synopsis').getAttribute('data-words'),
          SETTLE,
        )
        .toBe(String(words));

      // A comment on the synopsis, mentioning Carla.
      await ana.getByTestId('panel-tab-comments').click();
      await expect.poll(() => ana.getByTestId('comment-target').textContent()).toMatch(/Synopsis/);
      await ana.getByTestId('comment-input').fill('@carla can we confirm Friday with the port?');
      await ana.getByTestId('comment-submit').click();
      await ana.getByTestId('comment-thread').waitFor();
      expect(await ana.getByTestId('panel-badge-comments').textContent()).toMatch(/^1/);
      await expect
        .poll(
          () => card(carla, story.id).getByTestId('card-comments').getAttribute('data-count'),
          SETTLE,
        )
        .toBe('1');
      // The mention reaches Carla live.
      await carla.getByTestId('mention-toast').waitFor({ timeout: SETTLE.timeout });
      expect(await carla.getByTestId('mention-toast').textContent()).toContain('Ana');

      // She sends it for review: the card moves to the "In review" column.
      await ana.getByRole('button', { name: 'Send for review' }).click();
      const inReview = carla.locator(
        `[data-testid="monitor-column"][data-status="in_review"] [data-story-id="${story.id}"]`,
      );
      await inReview.waitFor({ timeout: SETTLE.timeout });
      expect(
        await carla
          .locator(
            `[data-testid="monitor-column"][data-status="draft"] [data-story-id="${story.id}"]`,
          )
          .count(),
      ).toBe(0);
      // Ana is still in the story (presence survives the move).
      await anaOnCard.waitFor();
      await screenshot(carla, 'monitor.png');

      // Carla opens the card: watch mode, read-only, activity feed open with Ana's edits.
      await card(carla, story.id).getByTestId('card-headline').click();
      await carla.waitForURL(/#\/story\/[^?]+\?watch=1$/);
      await carla.getByTestId('watch-note').waitFor();
      const feed = carla.getByTestId('activity-list');
      await expect.poll(() => feed.textContent(), SETTLE).toMatch(/Ana (wrote|added to|edited)/);
      await expect.poll(() => feed.textContent(), SETTLE).toMatch(/Ana sent the story for review/);
      expect(await carla.getByTestId('field-synopsis').getAttribute('contenteditable')).not.toBe(
        'true',
      );
      // Ana's recent text is underlined in her colour.
      await carla
        .locator('.watch-recent [data-testid="field-synopsis"] .cm-author')
        .first()
        .waitFor({ timeout: SETTLE.timeout });
      await screenshot(carla, 'watch.png');

      // "Edit" makes the editor writable for the chief.
      await carla.getByTestId('watch-edit').click();
      await expect
        .poll(() => carla.getByTestId('field-synopsis').getAttribute('contenteditable'))
        .toBe('true');
    } finally {
      await anaContext.close();
      await carlaContext.close();
    }
  }, 120_000);

  it('comments on a selection: reply, highlight, resolve, reopen, orphaned; downloads an export', async () => {
    const baseUrl = front.baseUrl;
    const story = await createStory(server.baseUrl, await login(server.baseUrl, 'ana'), {
      wire: STORM_WIRE,
    });
    const context = await newContext(browser);
    try {
      const ana = await context.newPage();
      await signIn(ana, baseUrl, 'ana');
      await ana.goto(`${baseUrl}/#/story/${story.id}`);
      await ana.getByTestId('takeaway-2').click();
      await ana.keyboard.press('Home');
      await ana.keyboard.press('Shift+End');
      await ana.getByTestId('panel-tab-comments').click();
      await expect
        .poll(() => ana.getByTestId('comment-target').textContent())
        .toMatch(/Takeaway 2 · “Winds reached 120 km\/h on the coast\.”/);
      await ana.getByTestId('comment-input').fill('Check the wind speed with @ben');
      await ana.keyboard.press('Control+Enter');
      const thread = ana.getByTestId('comment-thread');
      await thread.waitFor();
      expect(await thread.locator('.mention').textContent()).toBe('@ben');

      await thread.getByTestId('comment-reply-input').fill('Met office says 118 km/h.');
      await thread.getByTestId('comment-reply').click();
      await expect.poll(() => thread.locator('.comment').count()).toBe(2);

      // Clicking the thread highlights its anchor in the takeaway.
      await thread.getByTestId('thread-anchor').click();
      await expect
        .poll(() => ana.locator('[data-testid="takeaway-2"] .cm-comment-anchor').textContent())
        .toBe('Winds reached 120 km/h on the coast.');
      await screenshot(ana, 'comments.png');

      // Resolve hides it and clears the tab count; reopen brings both back.
      await thread.getByTestId('comment-resolve').click();
      await expect.poll(() => ana.getByTestId('panel-badge-comments').count()).toBe(0);
      await ana.getByTestId('comments-show-resolved').click();
      await ana.getByTestId('comment-reopen').click();
      await expect.poll(() => ana.getByTestId('panel-badge-comments').textContent()).toMatch(/^1/);

      // Deleting the takeaway orphans the thread.
      await ana.getByTestId('delete-takeaway-2').click();
      await expect.poll(() => thread.getAttribute('data-state'), SETTLE).toBe('orphaned');

      // Export: the menu links download the live story.
      await ana.getByTestId('export-menu').locator('summary').click();
      const download = ana.waitForEvent('download');
      await ana.getByTestId('export-markdown').click();
      expect((await download).suggestedFilename()).toBe(
        'storm-closes-lisbon-port-as-winds-reach-120-km-h.md',
      );
    } finally {
      await context.close();
    }
  }, 120_000);
});
