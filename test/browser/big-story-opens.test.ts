import { readFields, storyTypes } from '@copydesk/shared';
import { describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { leaveToDisk, typeScattered } from '../helpers/big-story';
import { connectClient } from '../helpers/yjs-client';
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

describe('a big story, edited for hours, in a real browser', () => {
  const suite = browserSuite({ env: { STORY_UNLOAD_AFTER_MS: '300' } });

  it('opens whole from its snapshot parts and takes edits', async () => {
    const { server, browser } = suite();
    const token = await login(server.baseUrl, 'ana');
    const story = await createStory(server.baseUrl, token, { headline: 'Election night live' });
    const writer = connectClient(server.wsUrl, story.id, token);
    await writer.synced();
    storyTypes(writer.doc).synopsis.insert(0, 'Results by district.');
    // Thousands of separate insertions all over the body: a snapshot of many parts.
    typeScattered(writer.doc, 4000);
    const body = readFields(writer.doc).body;
    const compacted = await leaveToDisk(server, story.id, writer);
    expect(compacted.parts).toBeGreaterThan(2);

    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      await signIn(page, server.baseUrl, 'ben');
      await page.goto(`${server.baseUrl}/#/story/${story.id}`);
      // CodeMirror draws a long line only around the viewport: compare what it shows.
      await expect
        .poll(async () => body.startsWith(await editorText(page, 'field-body')), SETTLE)
        .toBe(true);
      expect((await editorText(page, 'field-body')).length).toBeGreaterThan(5_000);
      // Typed at the very end: lands after the body's last word only if every part arrived.
      await typeInto(page, 'field-body', ' [final]', 'end');
      await waitSaved(page);
      await screenshot(page, 'big-story.png');
      const stored = await fetchStory(page, server.baseUrl, story.id);
      expect(stored.synopsis).toBe('Results by district.');
      expect(stored.body).toBe(`${body} [final]`);
    } finally {
      await context.close();
    }
  });
});
