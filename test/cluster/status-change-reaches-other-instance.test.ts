import { describe, expect, it } from 'vitest';
import { api, createStory, login } from '../helpers/api';
import { clusterForSuite, twoInstances } from '../helpers/cluster';
import { insertUpdate, openRaw, roundTrip, syncUpdateFrame } from '../security/helpers';

/**
 * A desk chief approves a story through one instance while an editor is connected to it
 * through another: the other instance learns of it on its periodic check (one read for all
 * its open stories) and the editor's connection turns read-only.
 */
describe('a status change made on another instance', () => {
  const cluster = clusterForSuite({ env: { ACCOUNT_RECHECK_MS: '200' } });

  it('locks the story for editors connected to this one', async () => {
    const [a, b] = twoInstances(cluster());
    const ana = await login(b.baseUrl, 'ana');
    const carla = await login(a.baseUrl, 'carla');
    const story = await createStory(a.baseUrl, ana, { headline: 'Locked elsewhere' });
    // Another open story on B, so the check reads several at once.
    const other = await createStory(a.baseUrl, ana, { headline: 'Still a draft' });
    const editor = openRaw(b, story.id, ana);
    const bystander = openRaw(b, other.id, ana);
    await Promise.all([editor.opened, bystander.opened]);

    editor.send(syncUpdateFrame(insertUpdate('body', 'Before approval. ')));
    await roundTrip(editor);
    const logged = async (id: string) =>
      (
        await cluster().query<{ n: number }>(
          'SELECT count(*)::integer AS n FROM updates WHERE story_id = $1',
          [id],
        )
      )[0]?.n ?? 0;
    expect(await logged(story.id)).toBe(2);

    for (const status of ['in_review', 'approved']) {
      const res = await api(a.baseUrl, carla, 'POST', `/api/stories/${story.id}/status`, {
        status,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    await b.waitForLog(
      (e) =>
        e.msg === 'story status applied to connections' &&
        e.storyId === story.id &&
        e.status === 'approved',
    );

    editor.send(syncUpdateFrame(insertUpdate('body', 'After approval. ')));
    await roundTrip(editor);
    expect(await logged(story.id)).toBe(2);
    // The other story is untouched by the check: its editor still writes.
    bystander.send(syncUpdateFrame(insertUpdate('body', 'Draft goes on. ')));
    await roundTrip(bystander);
    expect(await logged(other.id)).toBe(2);
    editor.close();
    bystander.close();
  });
});
