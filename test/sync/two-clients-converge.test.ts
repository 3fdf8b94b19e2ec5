import { readFields, storyTypes } from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createStory, getStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';
import { connectClient, waitFor } from '../helpers/yjs-client';

const WIRE = `Storm hits coast
Synopsis
A storm hit the coast.
Key Takeaways
- Winds reached 120 km/h.
- Thousands without power.
Lisbon, Dec 3 (Agency) Officials said the storm would pass by evening.`;

describe('two stock y-websocket clients on one story', () => {
  let server: RunningServer;
  let anaToken: string;
  let benToken: string;

  beforeAll(async () => {
    server = await startServer();
    anaToken = await login(server.baseUrl, 'ana');
    benToken = await login(server.baseUrl, 'ben');
  });
  afterAll(async () => {
    await server.stop();
  });

  it('sync the stored story and converge on concurrent edits to every field', async () => {
    const story = await createStory(server.baseUrl, anaToken, { wire: WIRE });
    const ana = connectClient(server.wsUrl, story.id, anaToken);
    const ben = connectClient(server.wsUrl, story.id, benToken);
    await Promise.all([ana.synced(), ben.synced()]);
    expect(readFields(ana.doc).headline).toBe('Storm hits coast');
    expect(readFields(ben.doc).takeaways).toEqual([
      'Winds reached 120 km/h.',
      'Thousands without power.',
    ]);

    const a = storyTypes(ana.doc);
    const b = storyTypes(ben.doc);
    // Concurrent edits: both clients change every field in the same moment.
    a.headline.insert(0, 'BREAKING: ');
    b.headline.insert(b.headline.length, ' tonight');
    a.synopsis.insert(a.synopsis.length, ' Ana adds a sentence.');
    b.synopsis.insert(0, 'Ben first. ');
    a.takeaways.insert(2, [new Y.Text('Ana takeaway')]);
    b.takeaways.get(0).insert(0, '[Ben] ');
    b.takeaways.delete(1, 1);
    a.body.insert(0, 'Ana para.\n');
    b.body.insert(b.body.length, '\nBen para.');
    a.meta.set('dateline', 'Porto, Dec 3');
    b.meta.set('byline', 'Ben Reporter');

    const converged = () =>
      JSON.stringify(readFields(ana.doc)) === JSON.stringify(readFields(ben.doc)) &&
      readFields(ana.doc).body.includes('Ben para.') &&
      readFields(ben.doc).body.includes('Ana para.') &&
      readFields(ana.doc).byline === 'Ben Reporter' &&
      readFields(ben.doc).dateline === 'Porto, Dec 3';
    await waitFor([ana.doc, ben.doc], converged);

    const fields = readFields(ana.doc);
    expect(fields.headline).toBe('BREAKING: Storm hits coast tonight');
    expect(fields.synopsis).toBe('Ben first. A storm hit the coast. Ana adds a sentence.');
    expect(fields.takeaways).toEqual(['[Ben] Winds reached 120 km/h.', 'Ana takeaway']);
    expect(fields.body).toBe(
      'Ana para.\nOfficials said the storm would pass by evening.\nBen para.',
    );

    // A third client joining late gets the full state, and the REST view agrees.
    const late = connectClient(server.wsUrl, story.id, benToken);
    await late.synced();
    expect(readFields(late.doc)).toEqual(fields);
    const view = await getStory(server.baseUrl, anaToken, story.id);
    expect(view).toMatchObject({
      headline: fields.headline,
      synopsis: fields.synopsis,
      takeaways: fields.takeaways,
      body: fields.body,
      dateline: 'Porto, Dec 3',
      source: 'Agency',
    });
    for (const c of [ana, ben, late]) c.destroy();
  });

  it('merges the edits of a client that was offline on reconnect', async () => {
    const story = await createStory(server.baseUrl, anaToken, { headline: 'Offline test' });
    const ana = connectClient(server.wsUrl, story.id, anaToken);
    const ben = connectClient(server.wsUrl, story.id, benToken);
    await Promise.all([ana.synced(), ben.synced()]);

    ben.provider.disconnect();
    storyTypes(ben.doc).synopsis.insert(0, 'Written offline by Ben.');
    storyTypes(ben.doc).takeaways.push([new Y.Text('Offline takeaway')]);
    storyTypes(ana.doc).synopsis.insert(0, 'Ana online. ');

    ben.provider.connect();
    const merged = (doc: Y.Doc) => {
      const f = readFields(doc);
      return f.synopsis.includes('Written offline by Ben.') && f.synopsis.includes('Ana online.');
    };
    await waitFor([ana.doc, ben.doc], () => merged(ana.doc) && merged(ben.doc));
    expect(readFields(ana.doc)).toEqual(readFields(ben.doc));
    expect(readFields(ana.doc).takeaways).toEqual(['Offline takeaway']);
    ana.destroy();
    ben.destroy();
  });

  it('refuses unknown stories with 4404 and missing tokens with 4401', async () => {
    const closeCode = (storyId: string, token: string) =>
      new Promise<number>((resolve) => {
        const c = connectClient(server.wsUrl, storyId, token);
        c.provider.on('connection-close', (event: CloseEvent | null) => {
          // Destroying inside the provider's own close handler re-enters it.
          setImmediate(() => c.destroy());
          resolve(event?.code ?? 0);
        });
      });
    expect(await closeCode('no-such-story-000', anaToken)).toBe(4404);
    expect(await closeCode("x'; DROP TABLE stories;--", anaToken)).toBe(4404);
    expect(await closeCode('a'.repeat(100), anaToken)).toBe(4404);
    const story = await createStory(server.baseUrl, anaToken, { headline: 'Auth test' });
    expect(await closeCode(story.id, 'not-a-token')).toBe(4401);
  });
});
