import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { mulberry32 } from '../seeded-random';
import {
  type DocState,
  UpdateRejectedError,
  validateStateVector,
  validateUpdate,
} from './update-validator';

const stateOf = (doc: Y.Doc): DocState => ({
  stateOf: (client) => Y.getState(doc.store, client),
  hasRoot: (name) => doc.share.has(name),
  get rootCount() {
    return doc.share.size;
  },
});

const reason = (update: Uint8Array, doc = new Y.Doc()): string | null => {
  try {
    validateUpdate(update, stateOf(doc));
    return null;
  } catch (err) {
    if (err instanceof UpdateRejectedError) return err.reason;
    throw err;
  }
};

/** Hand-written V1 updates: `structs` writes the struct section after the client header. */
const update = (
  groups: {
    client: number;
    clock: number;
    structs: number;
    write: (e: encoding.Encoder) => void;
  }[],
  deletes: (e: encoding.Encoder) => void = (e) => encoding.writeVarUint(e, 0),
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

/** An item with string content under root `name` (no origins: parent info is written). */
const rootString = (e: encoding.Encoder, name: string, text: string) => {
  encoding.writeUint8(e, 4); // ContentString, no origin, no right origin, no parentSub
  encoding.writeVarUint(e, 1); // parent is a root type, by name
  encoding.writeVarString(e, name);
  encoding.writeVarString(e, text);
};

/** An item with string content after `origin`. */
const afterString = (e: encoding.Encoder, origin: [number, number], text: string) => {
  encoding.writeUint8(e, 0x80 | 4);
  encoding.writeVarUint(e, origin[0]);
  encoding.writeVarUint(e, origin[1]);
  encoding.writeVarString(e, text);
};

/** A realistic editing session on the story schema; returns every update it produced. */
const editingSession = (seed: number, steps: number): { updates: Uint8Array[]; doc: Y.Doc } => {
  const rand = mulberry32(seed);
  const a = new Y.Doc();
  const b = new Y.Doc();
  const updates: Uint8Array[] = [];
  a.on('update', (u: Uint8Array) => {
    updates.push(u);
    Y.applyUpdate(b, u);
  });
  b.on('update', (u: Uint8Array, origin: unknown) => {
    if (origin === null) {
      updates.push(u);
      Y.applyUpdate(a, u);
    }
  });
  for (let i = 0; i < steps; i++) {
    const doc = rand() < 0.5 ? a : b;
    const pick = rand();
    const text = doc.getText(pick < 0.3 ? 'headline' : pick < 0.6 ? 'synopsis' : 'body');
    const takeaways = doc.getArray<Y.Text>('takeaways');
    const meta = doc.getMap<string>('meta');
    const r = rand();
    if (r < 0.5)
      text.insert(
        Math.floor(rand() * (text.length + 1)),
        'ab😀é '.slice(0, 1 + Math.floor(rand() * 6)),
      );
    else if (r < 0.65 && text.length > 0) text.delete(Math.floor(rand() * text.length), 1);
    else if (r < 0.75) takeaways.push([new Y.Text(`takeaway ${i}`)]);
    else if (r < 0.85 && takeaways.length > 0)
      takeaways.get(Math.floor(rand() * takeaways.length)).insert(0, 'x');
    else if (r < 0.9 && takeaways.length > 0)
      takeaways.delete(Math.floor(rand() * takeaways.length), 1);
    else meta.set(rand() < 0.5 ? 'dateline' : 'source', `v${i}`);
  }
  b.destroy();
  return { updates, doc: a };
};

describe('validateUpdate accepts what real clients send', () => {
  it('accepts every update of long editing sessions, and Yjs then leaves nothing pending', () => {
    for (const seed of [1, 2, 3]) {
      const { updates, doc } = editingSession(seed, 400);
      const server = new Y.Doc();
      for (const u of updates) {
        expect(reason(u, server)).toBeNull();
        Y.applyUpdate(server, u);
        expect(server.store.pendingStructs).toBeNull();
        expect(server.store.pendingDs).toBeNull();
      }
      expect(Y.encodeStateAsUpdate(server)).toEqual(Y.encodeStateAsUpdate(doc));
      // Full state and sync step 2 diffs validate too.
      expect(reason(Y.encodeStateAsUpdate(doc), new Y.Doc())).toBeNull();
      expect(reason(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(server)), server)).toBeNull();
      expect(() => validateStateVector(Y.encodeStateVector(doc))).not.toThrow();
    }
  });

  it('reports no new structs for an update the document already has', () => {
    const { updates } = editingSession(9, 50);
    const server = new Y.Doc();
    for (const u of updates) Y.applyUpdate(server, u);
    const summary = validateUpdate(updates[10] as Uint8Array, stateOf(server));
    expect(summary.newStructs).toBe(0);
  });
});

