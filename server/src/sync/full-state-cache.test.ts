import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { FullStateCache } from './full-state-cache';
import { encodeStateAsParts } from './state-chunks.mjs';

/** What a fresh client holds after `frames`: updates first, then exactly one sync step 2. */
const received = (frames: Uint8Array[]): string => {
  const doc = new Y.Doc();
  frames.forEach((frame, i) => {
    const decoder = decoding.createDecoder(frame);
    expect(decoding.readVarUint(decoder)).toBe(0); // sync message
    expect(decoding.readVarUint(decoder)).toBe(
      i === frames.length - 1 ? syncProtocol.messageYjsSyncStep2 : syncProtocol.messageYjsUpdate,
    );
    Y.applyUpdate(doc, decoding.readVarUint8Array(decoder));
  });
  expect(doc.store.pendingStructs).toBeNull();
  return doc.getText('body').toString();
};

/** A story typed word by word (thousands of structs), and a cache whose turns the test runs. */
const bigStory = () => {
  const doc = new Y.Doc();
  const body = doc.getText('body');
  for (let i = 0; i < 3000; i++) body.insert((i * 7) % (body.length + 1), `w${i} `);
  const turns: (() => void)[] = [];
  const cache = new FullStateCache(doc, { later: (step) => turns.push(step) });
  const nextTurn = () => (turns.shift() as () => void)();
  return { doc, body, cache, turns, nextTurn };
};

describe('FullStateCache', () => {
  it('sends a big document a part per turn, then from its copy while unchanged', () => {
    const { body, cache, turns, nextTurn } = bigStory();
    const frames: Uint8Array[] = [];
    cache.send((frame) => frames.push(frame), true);
    expect(frames).toHaveLength(1); // one part now, the rest in later turns
    while (turns.length > 0) nextTurn();
    expect(frames.length).toBeGreaterThan(3);
    expect(received(frames)).toBe(body.toString());

    expect(cache.warm).toBe(true);
    const again: Uint8Array[] = [];
    cache.send((frame) => again.push(frame), true);
    expect(turns).toHaveLength(0);
    expect(again).toEqual(frames);
    expect(again[0]).toBe(frames[0]); // the same bytes, not encoded again
    cache.destroy();
  });

  it('a joiner arriving mid-encoding, and edits made meanwhile, miss nothing', () => {
    const { body, cache, turns, nextTurn } = bigStory();
    const first: Uint8Array[] = [];
    const second: Uint8Array[] = [];
    cache.send((frame) => first.push(frame), true);
    nextTurn();
    body.insert(0, 'Breaking: ');
    body.delete(body.length - 20, 10);
    cache.send((frame) => second.push(frame), true);
    while (turns.length > 0) nextTurn();
    // The last frame carries what changed since the encoding started, for both.
    expect(received(first)).toBe(body.toString());
    expect(received(second)).toBe(body.toString());
    expect(cache.warm).toBe(false); // encoded across a change: not kept
    cache.destroy();
  });

  it('serves a big story loaded from its snapshot alone as the snapshot parts, until it changes', () => {
    const source = new Y.Doc();
    for (let i = 0; i < 2000; i++) source.getText('body').insert(0, `y${i} `);
    const parts = encodeStateAsParts(source, 500);
    const doc = new Y.Doc();
    for (const part of parts) Y.applyUpdate(doc, part);
    const cache = new FullStateCache(doc, { later: () => expect.unreachable() });
    cache.seed(parts);
    expect(cache.warm).toBe(true);
    const frames: Uint8Array[] = [];
    cache.send((frame) => frames.push(frame), true);
    expect(frames).toHaveLength(parts.length);
    frames.forEach((frame, i) => {
      const part = parts[i] as Uint8Array;
      // The frame ends with the part's bytes (frames are Buffers; compare the bytes alone).
      expect(new Uint8Array(frame.subarray(frame.byteLength - part.byteLength))).toEqual(part);
    });
    expect(received(frames)).toBe(source.getText('body').toString());

    doc.getText('body').insert(0, 'Update: ');
    expect(cache.warm).toBe(false);
    cache.destroy();
  });

  it('sends a small document as one sync step 2 and keeps no copy', () => {
    const doc = new Y.Doc();
    doc.getText('body').insert(0, 'Short story.');
    const cache = new FullStateCache(doc, { later: () => expect.unreachable() });
    const frames: Uint8Array[] = [];
    cache.send((frame) => frames.push(frame), false);
    expect(received(frames)).toBe('Short story.');
    expect(cache.warm).toBe(false);
  });

  it('recognises the state vector of a client that holds nothing', () => {
    expect(FullStateCache.isEmptyStateVector(Y.encodeStateVector(new Y.Doc()))).toBe(true);
    const doc = new Y.Doc();
    doc.getText('body').insert(0, 'a');
    expect(FullStateCache.isEmptyStateVector(Y.encodeStateVector(doc))).toBe(false);
  });
});
