import { spawn } from 'node:child_process';
import path from 'node:path';
import type { LoginResponse } from '@copydesk/shared';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type RunningServer, startServer } from '../helpers/server';
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
import { type DeskFront, withDeskChannel } from './desk-channel';

/** Both payloads set `window.__xss` if they are ever parsed as HTML. */
const IMG = '<img src=x onerror="window.__xss=1">';
const SCRIPT = '<script>window.__xss=1</script>';
const BOTH = `${IMG}${SCRIPT}`;

const DISPLAY_NAME = `M${BOTH}`;
const PASSWORD = 'mallory-password-1';

/** Wire copy carrying the payloads in every field the import fills (dateline must be a date). */
const HOSTILE_WIRE = [
  `Headline ${BOTH}`,
  'Synopsis',
  `Synopsis ${IMG} and ${SCRIPT} end.`,
  'Key Takeaways',
  `- First ${IMG}`,
  `- Second ${SCRIPT}`,
  `Paris, Dec 3 (Wire ${IMG}) Body ${BOTH} end.`,
].join('\n');

/** `npm run users -- add …` against the server's data dir, password on stdin. */
const addAccount = (dataDir: string, username: string, displayName: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const cli = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(REPO_ROOT, 'server/src/cli/users.ts'),
        'add',
        username,
        '--role',
        'editor',
        '--name',
        displayName,
        '--password-stdin',
      ],
      { cwd: REPO_ROOT, env: { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'test' } },
    );
    let output = '';
    cli.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    cli.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    cli.stdin.end(`${PASSWORD}\n`);
    cli.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`users add failed (${code}): ${output}`)),
    );
  });

/** Nothing ran and nothing was parsed: no flag, no `<img src=x>`, no injected script. */
const assertInert = async (page: Page): Promise<void> => {
  const found = await page.evaluate(() => ({
    flag: (window as Window & { __xss?: unknown }).__xss,
    images: document.querySelectorAll('img[src="x"], img[onerror]').length,
    scripts: Array.from(document.querySelectorAll('script')).filter((s) => s.text.includes('__xss'))
      .length,
    handlers: document.querySelectorAll('[onerror]').length,
  }));
  expect(found).toEqual({ flag: undefined, images: 0, scripts: 0, handlers: 0 });
};

