import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { FullStateCache } from './full-state-cache';

/** What a fresh client ends up with after receiving `frame`. */
const received = (frame: Uint8Array): string => {
  const doc = new Y.Doc();
  const decoder = decoding.createDecoder(frame);
  expect(decoding.readVarUint(decoder)).toBe(0); // sync message
  expect(decoding.readVarUint(decoder)).toBe(syncProtocol.messageYjsSyncStep2);
  Y.applyUpdate(doc, decoding.readVarUint8Array(decoder));
  return doc.getText('body').toString();
};

describe('FullStateCache', () => {
  it('encodes a big document once per version and always serves the current one', () => {
    const doc = new Y.Doc();
    const body = doc.getText('body');
    body.insert(0, 'x'.repeat(40_000));
    const cache = new FullStateCache(doc);
    const first = cache.frame();
    expect(cache.frame()).toBe(first); // the same bytes, not encoded again
    expect(received(first)).toBe(body.toString());

    body.insert(0, 'Breaking: ');
    const second = cache.frame();
    expect(second).not.toBe(first);
    expect(received(second)).toBe(body.toString());
    cache.destroy();
  });

  it('serves a big story loaded from its snapshot alone as those bytes, until it changes', () => {
    const source = new Y.Doc();
    source.getText('body').insert(0, 'y'.repeat(40_000));
    const snapshot = Y.encodeStateAsUpdate(source);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, snapshot);
    const cache = new FullStateCache(doc);
    cache.seed(snapshot);
    expect(cache.warm).toBe(true);
    const frame = cache.frame();
    expect(frame).toBe(cache.frame());
    expect(frame.subarray(frame.byteLength - snapshot.byteLength)).toEqual(snapshot);
    expect(received(frame)).toBe('y'.repeat(40_000));

    doc.getText('body').insert(0, 'Update: ');
    expect(cache.warm).toBe(false);
    expect(received(cache.frame())).toBe(`Update: ${'y'.repeat(40_000)}`);
    cache.destroy();
  });

  it('keeps no copy of a small document', () => {
    const doc = new Y.Doc();
    doc.getText('body').insert(0, 'Short story.');
    const cache = new FullStateCache(doc);
    expect(cache.frame()).not.toBe(cache.frame());
    expect(received(cache.frame())).toBe('Short story.');
  });

  it('recognises the state vector of a client that holds nothing', () => {
    expect(FullStateCache.isEmptyStateVector(Y.encodeStateVector(new Y.Doc()))).toBe(true);
    const doc = new Y.Doc();
    doc.getText('body').insert(0, 'a');
    expect(FullStateCache.isEmptyStateVector(Y.encodeStateVector(doc))).toBe(false);
  });
});
