import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type PendingWrite, PendingWrites } from './pending-writes';

/** Each keystroke of `text` typed at the end of `body` by one client, as its own update. */
const keystrokes = (text: string, clientID: number): Uint8Array[] => {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  for (const ch of text) doc.getText('body').insert(doc.getText('body').length, ch);
  return updates;
};

const write = (update: Uint8Array, userId: string): PendingWrite => ({
  update,
  userId,
  at: 0,
  origin: null,
});

const setup = () => {
  const doc = new Y.Doc();
  const failures: unknown[] = [];
  const pending = new PendingWrites({
    doc,
    applied: () => {},
    applyFailed: (err) => failures.push(err),
    mergeFailed: (err) => failures.push(err),
    discardPendingStructs: () => false,
  });
  return { doc, pending, failures };
};

describe('PendingWrites', () => {
  it('applies a turn in one go and stores one sender’s run as one update', () => {
    const { doc, pending } = setup();
    for (const u of keystrokes('hello', 7)) pending.push(write(u, 'ann'), false);
    expect(doc.getText('body').toString()).toBe('');
    pending.materialize();
    expect(doc.getText('body').toString()).toBe('hello');
    const { writes, received } = pending.cut();
    expect(received).toBe(5);
    expect(writes).toHaveLength(1);
    const replica = new Y.Doc();
    Y.applyUpdate(replica, (writes[0] as PendingWrite).update);
    expect(replica.getText('body').toString()).toBe('hello');
    expect(pending.length).toBe(0);
  });

  it('keeps a mixed turn’s updates as their senders sent them', () => {
    const { doc, pending } = setup();
    const ann = keystrokes('ab', 7);
    const bob = keystrokes('xy', 8);
    const sent = [ann[0], bob[0], ann[1], bob[1]] as Uint8Array[];
    for (const [i, u] of sent.entries()) {
      pending.push(write(u, i % 2 === 0 ? 'ann' : 'bob'), false);
    }
    pending.materialize();
    expect(doc.getText('body').length).toBe(4);
    const { writes } = pending.cut();
    expect(writes.map((w) => w.update)).toEqual(sent);
  });

  it('keeps what came before an update Yjs cannot apply, and reports it', () => {
    const { doc, pending, failures } = setup();
    const [first] = keystrokes('a', 7);
    pending.push(write(first as Uint8Array, 'ann'), false);
    pending.push(write(new Uint8Array([0xff, 0xff, 0xff]), 'bob'), false);
    pending.materialize();
    expect(failures).toHaveLength(1);
    expect(pending.length).toBe(1);
    expect(doc.getText('body').toString()).toBe('a');
  });

  it('does not apply a write the document already holds', () => {
    const { doc, pending } = setup();
    const [u] = keystrokes('a', 7);
    Y.applyUpdate(doc, u as Uint8Array);
    pending.push(write(u as Uint8Array, 'ann'), true);
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);
    pending.materialize();
    expect(transactions).toBe(0);
    expect(pending.cut().writes).toHaveLength(1);
  });
});
