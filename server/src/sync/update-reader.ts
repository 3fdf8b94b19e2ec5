import { UPDATE_BOUNDS } from '@copydesk/shared';

// Reading a Yjs update (format V1) without Yjs: structure and schema, checked as it is read
// (phases 1 and 2 of update-validator.ts).

export class UpdateRejectedError extends Error {
  constructor(
    /** `malformed`: not a valid update; `schema`: valid Yjs but not a story; `missing`: unknown dependencies. */
    readonly reason: 'malformed' | 'schema' | 'missing',
    message: string,
  ) {
    super(message);
  }
}

export const malformed = (message: string) => new UpdateRejectedError('malformed', message);
export const schema = (message: string) => new UpdateRejectedError('schema', message);
export const missing = (message: string) => new UpdateRejectedError('missing', message);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bounds-checked reader over exactly the update's bytes. */
export class Reader {
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
export interface StructRef {
  client: number;
  clock: number;
  length: number;
  skip: boolean;
  /** Referenced ids as [client, clock] pairs: origin, right origin, parent (in Yjs's order). */
  refs: number[];
}

export interface ClientStructs {
  i: number;
  structs: StructRef[];
}

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

/** What reading needs to know of the document's root types. */
export interface RootsState {
  /** Whether the document already has a root type of this name. */
  hasRoot(name: string): boolean;
  /** How many root types the document has. */
  readonly rootCount: number;
}

/** What validateUpdate reads from an update before it replays Yjs's integration order. */
export interface ReadUpdate {
  byClient: Map<number, ClientStructs>;
  newRoots: Set<string>;
  /** The delete set as (client, clock, length) triplets. */
  deletes: number[];
}

/**
 * Reads every struct and the delete set, checking structure and schema as it goes; root types
 * the document does not have are collected, and their number bounded.
 */
export const readUpdate = (update: Uint8Array, doc: RootsState): ReadUpdate => {
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

  return { byClient, newRoots, deletes };
};