describe('validateUpdate refuses hostile updates before Yjs sees them', () => {
  const big = 4398046511101;

  it('refuses counts and lengths larger than the update', () => {
    // Huge numbers of clients, structs, delete ranges; a string longer than the frame.
    expect(reason(new Uint8Array([0xfd, 0xff, 0xff, 0xff, 0x7f, 0, 0]))).toBe('malformed');
    expect(reason(update([{ client: 1, clock: 0, structs: big, write: () => {} }]))).toBe(
      'malformed',
    );
    const longString = update([
      {
        client: 1,
        clock: 0,
        structs: 1,
        write: (e) => {
          encoding.writeUint8(e, 4);
          encoding.writeVarUint(e, 1);
          encoding.writeVarString(e, 'body');
          encoding.writeVarUint(e, 1_000_000); // declared length, no bytes
        },
      },
    ]);
    expect(reason(longString)).toBe('malformed');
    expect(
      reason(
        update([], (e) => {
          encoding.writeVarUint(e, 1);
          encoding.writeVarUint(e, 1);
          encoding.writeVarUint(e, big);
        }),
      ),
    ).toBe('malformed');
  });

  it('refuses huge client ids, clocks and lengths', () => {
    const at = (client: number, clock: number) =>
      update([{ client, clock, structs: 1, write: (e) => rootString(e, 'body', 'x') }]);
    expect(reason(at(2 ** 40, 0))).toBe('malformed');
    expect(reason(at(1, 2 ** 40))).toBe('malformed');
    const gc = update([
      {
        client: 1,
        clock: 0,
        structs: 1,
        write: (e) => {
          encoding.writeUint8(e, 0);
          encoding.writeVarUint(e, 2 ** 45);
        },
      },
    ]);
    expect(reason(gc)).toBe('malformed');
    // A varint that never ends.
    expect(
      reason(new Uint8Array([1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])),
    ).toBe('malformed');
  });

  it('refuses truncated, empty and trailing input', () => {
    const good = update([
      { client: 5, clock: 0, structs: 1, write: (e) => rootString(e, 'body', 'hi') },
    ]);
    expect(reason(good)).toBeNull();
    for (let cut = 0; cut < good.length; cut++) {
      expect(reason(good.subarray(0, cut)), `cut at ${cut}`).toBe('malformed');
    }
    expect(reason(new Uint8Array([...good, 0]))).toBe('malformed');
  });

  it('refuses invalid UTF-8 and zero-length structs', () => {
    const badText = update([
      {
        client: 1,
        clock: 0,
        structs: 1,
        write: (e) => {
          encoding.writeUint8(e, 4);
          encoding.writeVarUint(e, 1);
          encoding.writeVarString(e, 'body');
          encoding.writeVarUint8Array(e, new Uint8Array([0xc3, 0x28]));
        },
      },
    ]);
    expect(reason(badText)).toBe('malformed');
    const empty = update([
      { client: 1, clock: 0, structs: 1, write: (e) => rootString(e, 'body', '') },
    ]);
    expect(reason(empty)).toBe('malformed');
  });

  it('refuses values nested deeper than the bound and unknown value types', () => {
    const any = (bytes: number[]) =>
      update([
        {
          client: 1,
          clock: 0,
          structs: 1,
          write: (e) => {
            encoding.writeUint8(e, 0x20 | 8); // ContentAny with a parentSub (map entry)
            encoding.writeVarUint(e, 1);
            encoding.writeVarString(e, 'meta');
            encoding.writeVarString(e, 'dateline');
            encoding.writeVarUint(e, 1);
            for (const b of bytes) encoding.writeUint8(e, b);
          },
        },
      ]);
    expect(reason(any([119, 2, 0x68, 0x69]))).toBeNull(); // "hi"
    const deep = [...Array.from({ length: 10_000 }, () => [117, 1]).flat(), 126];
    expect(reason(any(deep))).toBe('schema');
    expect(reason(any([42]))).toBe('malformed');
  });

  it('refuses content types a story does not use', () => {
    for (const [kind, payload] of [
      [
        2,
        (e: encoding.Encoder) => {
          encoding.writeVarUint(e, 1);
          encoding.writeVarString(e, '{}');
        },
      ],
      [3, (e: encoding.Encoder) => encoding.writeVarUint8Array(e, new Uint8Array([1]))],
      [5, (e: encoding.Encoder) => encoding.writeVarString(e, '{}')],
      [
        6,
        (e: encoding.Encoder) => {
          encoding.writeVarString(e, 'bold');
          encoding.writeVarString(e, 'true');
        },
      ],
      [
        9,
        (e: encoding.Encoder) => {
          encoding.writeVarString(e, 'guid');
          encoding.writeUint8(e, 126);
        },
      ],
      [
        7,
        (e: encoding.Encoder) => {
          encoding.writeVarUint(e, 3);
          encoding.writeVarString(e, 'p');
        },
      ],
    ] as const) {
      const u = update([
        {
          client: 1,
          clock: 0,
          structs: 1,
          write: (e) => {
            encoding.writeUint8(e, kind);
            encoding.writeVarUint(e, 1);
            encoding.writeVarString(e, 'body');
            payload(e);
          },
        },
      ]);
      expect(reason(u), `content ${kind}`).toBe('schema');
    }
    const unknown = update([
      {
        client: 1,
        clock: 0,
        structs: 1,
        write: (e) => {
          encoding.writeUint8(e, 17);
          encoding.writeVarUint(e, 1);
          encoding.writeVarString(e, 'body');
        },
      },
    ]);
    expect(reason(unknown)).toBe('malformed');
  });

  it('refuses too many root types and duplicate clients', () => {
    const roots = update([
      {
        client: 1,
        clock: 0,
        structs: 40,
        write: (e) => {
          for (let i = 0; i < 40; i++) rootString(e, `root${i}`, 'x');
        },
      },
    ]);
    expect(reason(roots)).toBe('schema');
    const twice = update([
      { client: 1, clock: 0, structs: 1, write: (e) => rootString(e, 'body', 'x') },
      { client: 1, clock: 1, structs: 1, write: (e) => rootString(e, 'body', 'y') },
    ]);
    expect(reason(twice)).toBe('malformed');
  });

  it('refuses updates that would leave structs or deletes pending', () => {
    // A gap in the client's own history.
    expect(
      reason(
        update([{ client: 1, clock: 5, structs: 1, write: (e) => rootString(e, 'body', 'x') }]),
      ),
    ).toBe('missing');
    // An origin the server has never seen.
    expect(
      reason(
        update([{ client: 1, clock: 0, structs: 1, write: (e) => afterString(e, [99, 3], 'x') }]),
      ),
    ).toBe('missing');
    // Two clients waiting for each other.
    const cycle = update([
      { client: 1, clock: 0, structs: 1, write: (e) => afterString(e, [2, 0], 'a') },
      { client: 2, clock: 0, structs: 1, write: (e) => afterString(e, [1, 0], 'b') },
    ]);
    expect(reason(cycle)).toBe('missing');
    const cycleDoc = new Y.Doc();
    Y.applyUpdate(cycleDoc, cycle);
    expect(cycleDoc.store.pendingStructs).not.toBeNull(); // what Yjs would have kept forever
    // Deleting what does not exist yet.
    const deletes = update([], (e) => {
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 7);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 100);
      encoding.writeVarUint(e, 5);
    });
    expect(reason(deletes)).toBe('missing');
  });

  it('refuses a reference to a future clock of the same client (Yjs throws half-way)', () => {
    const forward = update([
      {
        client: 1,
        clock: 0,
        structs: 2,
        write: (e) => {
          rootString(e, 'body', 'first');
          afterString(e, [1, 50], 'second');
        },
      },
    ]);
    expect(reason(forward)).toBe('malformed');
    // What would have happened: the first struct lands, then Yjs throws.
    const doc = new Y.Doc();
    const seen: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => seen.push(u));
    expect(() => Y.applyUpdate(doc, forward)).toThrow();
    expect(doc.getText('body').toString()).toBe('first');
    expect(seen).toHaveLength(1);
  });

  it('refuses the byte strings of the Yjs limits tests quickly', () => {
    const cases = [
      [
        0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 2, 0, 0, 22, 2, 0, 0, 1, 253, 255, 255, 255, 255, 127, 0,
        0,
      ],
      [
        228, 156, 16, 0, 5, 255, 255, 5, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 237, 0, 0, 0, 1, 1, 0, 254,
        184, 194, 233, 173, 135, 217, 18, 0, 0, 1, 1, 255, 237, 246,
      ],
      [
        143, 1, 128, 0, 0, 0, 1, 170, 1, 0, 1, 2, 0, 0, 22, 2, 0, 229, 196, 67, 20, 231, 166, 139,
        147, 174, 181, 253, 93, 232, 38, 154, 138, 89, 0, 49, 213, 15, 18, 1, 48, 0, 0, 0,
      ],
    ];
    const started = performance.now();
    for (const bytes of cases) expect(reason(new Uint8Array(bytes))).not.toBeNull();
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('refuses bad state vectors', () => {
    expect(() => validateStateVector(new Uint8Array([0xff, 0xff, 0xff, 0x7f]))).toThrow(
      UpdateRejectedError,
    );
    expect(() => validateStateVector(new Uint8Array([1, 1, 1, 9]))).toThrow(UpdateRejectedError);
    expect(() => validateStateVector(new Uint8Array([]))).toThrow(UpdateRejectedError);
  });
});

