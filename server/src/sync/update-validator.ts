import { UPDATE_BOUNDS } from '@copydesk/shared';

/**
 * Validates a Yjs update (format V1, as y-websocket sends it) BEFORE it reaches `Y.applyUpdate`.
 *
 * Yjs trusts its input: it allocates arrays from declared counts, creates root types while
 * decoding, and throws half-way through integration on references it cannot resolve — after
 * part of the update is already in the document (and its `update` event has fired). So every
 * update from a client is first walked here, in one bounded pass over its bytes, without
 * touching the document:
 *
 * 1. Structure: every count and length fits in the bytes that are left (so nothing is
 *    allocated from a declared size), every varint is at most 8 bytes and a safe integer,
 *    every string is valid UTF-8 (Yjs decodes with `fatal: true`), client ids are uint32,
 *    clocks stay below 2^32, no struct has length 0, no client appears twice, and nothing
 *    trails the delete set.
 * 2. Schema: item contents are limited to what a story uses — strings, deleted ranges, plain
 *    values (ContentAny, nested at most 16 deep) and Y.Array / Y.Map / Y.Text types. JSON,
 *    binary, embeds, formatting attributes, XML types and subdocuments are refused. Root type
 *    names and map keys are bounded, and so is the number of root types in a document.
 * 3. Dependencies: the integration order of Yjs (`integrateStructs`) is replayed on struct ids
 *    only, against the live document's state vector. An update is refused when any struct
 *    would be left pending (a gap in its client's clock, an origin / right origin / parent that
 *    neither the document nor the update provides, or a cycle), when a struct refers to a clock
 *    of its own client that does not exist yet (Yjs would throw), or when a delete range reaches
 *    beyond what is known (Yjs would keep it as pending deletes forever).
 *
 * An update that passes integrates completely: nothing stays pending and Yjs does not throw.
 */

export class UpdateRejectedError extends Error {
  constructor(
    /** `malformed`: not a valid update; `schema`: valid Yjs but not a story; `missing`: unknown dependencies. */
    readonly reason: 'malformed' | 'schema' | 'missing',
    message: string,
  ) {
    super(message);
  }
}

/** What the validator needs to know about the live document. */
export interface DocState {
  /** `Y.getState(doc.store, client)`: the next clock expected from `client`. */
  stateOf(client: number): number;
  /** Whether the document already has a root type of this name. */
  hasRoot(name: string): boolean;
  /** How many root types the document has. */
  readonly rootCount: number;
}

export interface UpdateSummary {
  /** Bytes of the update. */
  bytes: number;
  /** Structs the document does not have yet (content that makes the story grow). */
  newStructs: number;
  /** Delete ranges in the update (they may or may not delete anything new). */
  deleteRanges: number;
  /** Some struct is already (partly) in the document: the update repeats known content. */
  overlaps: boolean;
  /** The next clock of every client this update advances, once it is applied. */
  advanced: Map<number, number>;
  /** Root type names the update creates. */
  newRoots: Set<string>;
  /** The delete set as (client, clock, length) triplets. */
  deletes: number[];
}

const malformed = (message: string) => new UpdateRejectedError('malformed', message);
const schema = (message: string) => new UpdateRejectedError('schema', message);
const missing = (message: string) => new UpdateRejectedError('missing', message);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bounds-checked reader over exactly the update's bytes. */
class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  u8(): number {
    if (this.pos >= this.buf.length) throw malformed('truncated update');
    return this.buf[this.pos++] as number;
  }

  /** lib0 varUint, at most 8 bytes, a safe integer. */
  varUint(): number {
    let num = 0;
    let mult = 1;
    for (let i = 0; i < 8; i++) {
      const r = this.u8();
      num += (r & 0x7f) * mult;
      if (r < 0x80) {
        if (num > Number.MAX_SAFE_INTEGER) throw malformed('integer out of range');
        return num;
      }
      mult *= 128;
    }
    throw malformed('varint too long');
  }

  /** lib0 varInt (sign bit in the first byte); skipped, only its bounds matter. */
  skipVarInt(): void {
    let r = this.u8();
    let num = r & 0x3f;
    let mult = 64;
    for (let i = 0; r >= 0x80; i++) {
      if (i >= 8) throw malformed('varint too long');
      r = this.u8();
      num += (r & 0x7f) * mult;
      mult *= 128;
      if (r >= 0x80 && num > Number.MAX_SAFE_INTEGER) throw malformed('integer out of range');
    }
  }

  skip(n: number): void {
    if (n > this.remaining) throw malformed('length beyond the end of the update');
    this.pos += n;
  }

  count(minBytesEach: number, what: string): number {
    const n = this.varUint();
    if (n * minBytesEach > this.remaining) throw malformed(`${what} count beyond the update`);
    return n;
  }

  /** A lib0 varString, decoded the way Yjs decodes it (fatal UTF-8). */
  string(maxChars: number, what: string): string {
    const len = this.varUint();
    if (len > this.remaining) throw malformed(`${what} length beyond the update`);
    const start = this.pos;
    this.pos += len;
    let text: string;
    try {
      text = utf8.decode(this.buf.subarray(start, start + len));
    } catch {
      throw malformed(`${what} is not valid UTF-8`);
    }
    if (text.length > maxChars) throw schema(`${what} too long`);
    return text;
  }

  client(): number {
    const client = this.varUint();
    if (client > UPDATE_BOUNDS.maxClientId) throw malformed('client id out of range');
    return client;
  }

  clock(): number {
    const clock = this.varUint();
    if (clock > UPDATE_BOUNDS.maxClock) throw malformed('clock out of range');
    return clock;
  }
}

