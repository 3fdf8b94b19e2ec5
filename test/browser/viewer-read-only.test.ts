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

describe('a viewer in the story editor', () => {
  const suite = browserSuite();

  it('keeps a viewer read-only: typing changes nothing locally or on the server', async () => {
    const { server, browser } = suite();
    const anaToken = await login(server.baseUrl, 'ana');
    const story = await createStory(server.baseUrl, anaToken, { wire: STORM_WIRE });
    const vicContext = await newContext(browser);
    const anaContext = await newContext(browser);
    try {
      const vic = await vicContext.newPage();
      await signIn(vic, server.baseUrl, 'vic');
      await expect(vic.getByTestId('new-story').count()).resolves.toBe(0);
      await vic.goto(`${server.baseUrl}/#/story/${story.id}`);
      await expect
        .poll(() => editorText(vic, 'takeaway-2'), SETTLE)
        .toBe('Winds reached 120 km/h on the coast.');
      const before = await editorText(vic, 'field-synopsis');

      expect(await vic.getByTestId('field-synopsis').getAttribute('contenteditable')).toBe('false');
      expect(await vic.getByTestId('add-takeaway').count()).toBe(0);
      await typeInto(vic, 'field-synopsis', 'VIEWER WAS HERE', 'end');
      await typeInto(vic, 'takeaway-2', 'VIEWER', 'start');
      await vic.getByTestId('field-dateline').click();
      await vic.keyboard.type('VIEWER');
      await vic.keyboard.press('Backspace');
      expect(await editorText(vic, 'field-synopsis')).toBe(before);
      expect(await editorText(vic, 'takeaway-2')).toBe('Winds reached 120 km/h on the coast.');
      expect(await vic.getByTestId('field-dateline').inputValue()).toBe('Lisbon, Dec 3');
      await screenshot(vic, 'viewer-editor.png');

      // A barrier instead of a sleep: Vic's tab sent whatever it was going to send before Ana
      // even opened the story, so once Ana's later edit has come round to Vic through the
      // server, the server has long since handled Vic's frames.
      const ana = await anaContext.newPage();
      await signIn(ana, server.baseUrl, 'ana');
      await ana.goto(`${server.baseUrl}/#/story/${story.id}`);
      await typeInto(ana, 'field-synopsis', 'MARK', 'end');
      await expect.poll(() => editorText(vic, 'field-synopsis'), SETTLE).toBe(`${before}MARK`);
      await waitSaved(ana);
      const stored = await fetchStory(ana, server.baseUrl, story.id);
      expect(stored.synopsis).toBe(`${before}MARK`);
      expect(stored.takeaways[1]).toBe('Winds reached 120 km/h on the coast.');
      expect(stored.dateline).toBe('Lisbon, Dec 3');
      expect(JSON.stringify(stored)).not.toContain('VIEWER');
    } finally {
      await vicContext.close();
      await anaContext.close();
    }
  }, 120_000);
});
