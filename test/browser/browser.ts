import fs from 'node:fs';
import path from 'node:path';
import type { LoginResponse, PublicUser, StoryView } from '@copydesk/shared';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { REPO_ROOT, type RunningServer, type ServerOptions, startServer } from '../helpers/server';

/** Screenshots for people to look at (gitignored). */
export const ARTIFACTS = path.join(REPO_ROOT, 'test/artifacts');

export const launchBrowser = (): Promise<Browser> => {
  if (!fs.existsSync(path.join(REPO_ROOT, 'client/dist/index.html'))) {
    throw new Error('The client is not built: run `npm run build -w client` first.');
  }
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
};

/**
 * A server and a Chromium for the tests of one `describe`: started before them, stopped after.
 * Call the returned function inside a test.
 */
export const browserSuite = (options: ServerOptions = {}) => {
  let started: { server: RunningServer; browser: Browser } | null = null;
  beforeAll(async () => {
    const [server, browser] = await Promise.all([startServer(options), launchBrowser()]);
    started = { server, browser };
  }, 60_000);
  afterAll(async () => {
    await started?.browser.close();
    await started?.server.stop();
  });
  return (): { server: RunningServer; browser: Browser } => {
    if (!started) throw new Error('the server and browser are not started yet');
    return started;
  };
};

export const newContext = (browser: Browser): Promise<BrowserContext> =>
  browser.newContext({ viewport: { width: 1280, height: 900 } });

export const screenshot = async (page: Page, name: string): Promise<void> => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, name) });
};

/** Signs in through the form and waits for the desk; returns the account. */
export const signIn = async (
  page: Page,
  baseUrl: string,
  username: string,
  beforeSubmit?: () => Promise<void>,
): Promise<PublicUser> => {
  await page.goto(`${baseUrl}/`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill('copydesk');
  await beforeSubmit?.();
  const response = page.waitForResponse((r) => r.url().endsWith('/api/auth/login'));
  await page.getByTestId('login-submit').click();
  const { user } = (await (await response).json()) as LoginResponse;
  await page.getByTestId('current-user').waitFor();
  return user;
};

/**
 * The texts of CodeMirror content elements as the document holds them: lines joined by "\n",
 * without remote-caret widgets (which carry a name flag) or the placeholder.
 * Runs in the page, so it must not refer to anything outside itself.
 */
const textsOf = (contents: Element[]): string[] =>
  contents.map((content) =>
    Array.from(content.querySelectorAll(':scope > .cm-line'))
      .map((line) => {
        const copy = line.cloneNode(true) as HTMLElement;
        copy.querySelectorAll('.cm-ySelectionCaret, .cm-placeholder').forEach((extra) => {
          extra.remove();
        });
        return (copy.textContent ?? '').replace(/\u2060/g, '');
      })
      .join('\n'),
  );

/** The text of one field's editor (e.g. `field-synopsis`, `takeaway-2`). */
export const editorText = async (page: Page, testId: string): Promise<string> => {
  const editor = page.getByTestId(testId);
  await editor.waitFor({ timeout: 5_000 });
  const [text] = await editor.evaluateAll(textsOf);
  return text ?? '';
};

/** Every takeaway's text in order, read at once (items may come and go meanwhile). */
export const takeawayTexts = (page: Page): Promise<string[]> =>
  page.locator('[data-testid="takeaway-list"] .cm-content').evaluateAll(textsOf);

/** Clicks into a field and types at its start or end, key by key like a person. */
export const typeInto = async (
  page: Page,
  testId: string,
  text: string,
  at: 'start' | 'end',
): Promise<void> => {
  await page.getByTestId(testId).click();
  await page.keyboard.press(at === 'start' ? 'Control+Home' : 'Control+End');
  await page.keyboard.type(text, { delay: 12 });
};

/** Polling options for "eventually" checks: generous, since CI machines can be slow. */
export const SETTLE = { timeout: 20_000, interval: 100 };

/** Waits until the page says the server has stored all of its edits. */
export const waitSaved = (page: Page): Promise<void> =>
  page.locator('[data-testid="connection-state"][data-state="saved"]').waitFor({ timeout: 20_000 });

/** The story as the server reads it from the live document, with the page's session. */
export const fetchStory = async (page: Page, baseUrl: string, id: string): Promise<StoryView> => {
  const response = await page.request.get(`${baseUrl}/api/stories/${id}`);
  if (response.status() !== 200) throw new Error(`GET story ${id}: ${response.status()}`);
  return (await response.json()) as StoryView;
};
