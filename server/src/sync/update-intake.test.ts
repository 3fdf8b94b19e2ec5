import type { AddressInfo } from 'node:net';
import { CloseCode, MessageType } from '@copydesk/shared';
import * as decoding from 'lib0/decoding';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { SyncConnection } from './sync-connection';
import { fixtureUser } from './test-fixtures';
import { UpdateIntake } from './update-intake';

/** A server-side SyncConnection over a real loopback socket, and the frames its client got. */
const connectedPair = async () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const accepted = new Promise<WebSocket>((resolve) => server.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const received: Uint8Array[] = [];
  const waiters: (() => void)[] = [];
  client.on('message', (data: Buffer) => {
    received.push(new Uint8Array(data));
    for (const w of waiters.splice(0)) w();
  });
  await new Promise((resolve) => client.once('open', resolve));
  const user = fixtureUser({ id: 'u1', username: 'ed', displayName: 'Ed', color: '#123456' });
  const conn = new SyncConnection(await accepted, user, 'st_intake', {
    readOnly: false,
    wantsAck: false,
    sessionId: 's1',
    expiresAt: Date.now() + 60_000,
    limits: { maxBufferedBytes: 1 << 20, messagesPerSecond: 100, messageBurst: 100 },
  });
  const nextFrame = async (): Promise<Uint8Array> => {
    if (received.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
    return received.shift() as Uint8Array;
  };
  const close = async () => {
    if (conn.resyncTimer) clearTimeout(conn.resyncTimer);
    client.terminate();
    await new Promise((resolve) => server.close(resolve));
  };
  return { conn, nextFrame, close };
};

/** What a client typed into `body`, as the update its y-websocket provider would send. */
const typed = (doc: Y.Doc, edit: (text: Y.Text) => void): Uint8Array => {
  let update: Uint8Array | null = null;
  const onUpdate = (u: Uint8Array) => {
    update = u;
  };
  doc.on('update', onUpdate);
  edit(doc.getText('body'));
  doc.off('update', onUpdate);
  if (!update) throw new Error('the edit changed nothing');
  return update;
};

describe('UpdateIntake', () => {
  let pair: Awaited<ReturnType<typeof connectedPair>>;
  afterEach(() => pair.close());

  const intakeOver = (doc: Y.Doc, maxStoryBytes?: number) =>
    new UpdateIntake({ doc, docNow: () => doc, maxStoryBytes });

  it('queues a new edit and counts it: the same frame again in that turn changes nothing', async () => {
    pair = await connectedPair();
    const story = new Y.Doc();
    const intake = intakeOver(story);
    const edit = typed(new Y.Doc(), (t) => t.insert(0, 'Storm hits coast'));

    expect(intake.admit(pair.conn, edit)).toBe('queue');
    expect(intake.admit(pair.conn, edit)).toBe('noop');
    // Once applied, the document itself says the same.
    Y.applyUpdate(story, edit);
    intake.applied();
    expect(intake.admit(pair.conn, edit)).toBe('noop');
  });

  it('tells deletes of what is gone from deletes that also remove something new', async () => {
    pair = await connectedPair();
    const writer = new Y.Doc();
    const story = new Y.Doc();
    const inserted = typed(writer, (t) => t.insert(0, 'abcdef'));
    Y.applyUpdate(story, inserted);
    const intake = intakeOver(story);
    const cut = typed(writer, (t) => t.delete(1, 2));
    expect(intake.admit(pair.conn, cut)).toBe('queue');
    // The same letters deleted again in the same turn: the queue cannot say which are new yet,
    // so the room applies the queue and lets Yjs tell.
    expect(intake.admit(pair.conn, cut)).toBe('apply-now');
    Y.applyUpdate(story, cut);
    intake.applied();
    expect(intake.admit(pair.conn, cut)).toBe('noop');

    // Someone who had not seen that cut deletes "abc": "a" is new, "bc" gone already. Only Yjs
    // can tell what to store, so it is applied at once.
    const stale = new Y.Doc();
    Y.applyUpdate(stale, inserted);
    expect(
      intake.admit(
        pair.conn,
        typed(stale, (t) => t.delete(0, 3)),
      ),
    ).toBe('apply-now');
  });

  it('applies at once an update that repeats content the story holds', async () => {
    pair = await connectedPair();
    const writer = new Y.Doc();
    const story = new Y.Doc();
    Y.applyUpdate(
      story,
      typed(writer, (t) => t.insert(0, 'Flood ')),
    );
    typed(writer, (t) => t.insert(6, 'warning'));
    const intake = intakeOver(story);
    expect(intake.admit(pair.conn, Y.encodeStateAsUpdate(writer))).toBe('apply-now');
  });

  it('asks for missing history with a sync step 1, then closes a client that still has gaps', async () => {
    pair = await connectedPair();
    const writer = new Y.Doc();
    typed(writer, (t) => t.insert(0, 'lost '));
    const later = typed(writer, (t) => t.insert(5, 'later'));
    const story = new Y.Doc();
    const intake = intakeOver(story);

    expect(intake.admit(pair.conn, later)).toBe('resync');
    const frame = decoding.createDecoder(await pair.nextFrame());
    expect(decoding.readVarUint(frame)).toBe(MessageType.sync);
    expect(decoding.readVarUint(frame)).toBe(syncProtocol.messageYjsSyncStep1);
    expect(Y.decodeStateVector(decoding.readVarUint8Array(frame)).size).toBe(0);

    pair.conn.resyncAnswered = true;
    expect(() => intake.admit(pair.conn, later)).toThrow(
      expect.objectContaining({ code: CloseCode.malformed }),
    );
  });

  it('refuses growth past the story limit with 4413 and counts nothing of it', async () => {
    pair = await connectedPair();
    const writer = new Y.Doc();
    const intake = intakeOver(new Y.Doc(), 200);
    const big = typed(writer, (t) => t.insert(0, 'x'.repeat(300)));
    expect(() => intake.admit(pair.conn, big)).toThrow(
      expect.objectContaining({ code: CloseCode.tooLarge }),
    );
    expect(intake.sizeAtMost).toBe(Y.encodeStateAsUpdate(new Y.Doc()).byteLength);
    // What was typed after it depends on it: nothing of the refused edit was accepted.
    expect(
      intake.admit(
        pair.conn,
        typed(writer, (t) => t.insert(0, 'y')),
      ),
    ).toBe('resync');
  });

  it('closes the sender of a forged update with 4400', async () => {
    pair = await connectedPair();
    const intake = intakeOver(new Y.Doc());
    expect(() => intake.admit(pair.conn, new Uint8Array([1, 1, 200, 7, 0, 4, 9]))).toThrow(
      expect.objectContaining({ code: CloseCode.malformed }),
    );
  });
});
