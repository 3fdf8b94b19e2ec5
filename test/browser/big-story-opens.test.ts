import { readFields, storyTypes } from '@copydesk/shared';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, waitFor } from '../helpers/yjs-client';
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

describe('a big story, edited for hours, in a real browser', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServer({ env: { STORY_UNLOAD_AFTER_MS: '300' } }),
      launchBrowser(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('opens whole from its snapshot parts and takes edits', async () => {
    const token = await login(server.baseUrl, 'ana');
    const story = await createStory(server.baseUrl, token, { headline: 'Election night live' });
    const writer = connectClient(server.wsUrl, story.id, token);
    await writer.synced();
    // Thousands of separate insertions all over the body: a snapshot of many parts.
    const t = storyTypes(writer.doc);
    for (let start = 0; start < 4000; start += 500) {
      writer.doc.transact(() => {
        for (let i = start; i < start + 500; i++) {
          t.body.insert((i * 7919) % (t.body.length + 1), `w${i} `);
        }
      });
    }
    t.synopsis.insert(0, 'Results by district.');
    const body = readFields(writer.doc).body;
    const check = connectClient(server.wsUrl, story.id, await login(server.baseUrl, 'ben'));
    await check.synced();
    await waitFor(check.doc, () => readFields(check.doc).body === body);
    writer.destroy();
    check.destroy();
    const [compacted] = await Promise.all([
      server.waitForLog((e) => e.msg === 'story compacted' && e.storyId === story.id),
      server.waitForLog((e) => e.msg === 'story unloaded' && e.storyId === story.id),
    ]);
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