/** One struct, reduced to what integration order depends on. */
interface StructRef {
  client: number;
  clock: number;
  length: number;
  skip: boolean;
  /** Referenced ids as [client, clock] pairs: origin, right origin, parent (in Yjs's order). */
  refs: number[];
}

interface ClientStructs {
  i: number;
  structs: StructRef[];
}

/*
 * Helpers of validateUpdate live at module level, not as closures inside it: under tsx
 * (`npm run dev`; every run before the server was built) esbuild's keepNames wraps every named
 * closure in __name() (a defineProperty) each time it is created — 5 % of the server's CPU in
 * the trace benchmark.
 */

/** The client's next clock: as this update has advanced it so far, else the document's. */
const stateIn = (state: Map<number, number>, doc: DocState, client: number): number => {
  let s = state.get(client);
  if (s === undefined) {
    s = doc.stateOf(client);
    state.set(client, s);
  }
  return s;
};

/** The highest client id with structs left (Yjs's order), dropping exhausted ones. */
const nextTarget = (ids: number[], byClient: Map<number, ClientStructs>): ClientStructs | null => {
  while (ids.length > 0) {
    const target = byClient.get(ids[ids.length - 1] as number) as ClientStructs;
    if (target.i < target.structs.length) return target;
    ids.pop();
  }
  return null;
};

const CONTENT_DELETED = 1;
const CONTENT_STRING = 4;
const CONTENT_TYPE = 7;
const CONTENT_ANY = 8;
/** YArray, YMap, YText: the types a story is made of. */
const ALLOWED_TYPE_REFS = new Set([0, 1, 2]);
const CONTENT_NAMES: Record<number, string> = {
  2: 'JSON content',
  3: 'binary content',
  5: 'embeds',
  6: 'formatting attributes',
  9: 'subdocuments',
};

/** A ContentAny value (lib0 `readAny`), walked without building it. */
const skipAny = (r: Reader, depth: number): void => {
  if (depth > UPDATE_BOUNDS.maxValueDepth) throw schema('value nested too deeply');
  const type = r.u8();
  switch (type) {
    case 127: // undefined
    case 126: // null
    case 121: // false
    case 120: // true
      return;
    case 125: // integer
      return r.skipVarInt();
    case 124: // float32
      return r.skip(4);
    case 123: // float64
    case 122: // bigint64
      return r.skip(8);
    case 119: // string
      r.string(Number.MAX_SAFE_INTEGER, 'string value');
      return;
    case 118: {
      // object
      const n = r.count(2, 'object key');
      for (let i = 0; i < n; i++) {
        r.string(UPDATE_BOUNDS.maxKeyChars, 'object key');
        skipAny(r, depth + 1);
      }
      return;
    }
    case 117: {
      // array
      const n = r.count(1, 'array element');
      for (let i = 0; i < n; i++) skipAny(r, depth + 1);
      return;
    }
    case 116: // Uint8Array
      return r.skip(r.varUint());
    default:
      throw malformed(`unknown value type ${type}`);
  }
};

/**
 * Checks `update` against the document whose state `doc` describes. Throws UpdateRejectedError;
 * otherwise applying the update integrates all of it.
 */
