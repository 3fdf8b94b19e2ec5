import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { type HistoryTestServer, startHistoryServer } from '../history/history-server';
import {
  editorText,
  fetchStory,
  launchBrowser,
  newContext,
  SETTLE,
  screenshot,
  signIn,
  takeawayTexts,
  typeInto,
  waitSaved,
} from './browser';
import { type SameOrigin, sameOrigin } from './same-origin';
import { STORM_WIRE } from './storm-wire';

/** The history routes (see server/src/history/history-routes.ts). */
const HISTORY_PATH = /^\/api\/(stories\/[^/]+\/(versions|attribution|seen|changes)|history\/)/;

const version = (page: Page, title: string) =>
  page.getByTestId('version').filter({ hasText: title });

describe('the History panel in the story editor', () => {
  let server: HistoryTestServer;
  let front: SameOrigin | null = null;
  let baseUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startHistoryServer({ settleMs: 500 }), launchBrowser()]);
    // Until the history routes are mounted in the app they live on a port of their own.
    if (server.historyUrl !== server.baseUrl) {
      front = await sameOrigin(server.baseUrl, server.historyUrl, (path) =>
        HISTORY_PATH.test(path),
      );
    }
    baseUrl = front?.baseUrl ?? server.baseUrl;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await front?.close();
    await server?.stop();
  });

  it('lists versions, compares one with now by author, restores it, colours text by author', async () => {
    const story = await createStory(server.baseUrl, await login(server.baseUrl, 'ana'), {
      wire: STORM_WIRE,
    });
    const anaContext = await newContext(browser);
    const carlaContext = await newContext(browser);
    try {
      const ana = await anaContext.newPage();
      const carla = await carlaContext.newPage();
      await signIn(ana, baseUrl, 'ana');
      await signIn(carla, baseUrl, 'carla');
      for (const page of [ana, carla]) {
        await page.goto(`${baseUrl}/#/story/${story.id}`);
        await expect.poll(() => editorText(page, 'takeaway-3'), SETTLE).not.toBe('');
      }
      const original = await takeawayTexts(ana);

      // Ana writes the synopsis and names the version.
      await typeInto(ana, 'field-synopsis', 'Ana sums up the storm.', 'end');
      await waitSaved(ana);
      await ana.getByTestId('panel-tab-history').click();
      await ana.getByLabel('Name for a new version').fill('Ana draft');
      await ana.getByRole('button', { name: 'Save version' }).click();
      await expect
        .poll(() => ana.getByTestId('history-notice').textContent(), SETTLE)
        .toMatch(/Saved as version \d+/);
      await version(ana, 'Ana draft').waitFor();

      // Carla edits a takeaway, adds one and extends the body.
      await typeInto(carla, 'takeaway-2', ' Gusts of 150 km/h.', 'end');
      await carla.getByTestId('add-takeaway').click();
      await carla.keyboard.type('Schools stay closed.');
      await typeInto(carla, 'field-body', ' Carla adds a line.', 'end');
      await waitSaved(carla);

      // Carla compares Ana's version with now: her words in her colour, the takeaways matched.
      await carla.getByTestId('panel-tab-history').click();
      await version(carla, 'Ana draft').waitFor({ timeout: SETTLE.timeout });
      await version(carla, 'Ana draft').getByRole('checkbox').check();
      await carla.getByRole('button', { name: /Compare version \d+ with now/ }).click();
      const diff = carla.getByTestId('diff-view');
      await diff.getByTestId('diff-summary').waitFor({ timeout: SETTLE.timeout });
      expect(await diff.getByTestId('diff-takeaways').textContent()).toContain(
        'Schools stay closed.',
      );
      await expect
        .poll(() =>
          diff.locator('[data-testid="diff-takeaway"][data-changes~="added"]').textContent(),
        )
        .toContain('Schools stay closed.');
      await expect
        .poll(() =>
          diff.locator('[data-testid="diff-takeaway"][data-changes~="edited"]').textContent(),
        )
        .toContain('Gusts of 150 km/h.');
      expect(
        await diff.getByTestId('diff-body').locator('ins[title="Added by Carla"]').textContent(),
      ).toContain('Carla adds a line');
      expect(await diff.getByTestId('diff-synopsis').getAttribute('data-changed')).toBe('false');
      // The live editor is kept (hidden) underneath; the version stays marked in the list.
      expect(await version(carla, 'Ana draft').getAttribute('class')).toContain('version-in-view');
      await screenshot(carla, 'history.png');

      // Restore, with a confirmation that says history is kept; everyone sees it live.
      await version(carla, 'Ana draft')
        .getByRole('button', { name: /Restore this version/ })
        .click();
      const dialog = carla.getByTestId('restore-dialog');
      expect(await dialog.textContent()).toContain('Restoring keeps the history');
      await screenshot(carla, 'history-restore.png');
      await dialog.getByTestId('restore-confirm').click();
      await expect
        .poll(() => carla.getByTestId('history-notice').textContent(), SETTLE)
        .toMatch(/Restored version \d+/);
      await expect.poll(() => takeawayTexts(ana), SETTLE).toEqual(original);
      expect(await editorText(ana, 'field-body')).not.toContain('Carla adds a line.');
      expect(await editorText(ana, 'field-synopsis')).toContain('Ana sums up the storm.');
      await carla.getByTestId('diff-close').click();
      await expect.poll(() => takeawayTexts(carla), SETTLE).toEqual(original);
      await version(carla, 'Restored version').first().waitFor({ timeout: SETTLE.timeout });
      const stored = await fetchStory(carla, baseUrl, story.id);
      expect(stored.takeaways).toEqual(original);

      // Ana colours the text by author: her synopsis in her colour.
      await ana.getByTestId('author-toggle').click();
      await expect
        .poll(
          () => ana.locator('[data-testid="field-synopsis"] .cm-author[title="Ana"]').count(),
          SETTLE,
        )
        .toBeGreaterThan(0);
      expect(await ana.getByTestId('author-legend').textContent()).toContain('Ana');
      await screenshot(ana, 'history-attribution.png');

      // Editors do not get a restore button.
      expect(await ana.getByRole('button', { name: /Restore this version/ }).count()).toBe(0);

      // Leaving marks the story seen; what Ana writes afterwards is marked on Carla's desk.
      const seen = carla.waitForResponse((r) => r.url().endsWith(`/stories/${story.id}/seen`));
      await carla.getByRole('link', { name: '← Desk' }).click();
      expect((await seen).status()).toBe(200);
      const row = carla.locator(`[data-testid="desk-row"][data-story-id="${story.id}"]`);
      await row.waitFor();
      expect(await row.getByTestId('changed-marker').count()).toBe(0);
      await typeInto(ana, 'field-body', ' Ana adds more.', 'end');
      await waitSaved(ana);
      await carla.reload();
      await expect
        .poll(() => row.getByTestId('changed-marker').getAttribute('aria-label'), SETTLE)
        .toContain('by Ana');
      await screenshot(carla, 'desk-changed.png');
    } finally {
      await anaContext.close();
      await carlaContext.close();
    }
  }, 180_000);
});
