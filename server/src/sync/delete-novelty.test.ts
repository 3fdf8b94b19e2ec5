import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { deleteNovelty, QueuedDeletes } from './delete-novelty';

/** The (client, clock, length) triplets of an update's delete set. */
const deletesOf = (update: Uint8Array): number[] => {
  const out: number[] = [];
  for (const [client, items] of Y.decodeUpdate(update).ds.clients) {
    for (const item of items) out.push(client, item.clock, item.len);
  }
  return out;
};

const setup = () => {
  const server = new Y.Doc();
  const client = new Y.Doc();
  client.getText('body').insert(0, 'The storm hit the coast.');
  Y.applyUpdate(server, Y.encodeStateAsUpdate(client));
  const deletion = (from: number, len: number): number[] => {
    const before = Y.encodeStateVector(client);
    const sink: Uint8Array[] = [];
    const onUpdate = (u: Uint8Array) => sink.push(u);
    client.on('update', onUpdate);
    client.getText('body').delete(from, len);
    client.off('update', onUpdate);
    expect(Y.encodeStateVector(client)).toEqual(before); // a pure deletion
    return deletesOf(sink[0] as Uint8Array);
  };
  return { server, client, deletion };
};

describe('deleteNovelty', () => {
  it('a deletion of live text is new; the same deletion once applied is nothing new', () => {
    const { server, deletion } = setup();
    const storm = deletion(4, 6);
    expect(deleteNovelty(server, new QueuedDeletes(), storm)).toBe('new');
    server.getText('body').delete(4, 6);
    expect(deleteNovelty(server, new QueuedDeletes(), storm)).toBe('none');
  });

  it('a deletion reaching over text already deleted and text still there is mixed', () => {
    const { server, deletion } = setup();
    server.getText('body').delete(4, 6); // "storm " gone on the server only
    const wider = deletion(0, 10); // "The storm " from a client that had not seen it
    expect(deleteNovelty(server, new QueuedDeletes(), wider)).toBe('mixed');
  });

  it('a deletion overlapping one queued this turn is mixed, a disjoint one is new', () => {
    const { server, deletion } = setup();
    const queued = new QueuedDeletes();
    queued.add(deletion(4, 6));
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(server));
    const stormAgain = deletesOf(
      (() => {
        const sink: Uint8Array[] = [];
        other.on('update', (u: Uint8Array) => sink.push(u));
        other.getText('body').delete(4, 6);
        return sink[0] as Uint8Array;
      })(),
    );
    expect(deleteNovelty(server, queued, stormAgain)).toBe('mixed');
    expect(deleteNovelty(server, queued, deletion(0, 3))).toBe('new');
    queued.clear();
    expect(deleteNovelty(server, queued, stormAgain)).toBe('new');
  });
});
