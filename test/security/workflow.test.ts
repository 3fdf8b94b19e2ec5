import path from 'node:path';
import {
  checkMove,
  type Role,
  STATUSES,
  type StatusChangeResponse,
  type StoryStatus,
  type StorySummary,
} from '@copydesk/shared';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createStory, getStory, login } from '../helpers/api';
import { type RunningServer, startServer } from '../helpers/server';

/** Moves the brief allows, in the order a story can reach each status. */
const PATH_TO: Record<StoryStatus, StoryStatus[]> = {
  draft: [],
  in_review: ['in_review'],
  approved: ['in_review', 'approved'],
  published: ['in_review', 'approved', 'published'],
};

/** Workflow moves are allowed or refused per role (403) and per status (409). */
describe('workflow status', () => {
  let server: RunningServer;
  const tokens = {} as Record<'editor' | 'chief' | 'viewer', string>;
  const ids = {} as Record<'editor' | 'chief' | 'viewer', string>;

  beforeAll(async () => {
    server = await startServer();
    tokens.editor = await login(server.baseUrl, 'ana');
    tokens.chief = await login(server.baseUrl, 'carla');
    tokens.viewer = await login(server.baseUrl, 'vic');
    for (const role of ['editor', 'chief', 'viewer'] as const) {
      const me = await api(server.baseUrl, tokens[role], 'GET', '/api/me');
      ids[role] = (me.body as { id: string }).id;
    }
  });
  afterAll(async () => {
    await server.stop();
  });

  const setStatus = (token: string, id: string, status: unknown) =>
    api(server.baseUrl, token, 'POST', `/api/stories/${id}/status`, { status });

  /** A new story brought to `status` by the chief. */
  const storyIn = async (status: StoryStatus): Promise<string> => {
    const { id } = await createStory(server.baseUrl, tokens.editor, { headline: `In ${status}` });
    for (const step of PATH_TO[status]) {
      expect((await setStatus(tokens.chief, id, step)).status).toBe(200);
    }
    return id;
  };

  it('follows the brief: every role × from × to gets 200, 403 or 409 as the shared table says', async () => {
    const expected = { ok: 200, forbidden: 403, illegal: 409 } as const;
    for (const role of ['editor', 'chief', 'viewer'] as const) {
      for (const from of STATUSES) {
        for (const to of STATUSES) {
          const id = await storyIn(from);
          const res = await setStatus(tokens[role], id, to);
          const verdict = checkMove(role as Role, from, to);
          expect(res.status, `${role}: ${from} -> ${to}`).toBe(expected[verdict]);
          if (verdict !== 'ok') {
            expect(res.body).toMatchObject({
              error: { code: verdict === 'forbidden' ? 'forbidden' : 'conflict' },
            });
            expect((await getStory(server.baseUrl, tokens.chief, id)).status).toBe(from);
          }
        }
      }
    }
  });

  it('answers with the new story view and records who moved it and when', async () => {
    const id = await storyIn('draft');
    const before = Date.now();
    const res = await setStatus(tokens.editor, id, 'in_review');
    expect(res.status).toBe(200);
    const body = res.body as StatusChangeResponse;
    expect(body).toMatchObject({ id, status: 'in_review', headline: 'In draft' });
    expect(body.statusChange).toMatchObject({ from: 'draft', to: 'in_review', by: ids.editor });
    expect(Date.parse(body.statusChange.at)).toBeGreaterThanOrEqual(before - 1000);
    expect((await setStatus(tokens.chief, id, 'approved')).status).toBe(200);

    expect((await getStory(server.baseUrl, tokens.viewer, id)).status).toBe('approved');
    const list = (await api(server.baseUrl, tokens.viewer, 'GET', '/api/stories'))
      .body as StorySummary[];
    expect(list.find((s) => s.id === id)?.status).toBe('approved');

    const db = new Database(path.join(server.dataDir, 'copydesk.sqlite'), { readonly: true });
    const rows = db
      .prepare(
        'SELECT from_status, to_status, user_id, at FROM status_changes WHERE story_id = ? ORDER BY seq',
      )
      .all(id);
    db.close();
    expect(rows).toEqual([
      { from_status: 'draft', to_status: 'in_review', user_id: ids.editor, at: expect.any(Number) },
      {
        from_status: 'in_review',
        to_status: 'approved',
        user_id: ids.chief,
        at: expect.any(Number),
      },
    ]);
  });

  it('validates the request before touching anything', async () => {
    const id = await storyIn('draft');
    for (const body of [{ status: 'done' }, { status: 'in_review', by: 'carla' }, {}, []]) {
      const res = await api(
        server.baseUrl,
        tokens.chief,
        'POST',
        `/api/stories/${id}/status`,
        body,
      );
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'bad_request' } });
    }
    expect((await setStatus(tokens.chief, 'no-such-story-0000', 'in_review')).status).toBe(404);
    expect((await setStatus(tokens.chief, 'bad%20id', 'in_review')).status).toBe(404);
    expect((await api(server.baseUrl, null, 'POST', `/api/stories/${id}/status`, {})).status).toBe(
      401,
    );
    expect((await getStory(server.baseUrl, tokens.chief, id)).status).toBe('draft');
  });
});
