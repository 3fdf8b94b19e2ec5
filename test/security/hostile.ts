import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/**
 * Hostile Yjs updates (format V1, as y-websocket carries them), each aimed at a way decoders
 * hang, allocate from a declared size, throw half-way, or keep state pending forever.
 */
type Write = (e: encoding.Encoder) => void;

const update = (
  groups: { client: number; clock: number; structs: number; write: Write }[],
  deletes: Write = (e) => encoding.writeVarUint(e, 0),
): Uint8Array => {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, groups.length);
  for (const g of groups) {
    encoding.writeVarUint(e, g.structs);
    encoding.writeVarUint(e, g.client);
    encoding.writeVarUint(e, g.clock);
    g.write(e);
  }
  deletes(e);
  return encoding.toUint8Array(e);
};

const rootItem =
  (kind: number, root: string, content: Write): Write =>
  (e) => {
    encoding.writeUint8(e, kind);
    encoding.writeVarUint(e, 1);
    encoding.writeVarString(e, root);
    content(e);
  };

const one = (write: Write, client = 1234, clock = 0) =>
  update([{ client, clock, structs: 1, write }]);

const str =
  (text: string): Write =>
  (e) =>
    encoding.writeVarString(e, text);

export const hostileUpdates = (): Record<string, Uint8Array> => {
  const deepAny: Write = (e) => {
    encoding.writeVarUint(e, 1);
    for (let i = 0; i < 50_000; i++) {
      encoding.writeUint8(e, 117);
      encoding.writeVarUint(e, 1);
    }
    encoding.writeUint8(e, 126);
  };
  return {
    'huge client count': new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0]),
    'huge struct count': update([{ client: 1, clock: 0, structs: 4398046511101, write: () => {} }]),
    'string longer than the frame': one(
      rootItem(4, 'body', (e) => encoding.writeVarUint(e, 50_000_000)),
    ),
    'root name longer than the frame': one((e) => {
      encoding.writeUint8(e, 4);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 2 ** 40);
    }),
    'huge client id': one(rootItem(4, 'body', str('x')), 2 ** 52),
    'huge clock': one(rootItem(4, 'body', str('x')), 7, 2 ** 50),
    'GC of huge length': one((e) => {
      encoding.writeUint8(e, 0);
      encoding.writeVarUint(e, 2 ** 48);
    }),
    'deleted content of huge length': one(
      rootItem(1, 'body', (e) => encoding.writeVarUint(e, 2 ** 40)),
    ),
    'endless varint': new Uint8Array([1, 1, ...Array.from({ length: 20 }, () => 0xff)]),
    'values nested 50,000 deep': one((e) => {
      encoding.writeUint8(e, 0x20 | 8);
      encoding.writeVarUint(e, 1);
      encoding.writeVarString(e, 'meta');
      encoding.writeVarString(e, 'dateline');
      deepAny(e);
    }),
    'array value with a huge count': one((e) => {
      encoding.writeUint8(e, 0x20 | 8);
      encoding.writeVarUint(e, 1);
      encoding.writeVarString(e, 'meta');
      encoding.writeVarString(e, 'source');
      encoding.writeVarUint(e, 1);
      encoding.writeUint8(e, 117);
      encoding.writeVarUint(e, 2 ** 40);
    }),
    'unknown value type': one((e) => {
      encoding.writeUint8(e, 0x20 | 8);
      encoding.writeVarUint(e, 1);
      encoding.writeVarString(e, 'meta');
      encoding.writeVarString(e, 'byline');
      encoding.writeVarUint(e, 1);
      encoding.writeUint8(e, 3);
    }),
    'invalid UTF-8': one(
      rootItem(4, 'body', (e) => encoding.writeVarUint8Array(e, new Uint8Array([0xff, 0xfe]))),
    ),
    'unknown struct type': one(rootItem(19, 'body', () => {})),
    subdocument: one(
      rootItem(9, 'body', (e) => {
        str('guid')(e);
        encoding.writeUint8(e, 126);
      }),
    ),
    'XML element': one(
      rootItem(7, 'body', (e) => {
        encoding.writeVarUint(e, 3);
        str('div')(e);
      }),
    ),
    'formatting attribute': one(
      rootItem(6, 'body', (e) => {
        str('b')(e);
        str('true')(e);
      }),
    ),
    'missing dependency': one((e) => {
      encoding.writeUint8(e, 0x80 | 4);
      encoding.writeVarUint(e, 999_999);
      encoding.writeVarUint(e, 12);
      encoding.writeVarString(e, 'orphan');
    }),
    'gap in own history': one(rootItem(4, 'body', str('x')), 4321, 500),
    'cyclic dependencies': update([
      {
        client: 11,
        clock: 0,
        structs: 1,
        write: (e) => {
          encoding.writeUint8(e, 0x80 | 4);
          encoding.writeVarUint(e, 12);
          encoding.writeVarUint(e, 0);
          encoding.writeVarString(e, 'a');
        },
      },
      {
        client: 12,
        clock: 0,
        structs: 1,
        write: (e) => {
          encoding.writeUint8(e, 0x80 | 4);
          encoding.writeVarUint(e, 11);
          encoding.writeVarUint(e, 0);
          encoding.writeVarString(e, 'b');
        },
      },
    ]),
    'reference to its own future (Yjs throws half-way)': update([
      {
        client: 77,
        clock: 0,
        structs: 2,
        write: (e) => {
          rootItem(4, 'body', str('first'))(e);
          encoding.writeUint8(e, 0x80 | 4);
          encoding.writeVarUint(e, 77);
          encoding.writeVarUint(e, 40);
          encoding.writeVarString(e, 'second');
        },
      },
    ]),
    'deletes beyond what exists': update([], (e) => {
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 31337);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 10);
      encoding.writeVarUint(e, 2 ** 30);
    }),
    'trailing bytes': new Uint8Array([...one(rootItem(4, 'body', str('x')), 55), 1, 2, 3]),
    'truncated update': one(rootItem(4, 'body', str('truncated text'))).subarray(0, 12),
    'V2 update (yjs limits test)': new Uint8Array([
      0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 2, 0, 0, 22, 2, 0, 0, 1, 253, 255, 255, 255, 255, 127, 0, 0,
    ]),
    'full V2 state': Y.encodeStateAsUpdateV2(
      (() => {
        const d = new Y.Doc();
        d.getText('body').insert(0, 'v2');
        return d;
      })(),
    ),
    'too many root types': update([
      {
        client: 99,
        clock: 0,
        structs: 40,
        write: (e) => {
          for (let i = 0; i < 40; i++) rootItem(4, `root-${i}`, str('x'))(e);
        },
      },
    ]),
  };
};