export const validateUpdate = (update: Uint8Array, doc: DocState): UpdateSummary => {
  const r = new Reader(update);
  const byClient = new Map<number, ClientStructs>();
  const newRoots = new Set<string>();

  // --- structs ------------------------------------------------------------------------------
  const clients = r.count(3, 'client');
  for (let c = 0; c < clients; c++) {
    const numStructs = r.count(2, 'struct');
    const client = r.client();
    let clock = r.clock();
    if (byClient.has(client)) throw malformed('client listed twice');
    const structs: StructRef[] = [];
    byClient.set(client, { i: 0, structs });
    for (let s = 0; s < numStructs; s++) {
      const info = r.u8();
      const kind = info & 0x1f;
      const refs: number[] = [];
      let length: number;
      let skip = false;
      if (kind === 0 || kind === 10) {
        // GC or Skip: a length only.
        length = r.varUint();
        skip = kind === 10;
      } else {
        const hasOrigin = (info & 0x80) !== 0;
        const hasRightOrigin = (info & 0x40) !== 0;
        if (hasOrigin) refs.push(r.client(), r.clock());
        if (hasRightOrigin) refs.push(r.client(), r.clock());
        if (!hasOrigin && !hasRightOrigin) {
          if (r.varUint() === 1) {
            const name = r.string(UPDATE_BOUNDS.maxRootNameChars, 'root type name');
            if (!doc.hasRoot(name)) newRoots.add(name);
          } else {
            refs.push(r.client(), r.clock());
          }
          if ((info & 0x20) !== 0) r.string(UPDATE_BOUNDS.maxKeyChars, 'map key');
        }
        switch (kind) {
          case CONTENT_DELETED:
            length = r.varUint();
            break;
          case CONTENT_STRING:
            length = r.string(Number.MAX_SAFE_INTEGER, 'text').length;
            break;
          case CONTENT_TYPE: {
            const typeRef = r.varUint();
            if (!ALLOWED_TYPE_REFS.has(typeRef)) {
              throw schema('only Y.Array, Y.Map and Y.Text types belong in a story');
            }
            length = 1;
            break;
          }
          case CONTENT_ANY: {
            length = r.count(1, 'value');
            for (let i = 0; i < length; i++) skipAny(r, 0);
            break;
          }
          default: {
            const name = CONTENT_NAMES[kind];
            if (name) throw schema(`${name} do not belong in a story`);
            throw malformed(`unknown struct type ${kind}`);
          }
        }
      }
      if (length < 1) throw malformed('struct of length 0');
      if (clock + length > UPDATE_BOUNDS.maxClock) throw malformed('clock out of range');
      structs.push({ client, clock, length, skip, refs });
      clock += length;
    }
  }
  if (newRoots.size > 0 && doc.rootCount + newRoots.size > UPDATE_BOUNDS.maxRootTypes) {
    throw schema('too many root types');
  }

  // --- delete set ---------------------------------------------------------------------------
  const deletes: number[] = [];
  const dsClients = r.count(2, 'delete set client');
  for (let c = 0; c < dsClients; c++) {
    const client = r.client();
    const ranges = r.count(2, 'delete range');
    for (let i = 0; i < ranges; i++) {
      const clock = r.clock();
      const len = r.varUint();
      if (len < 1) throw malformed('delete range of length 0');
      if (clock + len > UPDATE_BOUNDS.maxClock) throw malformed('delete range out of range');
      deletes.push(client, clock, len);
    }
  }
  if (r.remaining !== 0) throw malformed('trailing bytes after the update');

  // --- dependencies (Yjs integrateStructs, replayed on ids) ----------------------------------
  const state = new Map<number, number>();
  let newStructs = 0;
  let overlaps = false;
  const ids = [...byClient.keys()].sort((a, b) => a - b);
  let current = nextTarget(ids, byClient);
  const stack: StructRef[] = [];
  let head: StructRef | undefined = current ? current.structs[current.i++] : undefined;
  while (head) {
    if (!head.skip) {
      const local = stateIn(state, doc, head.client);
      const offset = local - head.clock;
      if (offset < 0) throw missing('update skips part of its own history');
      let blockedOn = -1;
      for (let i = 0; i < head.refs.length; i += 2) {
        const refClient = head.refs[i] as number;
        if (
          refClient !== head.client &&
          (head.refs[i + 1] as number) >= stateIn(state, doc, refClient)
        ) {
          blockedOn = refClient;
          break;
        }
      }
      if (blockedOn >= 0) {
        stack.push(head);
        const target = byClient.get(blockedOn);
        if (!target || target.i === target.structs.length) {
          throw missing('update depends on content the server does not have');
        }
        head = target.structs[target.i++];
        continue;
      }
      for (let i = 0; i < head.refs.length; i += 2) {
        if (head.refs[i] === head.client && (head.refs[i + 1] as number) >= local) {
          throw malformed('struct refers to a clock of its own client that does not exist');
        }
      }
      if (offset > 0) overlaps = true;
      if (offset < head.length) {
        state.set(head.client, head.clock + head.length);
        newStructs++;
      }
    }
    if (stack.length > 0) {
      head = stack.pop();
    } else if (current && current.i < current.structs.length) {
      head = current.structs[current.i++];
    } else {
      current = nextTarget(ids, byClient);
      head = current ? current.structs[current.i++] : undefined;
    }
  }

  for (let i = 0; i < deletes.length; i += 3) {
    const client = deletes[i] as number;
    if ((deletes[i + 1] as number) + (deletes[i + 2] as number) > stateIn(state, doc, client)) {
      throw missing('update deletes content the server does not have');
    }
  }
  const advanced = new Map<number, number>();
  if (newStructs > 0) {
    for (const [client, next] of state) if (next > doc.stateOf(client)) advanced.set(client, next);
  }
  return {
    bytes: update.byteLength,
    newStructs,
    deleteRanges: deletes.length / 3,
    overlaps,
    advanced,
    newRoots,
    deletes,
  };
};

/** Validates a sync step 1 state vector (`Y.encodeStateVector`) before Yjs decodes it. */
export const validateStateVector = (stateVector: Uint8Array): void => {
  const r = new Reader(stateVector);
  const n = r.count(2, 'state vector entry');
  for (let i = 0; i < n; i++) {
    r.client();
    r.clock();
  }
  if (r.remaining !== 0) throw malformed('trailing bytes after the state vector');
};