describe('validateUpdate against mutated updates (differential fuzz)', () => {
  it('whatever it accepts, Yjs applies completely without throwing or leaving anything pending', () => {
    const seed = Number(process.env.FUZZ_SEED ?? 20251125);
    const rand = mulberry32(seed);
    const { updates } = editingSession(seed, 150);
    const base = new Y.Doc();
    // The server has the first half; mutations of the whole session hit both known and new structs.
    for (const u of updates.slice(0, updates.length / 2)) Y.applyUpdate(base, u);
    const baseState = Y.encodeStateAsUpdate(base);
    let accepted = 0;
    let validating = 0;
    for (let i = 0; i < 3000; i++) {
      const source = updates[Math.floor(rand() * updates.length)] as Uint8Array;
      const bytes = Uint8Array.from(source);
      const flips = 1 + Math.floor(rand() * 3);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(rand() * bytes.length);
        bytes[at] =
          rand() < 0.5
            ? Math.floor(rand() * 256)
            : (bytes[at] as number) ^ (1 << Math.floor(rand() * 8));
      }
      const doc = new Y.Doc();
      Y.applyUpdate(doc, baseState);
      const started = performance.now();
      const verdict = reason(bytes, doc);
      validating += performance.now() - started;
      if (verdict !== null) continue;
      accepted++;
      expect(() => Y.applyUpdate(doc, bytes), `seed ${seed}, case ${i}`).not.toThrow();
      expect(doc.store.pendingStructs, `seed ${seed}, case ${i}`).toBeNull();
      expect(doc.store.pendingDs, `seed ${seed}, case ${i}`).toBeNull();
    }
    expect(accepted).toBeGreaterThan(0);
    // Linear, bounded work: 3000 validations of ~30-byte updates take milliseconds.
    expect(validating).toBeLessThan(2_000);
  });
});
