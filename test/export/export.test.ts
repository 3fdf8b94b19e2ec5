import fs from 'node:fs';
import path from 'node:path';
import { storyTypes } from '@copydesk/shared';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type FeatureServer, startFeatureServer } from '../activity/feature-server';
import { connectAcked, type Session, signInAll } from '../activity/helpers';
import { api, createStory } from '../helpers/api';
import { REPO_ROOT } from '../helpers/server';

const SCHEMA_FILE = path.join(REPO_ROOT, '../shared/fixtures/ninjs/ninjs-schema_3.0.json');
const XSS = '<img src=x onerror=alert(1)>';
const WIRE = `Kremlin floats peace plan
Synopsis
Moscow proposed talks on Tuesday.
Key Takeaways
- Talks come first.
- Sanctions relief later.
Moscow, Dec 3 (NationPress) Officials said the plan has twelve points.
A second paragraph.`;

// ajv-formats is CommonJS: its default export arrives wrapped under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule })
  .default ?? addFormatsModule) as typeof addFormatsModule;

const ninjsValidator = () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  // The schema points at GeoJSON for place geometry; no network here, and we emit no geometry.
  ajv.addSchema({ $id: 'https://geojson.org/schema/GeoJSON.json', type: 'object' });
  return ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as object);
};

describe('story export', () => {
  let server: FeatureServer;
  let ana: Session;
  let carla: Session;
  let vic: Session;
  const validate = ninjsValidator();

  beforeAll(async () => {
    server = await startFeatureServer();
    [ana, carla, vic] = await signInAll(server.baseUrl, ['ana', 'carla', 'vic']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const download = (session: Session | null, storyId: string, format?: string) =>
    api(
      server.baseUrl,
      session?.token ?? null,
      'GET',
      `/api/stories/${storyId}/export${format === undefined ? '' : `?format=${format}`}`,
    );

  it('exports ninjs 3.0 that validates against the IPTC schema', async () => {
    const story = await createStory(server.baseUrl, ana.token, { wire: WIRE });
    const client = connectAcked(server.wsUrl, story.id, ana.token);
    await client.synced();
    storyTypes(client.doc).meta.set('byline', 'Ana Editor');
    await client.stored();

    const res = await download(vic, story.id, 'ninjs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="kremlin-floats-peace-plan.json"',
    );
    const item = res.body as Record<string, unknown>;
    const valid = validate(item);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The validator is strict: wrong values and unknown properties fail.
    expect(validate({ ...item, pubStatus: 'draft' })).toBe(false);
    expect(validate({ ...item, headline: 'not ninjs' })).toBe(false);
    expect(validate({ ...item, uri: 'not a uri' })).toBe(false);
    expect(item).toMatchObject({
      uri: `urn:copydesk:story:${story.id}`,
      type: 'text',
      language: 'en',
      pubStatus: 'withheld',
      headlines: [{ value: 'Kremlin floats peace plan' }],
      descriptions: [{ value: 'Moscow proposed talks on Tuesday.' }],
      bodies: [
        { role: 'keyTakeaways', value: 'Talks come first.\nSanctions relief later.' },
        {
          role: 'main',
          value: 'Officials said the plan has twelve points.\nA second paragraph.',
          wordCount: 10,
        },
      ],
      located: 'Moscow, Dec 3',
      by: 'Ana Editor',
      infoSources: [{ name: 'NationPress', role: 'source' }],
    });
    expect(Date.parse(String(item.versionCreated))).toBeGreaterThan(0);
    client.destroy();

    // Published stories are usable; the document still validates.
    for (const [session, status] of [
      [ana, 'in_review'],
      [carla, 'approved'],
      [carla, 'published'],
    ] as const) {
      const moved = await api(
        server.baseUrl,
        session.token,
        'POST',
        `/api/stories/${story.id}/status`,
        {
          status,
        },
      );
      expect(moved.status).toBe(200);
    }
    const published = await download(ana, story.id);
    expect(published.body).toMatchObject({ pubStatus: 'usable' });
    expect(validate(published.body)).toBe(true);
  });

  it('validates an empty story too', async () => {
    const story = await createStory(server.baseUrl, ana.token, { headline: 'Just a headline' });
    const res = await download(ana, story.id, 'ninjs');
    expect(validate(res.body)).toBe(true);
    expect(res.body).not.toHaveProperty('descriptions');
  });

  it('escapes every field in markdown and html', async () => {
    const story = await createStory(server.baseUrl, ana.token, { headline: `Alert ${XSS}` });
    const client = connectAcked(server.wsUrl, story.id, ana.token);
    await client.synced();
    const t = storyTypes(client.doc);
    client.doc.transact(() => {
      t.synopsis.insert(0, `Synopsis ${XSS} *bold* [link](javascript:alert(1)) & "q" 'a'`);
      t.body.insert(0, `Body ${XSS}\n# not a heading\n1. not a list\n> not a quote`);
      t.meta.set('dateline', `Dateline ${XSS}`);
      t.meta.set('source', `Source ${XSS}`);
      t.meta.set('byline', `Byline ${XSS}`);
    });
    t.takeaways.push([new Y.Text(`Takeaway ${XSS} _under_`)]);
    await client.stored();

    const html = await download(vic, story.id, 'html');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('content-disposition')).toBe(
      'attachment; filename="alert-img-src-x-onerror-alert-1.html"',
    );
    const page = String(html.body);
    expect(page).not.toMatch(/<img|<a |javascript:alert\(1\)\)"/);
    for (const field of ['Alert', 'Synopsis', 'Takeaway', 'Body', 'Dateline', 'Source', 'Byline']) {
      expect(page).toContain(`${field} &lt;img src=x onerror=alert(1)&gt;`);
    }
    expect(page).toContain('&amp; &quot;q&quot; &#39;a&#39;');

    const md = await download(vic, story.id, 'markdown');
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toMatch(/^text\/markdown/);
    const text = String(md.body);
    // Only the template's own markup (`#`, `*` around the meta line, `- `) is unescaped.
    expect(text).not.toMatch(/(?<!\\)[<>[\]_`]/);
    for (const field of ['Alert', 'Synopsis', 'Takeaway', 'Body', 'Dateline', 'Source', 'Byline']) {
      expect(text).toContain(`${field} \\<img src=x onerror=alert\\(1\\)\\>`);
    }
    expect(text).toContain('\\*bold\\* \\[link\\]\\(javascript:alert\\(1\\)\\) \\& "q"');
    expect(text).toContain('\\_under\\_');
    expect(text).toContain('\n\\# not a heading\n');
    expect(text).toContain('\n1\\. not a list\n');
    expect(text).toContain('\n\\> not a quote\n');
    client.destroy();
  });

  it('refuses unknown formats, unknown stories and anonymous callers', async () => {
    const story = await createStory(server.baseUrl, ana.token, { headline: 'Refusals' });
    const bad = await download(ana, story.id, 'pdf');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'bad_request' } });
    expect((await download(ana, story.id, 'ninjs&format=html')).status).toBe(400);
    expect((await download(ana, 'no-such-story-1', 'html')).status).toBe(404);
    expect((await download(null, story.id, 'html')).status).toBe(401);
  });
});
