import fs from 'node:fs';
import type { StorySummary, StoryView } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';

const FIXTURE = fs.readFileSync(
  new URL('../../../shared/fixtures/wire-kremlin-peace-plan.txt', import.meta.url),
  'utf8',
);

describe('importing wire copy over HTTP', () => {
  let server: RunningServer;
  let token: string;
  const post = (body: unknown) => api(server.baseUrl, token, 'POST', '/api/stories', body);

  beforeAll(async () => {
    server = await startServer();
    token = await login(server.baseUrl, 'ana');
  });
  afterAll(async () => {
    await server.stop();
  });

  it('imports the seed fixture with its fields, and lists it on the desk', async () => {
    const res = await post({ wire: FIXTURE });
    expect(res.status).toBe(201);
    const story = res.body as StoryView;
    expect(story.headline).toBe('Did Russia Really Reject the US Peace Plan for Ukraine?');
    expect(story.synopsis).toBe('');
    expect(story.takeaways).toEqual([
      "Peskov denies Putin's rejection of the US peace plan.",
      'Potential phone talks between Putin and Trump could happen soon.',
      'Expert-level discussions are essential for progress.',
      "Russia appreciates the US administration's efforts for peace.",
      'Meetings will continue as needed for a resolution.',
    ]);
    expect(story.dateline).toBe('Moscow, Dec 3');
    expect(story.source).toBe('NationPress');
    expect(story.body.startsWith('Kremlin spokesperson Dmitry Peskov on Wednesday refuted')).toBe(
      true,
    );
    expect(story.body).not.toContain('(NationPress)');
    expect(story.body).toContain('“We sincerely value President Trump’s political commitment');
    expect(story.status).toBe('draft');

    const list = await api(server.baseUrl, token, 'GET', '/api/stories');
    expect((list.body as StorySummary[]).map((s) => s.id)).toContain(story.id);
    const fetched = await api(server.baseUrl, token, 'GET', `/api/stories/${story.id}`);
    expect(fetched.body).toMatchObject({ takeaways: story.takeaways, body: story.body });
  });

  it('accepts CRLF line endings', async () => {
    const res = await post({ wire: FIXTURE.replace(/\n/g, '\r\n') });
    expect(res.status).toBe(201);
    const story = res.body as StoryView;
    expect(story.takeaways).toHaveLength(5);
    expect(story.headline).toBe('Did Russia Really Reject the US Peace Plan for Ukraine?');
    expect(story.body).not.toContain('\r');
  });

  it('accepts a story with no takeaways', async () => {
    const res = await post({
      wire: 'Quake shakes city\nSynopsis\nA quake hit.\n\nParis, Dec 4 (AFP) The quake was felt widely.',
    });
    expect(res.status).toBe(201);
    const story = res.body as StoryView;
    expect(story.takeaways).toEqual([]);
    expect(story.synopsis).toBe('A quake hit.');
    expect(story.dateline).toBe('Paris, Dec 4');
    expect(story.body).toBe('The quake was felt widely.');
  });

  it('accepts a story with no synopsis header', async () => {
    const res = await post({
      wire: 'Vote delayed\nKey Takeaways\n• First point\n* Second point\nThe body text.',
    });
    expect(res.status).toBe(201);
    const story = res.body as StoryView;
    expect(story.synopsis).toBe('');
    expect(story.takeaways).toEqual(['First point', 'Second point']);
    expect(story.body).toBe('The body text.');
  });

  it('keeps Unicode quotes and dashes as typed', async () => {
    const wire =
      '“Peace” — at what cost?\nSynopsis\nHe said: ‘not yet’ — twice.\nKey Takeaways\n- It’s “incorrect”.';
    const res = await post({ wire });
    expect(res.status).toBe(201);
    const story = res.body as StoryView;
    expect(story.headline).toBe('“Peace” — at what cost?');
    expect(story.synopsis).toBe('He said: ‘not yet’ — twice.');
    expect(story.takeaways).toEqual(['It’s “incorrect”.']);
  });

  it('refuses empty wire copy with a clear 400 and makes no story', async () => {
    const before = (await api(server.baseUrl, token, 'GET', '/api/stories')).body as StorySummary[];
    for (const wire of ['', '   \n\r\n  ']) {
      const res = await post({ wire });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'empty_wire' } });
    }
    const after = (await api(server.baseUrl, token, 'GET', '/api/stories')).body as StorySummary[];
    expect(after).toHaveLength(before.length);
  });

  it('refuses oversized wire copy with 413 and makes no story', async () => {
    const before = (await api(server.baseUrl, token, 'GET', '/api/stories')).body as StorySummary[];
    const res = await post({ wire: `Huge\n${'x'.repeat(300 * 1024)}` });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: 'too_large' } });
    const huger = await post({ wire: `Huge\n${'x'.repeat(2 * 1024 * 1024)}` });
    expect(huger.status).toBe(413);
    const after = (await api(server.baseUrl, token, 'GET', '/api/stories')).body as StorySummary[];
    expect(after).toHaveLength(before.length);
  });

  it('refuses bodies that are neither a headline nor wire copy', async () => {
    for (const body of [{}, { headline: '' }, { wire: 42 }, { headline: 'x', wire: 'y' }, '[]']) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'bad_request' } });
    }
  });

  it('lets a viewer read but not create', async () => {
    const vic = await login(server.baseUrl, 'vic');
    const res = await api(server.baseUrl, vic, 'POST', '/api/stories', { headline: 'Nope' });
    expect(res.status).toBe(403);
    expect((await api(server.baseUrl, vic, 'GET', '/api/stories')).status).toBe(200);
  });
});