describe('user text is shown as text, never as HTML', () => {
  let server: RunningServer;
  let front: DeskFront;
  let baseUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
    // With the desk channel, the display name also shows on the desk's story rows.
    front = await withDeskChannel(server);
    baseUrl = front.baseUrl;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await front?.close();
    await server?.stop();
  });

  it('renders HTML payloads in every field and in a display name as plain text', async () => {
    await addAccount(server.dataDir, 'mallory', DISPLAY_NAME);
    const malloryContext = await newContext(browser);
    const benContext = await newContext(browser);
    try {
      // Mallory signs in and imports the hostile wire copy through the New story dialog.
      const mallory = await malloryContext.newPage();
      await mallory.goto(`${baseUrl}/`);
      await mallory.getByTestId('login-username').fill('mallory');
      await mallory.getByTestId('login-password').fill(PASSWORD);
      const loggedIn = mallory.waitForResponse((r) => r.url().endsWith('/api/auth/login'));
      await mallory.getByTestId('login-submit').click();
      const { user } = (await (await loggedIn).json()) as LoginResponse;
      expect(user.displayName).toBe(DISPLAY_NAME);
      await expect
        .poll(() => mallory.getByTestId('current-user').textContent(), SETTLE)
        .toContain(DISPLAY_NAME);

      await mallory.getByTestId('new-story').click();
      await mallory.getByTestId('new-story-wire').fill(HOSTILE_WIRE);
      await expect
        .poll(() => mallory.getByTestId('wire-preview').textContent(), SETTLE)
        .toContain(`Body ${BOTH} end.`);
      await assertInert(mallory);
      await mallory.keyboard.press('Control+Enter');
      await mallory.waitForURL(/#\/story\//);
      const storyId = decodeURIComponent(new URL(mallory.url()).hash.replace('#/story/', ''));
      await expect.poll(() => editorText(mallory, 'takeaway-2'), SETTLE).toBe(`Second ${SCRIPT}`);

      // …and types payloads into every field by hand, the meta inputs included.
      await typeInto(mallory, 'field-headline', ` ${IMG}`, 'end');
      await mallory.getByTestId('field-dateline').fill('');
      await mallory.getByTestId('field-dateline').pressSequentially(`Paris ${IMG}`);
      await mallory.getByTestId('field-source').fill('');
      await mallory.getByTestId('field-source').pressSequentially(`Src ${SCRIPT}`);
      await typeInto(mallory, 'field-synopsis', ` ${SCRIPT}`, 'end');
      await typeInto(mallory, 'takeaway-1', ` ${SCRIPT}`, 'end');
      await mallory.getByTestId('add-takeaway').click();
      await mallory.keyboard.type(`Third ${BOTH}`, { delay: 5 });
      await typeInto(mallory, 'field-body', ` ${IMG}`, 'end');
      await waitSaved(mallory);

      const expected = {
        headline: `Headline ${BOTH} ${IMG}`,
        dateline: `Paris ${IMG}`,
        source: `Src ${SCRIPT}`,
        synopsis: `Synopsis ${IMG} and ${SCRIPT} end. ${SCRIPT}`,
        takeaways: [`First ${IMG} ${SCRIPT}`, `Second ${SCRIPT}`, `Third ${BOTH}`],
        body: `Body ${BOTH} end. ${IMG}`,
      };
      const stored = await fetchStory(mallory, baseUrl, storyId);
      expect({
        headline: stored.headline,
        dateline: stored.dateline,
        source: stored.source,
        synopsis: stored.synopsis,
        takeaways: stored.takeaways,
        body: stored.body,
      }).toEqual(expected);
      await assertInert(mallory);

      // Ben, on the desk: the headline (and, with the desk channel, Mallory's name) as text.
      const ben = await benContext.newPage();
      await signIn(ben, baseUrl, 'ben');
      const row = ben.locator(`[data-testid="desk-row"][data-story-id="${storyId}"]`);
      await expect.poll(() => row.textContent(), SETTLE).toContain(expected.headline);
      await expect
        .poll(() => row.getByTestId('story-people').textContent(), SETTLE)
        .toContain(DISPLAY_NAME);
      await assertInert(ben);
      await screenshot(ben, 'xss-desk.png');

      // …and in the editor: every field, the presence bar, the field avatars, the caret flag.
      await row.getByRole('link').click();
      await expect.poll(() => editorText(ben, 'takeaway-3'), SETTLE).toBe(expected.takeaways[2]);
      expect(await editorText(ben, 'field-headline')).toBe(expected.headline);
      expect(await ben.getByTestId('field-dateline').inputValue()).toBe(expected.dateline);
      expect(await ben.getByTestId('field-source').inputValue()).toBe(expected.source);
      expect(await editorText(ben, 'field-synopsis')).toBe(expected.synopsis);
      expect(await takeawayTexts(ben)).toEqual(expected.takeaways);
      expect(await editorText(ben, 'field-body')).toBe(expected.body);
      await expect
        .poll(() => ben.getByTestId('presence-bar').textContent(), SETTLE)
        .toContain(DISPLAY_NAME);

      await typeInto(mallory, 'field-synopsis', '!', 'end');
      await expect
        .poll(() => ben.locator('.cm-ySelectionInfo').allTextContents(), SETTLE)
        .toContain(DISPLAY_NAME);
      await expect
        .poll(() => ben.locator('[aria-label^="M<img"]').count(), SETTLE)
        .toBeGreaterThan(0);
      await assertInert(ben);
      await assertInert(mallory);
      await screenshot(ben, 'xss-editor.png');
    } finally {
      await malloryContext.close();
      await benContext.close();
    }
  }, 150_000);
});
