import {
  type ClientStructs,
  malformed,
  missing,
  Reader,
  type RootsState,
  readUpdate,
  type StructRef,
} from './update-reader';

export { UpdateRejectedError } from './update-reader';

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
 * Steps 1 and 2 are update-reader.ts (`readUpdate`); step 3 is here.
 */

/** What the validator needs to know about the live document. */
export interface DocState extends RootsState {
  /** `Y.getState(doc.store, client)`: the next clock expected from `client`. */
  stateOf(client: number): number;
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

/**
 * Checks `update` against the document whose state `doc` describes. Throws UpdateRejectedError;
 * otherwise applying the update integrates all of it.
 */
export const validateUpdate = (update: Uint8Array, doc: DocState): UpdateSummary => {
  const { byClient, newRoots, deletes } = readUpdate(update, doc);

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
