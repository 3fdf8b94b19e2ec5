import {
  type CommentCountsResponse,
  type CommentListResponse,
  type CommentThread,
  type NotificationListResponse,
  storyTypes,
} from '@copydesk/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { CommentLiveEvent } from '../../server/src/comments';
import { type FeatureServer, startFeatureServer } from '../activity/feature-server';
import { connectAcked, EventLog, type Session, signInAll, typeInto } from '../activity/helpers';
import { api, createStory } from '../helpers/api';
import { waitFor } from '../helpers/yjs-client';

const WIRE = `Kremlin floats peace plan
Synopsis
The plan has twelve points and a ceasefire.
Key Takeaways
- Talks come first.
- Sanctions relief later.
Moscow, Dec 3 (NationPress) Officials said so.`;

describe('comments anchored to the live text', () => {
  let server: FeatureServer;
  let ana: Session;
  let ben: Session;
  let carla: Session;
  let vic: Session;
  const live = new EventLog<CommentLiveEvent>();

  beforeAll(async () => {
    server = await startFeatureServer();
    [ana, ben, carla, vic] = await signInAll(server.baseUrl, ['ana', 'ben', 'carla', 'vic']);
    server.comments.subscribe(live.push);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const call = (session: Session | null, method: string, route: string, body?: unknown) =>
    api(server.baseUrl, session?.token ?? null, method, route, body);

  const threads = async (storyId: string, session: Session = vic) => {
    const res = await call(session, 'GET', `/api/stories/${storyId}/comments`);
    expect(res.status).toBe(200);
    return res.body as CommentListResponse;
  };

  it('keeps the anchor on its words while others edit around them, concurrently', async () => {
    const story = await createStory(server.baseUrl, ana.token, { wire: WIRE });
    const created = await call(carla, 'POST', `/api/stories/${story.id}/comments`, {
      anchor: { field: 'synopsis', from: 13, to: 19, quote: 'twelve' },
      text: 'Source for twelve?',
    });
    expect(created.status).toBe(201);
    const thread = created.body as CommentThread;
    expect(thread).toMatchObject({
      author: { username: 'carla', displayName: 'Carla' },
      text: 'Source for twelve?',
      resolved: false,
      anchor: { field: 'synopsis', fieldRef: 'synopsis', from: 13, to: 19, quote: 'twelve' },
    });
    expect(typeof thread.anchor.relStart).toBe('string');

    // Ana types before the anchor while Ben types right after it, at the same time.
    const a = connectAcked(server.wsUrl, story.id, ana.token);
    const b = connectAcked(server.wsUrl, story.id, ben.token);
    await Promise.all([a.synced(), b.synced()]);
    typeInto(storyTypes(a.doc).synopsis, 0, 'Breaking: ');
    typeInto(storyTypes(b.doc).synopsis, 19, ' (perhaps 13)');
    await Promise.all([a.stored(), b.stored()]);
    const expected = 'Breaking: The plan has twelve (perhaps 13) points and a ceasefire.';
    await waitFor([a.doc, b.doc], () =>
      [a.doc, b.doc].every((d) => storyTypes(d).synopsis.toString() === expected),
    );

    let [moved] = (await threads(story.id)).threads;
    expect(moved?.anchor).toMatchObject({ from: 23, to: 29, quote: 'twelve', state: 'ok' });

    // The client can place the highlight itself from the relative positions.
    const start = Y.createAbsolutePositionFromRelativePosition(
      Y.decodeRelativePosition(Buffer.from(moved?.anchor.relStart ?? '', 'base64')),
      a.doc,
    );
    expect(start?.index).toBe(23);

    // Deleting the anchored words collapses the anchor where they were.
    storyTypes(b.doc).synopsis.delete(19, 24);
    await b.stored();
    [moved] = (await threads(story.id)).threads;
    expect(moved?.anchor).toMatchObject({
      from: 19,
      to: 19,
      quote: '',
      originalQuote: 'twelve',
      state: 'collapsed',
    });
    a.destroy();
    b.destroy();
  });

  it('follows a takeaway when it is moved and reports it orphaned when removed', async () => {
    const story = await createStory(server.baseUrl, ana.token, { wire: WIRE });
    const res = await call(ben, 'POST', `/api/stories/${story.id}/comments`, {
      anchor: { field: 'takeaway', takeawayIndex: 1, from: 0, to: 9 },
      text: 'Which sanctions?',
    });
    expect(res.status).toBe(201);
    expect((res.body as CommentThread).anchor).toMatchObject({
      fieldRef: 'takeaway:1',
      quote: 'Sanctions',
    });
    const c = connectAcked(server.wsUrl, story.id, carla.token);
    await c.synced();
    const takeaways = storyTypes(c.doc).takeaways;
    c.doc.transact(() => {
      const text = takeaways.get(1).toString();
      takeaways.delete(1, 1);
      takeaways.insert(0, [new Y.Text(text)]);
    });
    await c.stored();
    let [t] = (await threads(story.id)).threads;
    expect(t?.anchor).toMatchObject({ takeawayIndex: 0, fieldRef: 'takeaway:0', state: 'ok' });
    takeaways.delete(0, 1);
    await c.stored();
    [t] = (await threads(story.id)).threads;
    expect(t?.anchor).toMatchObject({
      state: 'orphaned',
      fieldRef: null,
      originalQuote: 'Sanctions',
    });
    c.destroy();
  });

  it('replies, resolves and reopens, with live events and counts for the desk', async () => {
    const story = await createStory(server.baseUrl, ana.token, { wire: WIRE });
    const root = (
      await call(carla, 'POST', `/api/stories/${story.id}/comments`, {
        anchor: { field: 'headline', from: 0, to: 7 },
        text: 'Is "Kremlin" right here?',
      })
    ).body as CommentThread;
    await live.waitFor((e) => e.type === 'comment:new' && e.payload.thread.id === root.id);

    const reply = await call(ana, 'POST', `/api/stories/${story.id}/comments/${root.id}/replies`, {
      text: 'Yes, per the wire.',
    });
    expect(reply.status).toBe(201);
    const withReply = reply.body as CommentThread;
    expect(withReply.replies).toMatchObject([
      { text: 'Yes, per the wire.', author: { username: 'ana' }, threadId: root.id },
    ]);
    const replyEvent = await live.waitFor(
      (e) => e.type === 'comment:new' && e.payload.comment.id === withReply.replies[0]?.id,
    );
    expect(replyEvent.type === 'comment:new' && replyEvent.payload.unresolved).toBe(1);

    const counts = async () =>
      ((await call(vic, 'GET', '/api/comments/counts')).body as CommentCountsResponse).stories[
        story.id
      ];
    expect(await counts()).toMatchObject({ unresolved: 1, total: 1 });

    const resolved = await call(
      carla,
      'POST',
      `/api/stories/${story.id}/comments/${root.id}/resolve`,
      {},
    );
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ resolved: true, resolvedBy: { username: 'carla' } });
    await live.waitFor(
      (e) =>
        e.type === 'comment:updated' &&
        e.payload.action === 'resolved' &&
        e.payload.unresolved === 0,
    );
    expect(await counts()).toMatchObject({ unresolved: 0, total: 1 });
    expect((await threads(story.id)).unresolved).toBe(0);
    const open = await call(vic, 'GET', `/api/stories/${story.id}/comments?state=open`);
    expect((open.body as CommentListResponse).threads).toHaveLength(0);

    // Reopening through a reply's id reopens its thread.
    const reopened = await call(
      ben,
      'POST',
      `/api/stories/${story.id}/comments/${withReply.replies[0]?.id}/reopen`,
      {},
    );
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ id: root.id, resolved: false, resolvedBy: null });
    await live.waitFor((e) => e.type === 'comment:updated' && e.payload.action === 'reopened');
    expect(await counts()).toMatchObject({ unresolved: 1, total: 1 });
  });

  it('lets viewers read but not write, and validates what is written', async () => {
    const story = await createStory(server.baseUrl, ana.token, { wire: WIRE });
    const route = `/api/stories/${story.id}/comments`;
    const anchor = { field: 'synopsis', from: 0, to: 3 };
    expect((await call(vic, 'POST', route, { anchor, text: 'Viewer note' })).status).toBe(403);
    expect((await call(null, 'GET', route)).status).toBe(401);
    expect((await call(vic, 'GET', route)).status).toBe(200);
    expect((await call(ana, 'POST', route, { anchor, text: '   ' })).status).toBe(400);
    expect((await call(ana, 'POST', route, { anchor, text: 'x'.repeat(4001) })).status).toBe(400);
    expect(
      (await call(ana, 'POST', route, { anchor: { ...anchor, from: 5, to: 2 }, text: 'Hi' }))
        .status,
    ).toBe(400);
    expect(
      (
        await call(ana, 'POST', route, {
          anchor: { field: 'takeaway', from: 0, to: 2 },
          text: 'Hi',
        })
      ).status,
    ).toBe(400);
    expect(
      (await call(ana, 'POST', route, { anchor: { ...anchor, to: 5000 }, text: 'Hi' })).status,
    ).toBe(409);
    expect((await call(ana, 'POST', route, { anchor, text: 'Hi', extra: true })).status).toBe(400);
    expect(
      (await call(ana, 'POST', '/api/stories/no-such-story-1/comments', { anchor, text: 'Hi' }))
        .status,
    ).toBe(404);
    expect(
      (
        await call(ana, 'POST', `/api/stories/${story.id}/comments/c_nothere/replies`, {
          text: 'Hi',
        })
      ).status,
    ).toBe(404);
    // Text is stored as text: markup comes back verbatim, to be rendered as text.
    const html = '<img src=x onerror=alert(1)> & "quotes"';
    const ok = await call(ana, 'POST', route, { anchor, text: html });
    expect(ok.status).toBe(201);
    expect((ok.body as CommentThread).text).toBe(html);
  });

  it('notifies exactly the mentioned users', async () => {
    const story = await createStory(server.baseUrl, ana.token, { wire: WIRE });
    const root = await call(ana, 'POST', `/api/stories/${story.id}/comments`, {
      anchor: { field: 'body', from: 0, to: 9 },
      text: '@ben and @Carla, please check. Note to @ana self, mail ana@example.com, @nobody.',
    });
    expect(root.status).toBe(201);
    const thread = root.body as CommentThread;
    expect(thread.mentions.map((u) => u.username).sort()).toEqual(['ana', 'ben', 'carla']);

    const inbox = async (session: Session) => {
      const res = await call(session, 'GET', '/api/notifications');
      expect(res.status).toBe(200);
      return res.body as NotificationListResponse;
    };
    const benInbox = await inbox(ben);
    expect(benInbox.unread).toBe(1);
    expect(benInbox.notifications).toMatchObject([
      {
        kind: 'mention',
        storyId: story.id,
        storyHeadline: 'Kremlin floats peace plan',
        threadId: thread.id,
        commentId: thread.id,
        by: { username: 'ana', displayName: 'Ana' },
        read: false,
      },
    ]);
    expect((await inbox(carla)).unread).toBe(1);
    expect((await inbox(ana)).notifications).toHaveLength(0);
    expect((await inbox(vic)).notifications).toHaveLength(0);

    const mentionEvents = live.events.flatMap((e) =>
      e.type === 'mention:new' && e.payload.notification.threadId === thread.id
        ? [e.payload.userId]
        : [],
    );
    expect(mentionEvents.sort()).toEqual([ben.user.id, carla.user.id].sort());

    // A reply mentioning Vic notifies Vic only.
    await call(ben, 'POST', `/api/stories/${story.id}/comments/${thread.id}/replies`, {
      text: 'Looping in @vic for legal.',
    });
    expect((await inbox(vic)).unread).toBe(1);
    expect((await inbox(ben)).unread).toBe(1);

    const read = await call(ben, 'POST', '/api/notifications/read', {
      ids: [benInbox.notifications[0]?.id],
    });
    expect(read.body).toEqual({ unread: 0 });
    expect((await inbox(ben)).notifications[0]?.read).toBe(true);
    expect((await call(carla, 'POST', '/api/notifications/read', { all: true })).body).toEqual({
      unread: 0,
    });
    expect((await call(carla, 'GET', '/api/notifications?unread=1')).body).toMatchObject({
      notifications: [],
      unread: 0,
    });
  });
});
