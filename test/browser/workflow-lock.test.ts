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
  typeInto,
  waitSaved,
} from './browser';
import { STORM_WIRE } from './storm-wire';

describe('the review workflow in the editor', () => {
  const suite = browserSuite();

  it('locks the fields for the editor once a chief approves, and unlocks them on reopen', async () => {
    const { server, browser } = suite();
    const story = await createStory(server.baseUrl, await login(server.baseUrl, 'ana'), {
      wire: STORM_WIRE,
    });
    const anaContext = await newContext(browser);
    const carlaContext = await newContext(browser);
    try {
      const ana = await anaContext.newPage();
      const carla = await carlaContext.newPage();
      await signIn(ana, server.baseUrl, 'ana');
      await signIn(carla, server.baseUrl, 'carla');
      for (const page of [ana, carla]) {
        await page.goto(`${server.baseUrl}/#/story/${story.id}`);
        await expect
          .poll(() => editorText(page, 'takeaway-2'), SETTLE)
          .toBe('Winds reached 120 km/h on the coast.');
      }
      const status = (page: typeof ana) => page.getByTestId('story-status').textContent();

      // The editor sends it for review; that is the only move an editor has.
      expect(await ana.getByTestId('workflow-approved').count()).toBe(0);
      await ana.getByRole('button', { name: 'Send for review' }).click();
      await expect.poll(() => status(ana), SETTLE).toBe('In review');
      expect(await ana.locator('.status-bar-actions button').count()).toBe(0);

      // The chief's open editor follows without a reload and offers the chief's moves.
      await expect.poll(() => status(carla), SETTLE).toBe('In review');
      await carla.getByRole('button', { name: 'Approve' }).waitFor();
      await carla.getByRole('button', { name: 'Send back' }).waitFor();

      // A refused move is shown, not swallowed (the server's 409 answer, forced once).
      await carla.route(
        '**/status',
        (route) =>
          route.fulfill({
            status: 409,
            contentType: 'application/json',
            body: JSON.stringify({
              error: { code: 'conflict', message: 'Someone else changed the status meanwhile.' },
            }),
          }),
        { times: 1 },
      );
      await carla.getByRole('button', { name: 'Approve' }).click();
      await expect
        .poll(() => carla.getByTestId('workflow-error').textContent(), SETTLE)
        .toContain('Someone else changed the status meanwhile.');
      await screenshot(carla, 'workflow-error.png');

      await carla.getByRole('button', { name: 'Approve' }).click();
      await expect.poll(() => status(carla), SETTLE).toBe('Approved');
      expect(await carla.getByTestId('workflow-error').count()).toBe(0);
      await expect
        .poll(() => carla.getByTestId('status-note').textContent(), SETTLE)
        .toContain('Approved by you');
      await carla.getByRole('button', { name: 'Publish' }).waitFor();
      await screenshot(carla, 'workflow-chief.png');

      // The editor's page locks: banner, non-editable fields, no list controls.
      await ana.getByTestId('lock-banner').waitFor({ timeout: SETTLE.timeout });
      expect(await ana.getByTestId('lock-banner').textContent()).toContain('Approved');
      expect(await status(ana)).toBe('Approved');
      expect(await ana.getByTestId('field-synopsis').getAttribute('contenteditable')).toBe('false');
      expect(await ana.getByTestId('add-takeaway').count()).toBe(0);
      await screenshot(ana, 'workflow-locked.png');

      const before = await fetchStory(ana, server.baseUrl, story.id);
      const synopsisBefore = await editorText(ana, 'field-synopsis');
      await typeInto(ana, 'field-synopsis', 'LOCKED EDIT', 'end');
      await typeInto(ana, 'takeaway-1', 'LOCKED', 'start');
      await ana.getByTestId('field-dateline').click();
      await ana.keyboard.type('LOCKED');
      expect(await editorText(ana, 'field-synopsis')).toBe(synopsisBefore);
      expect(await editorText(ana, 'takeaway-1')).toBe(before.takeaways[0]);
      expect(await ana.getByTestId('field-dateline').inputValue()).toBe('Lisbon, Dec 3');

      // Barrier, no sleep: the chief (who may still write) adds a mark; once it has reached
      // the editor through the server, the server has handled anything the editor sent before.
      await typeInto(carla, 'field-synopsis', 'MARK', 'end');
      await expect
        .poll(() => editorText(ana, 'field-synopsis'), SETTLE)
        .toBe(`${synopsisBefore}MARK`);
      await waitSaved(carla);
      const locked = await fetchStory(carla, server.baseUrl, story.id);
      expect(locked.synopsis).toBe(`${before.synopsis}MARK`);
      expect({ ...locked, synopsis: before.synopsis, updatedAt: before.updatedAt }).toEqual({
        ...before,
        status: 'approved',
      });

      // The chief reopens: the editor's fields unlock and her typing is stored again.
      await carla.getByRole('button', { name: 'Reopen' }).click();
      await expect.poll(() => status(carla), SETTLE).toBe('Draft');
      await expect.poll(() => ana.getByTestId('lock-banner').count(), SETTLE).toBe(0);
      await expect
        .poll(() => ana.getByTestId('field-synopsis').getAttribute('contenteditable'), SETTLE)
        .toBe('true');
      await ana.getByRole('button', { name: 'Send for review' }).waitFor();
      await typeInto(ana, 'field-synopsis', ' After reopening.', 'end');
      await expect
        .poll(() => editorText(carla, 'field-synopsis'), SETTLE)
        .toBe(`${synopsisBefore}MARK After reopening.`);
      await waitSaved(ana);
      const reopened = await fetchStory(ana, server.baseUrl, story.id);
      expect(reopened.synopsis).toBe(`${before.synopsis}MARK After reopening.`);
      expect(reopened.status).toBe('draft');
      expect(JSON.stringify(reopened)).not.toContain('LOCKED');
    } finally {
      await anaContext.close();
      await carlaContext.close();
    }
  }, 150_000);
});
