import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/**
 * What instances tell each other about a story over Redis. Updates are published only after
 * they are stored, so a receiver never stores them again; awareness is best effort.
 */
export type ClusterMessage =
  | {
      kind: 'updates';
      instanceId: string;
      /**
       * The story's last row before these (null from an instance that does not say: the
       * receiver then reads the log to be sure it missed nothing).
       */
      prevSeq: number | null;
      lastSeq: number;
      updates: Uint8Array[];
    }
  | { kind: 'awareness'; instanceId: string; update: Uint8Array };

/** Updates without prevSeq: what instances before it sent, still read during a rolling update. */
const KIND_UPDATES_V1 = 0;
const KIND_AWARENESS = 1;
const KIND_UPDATES = 2;

export const encodeClusterMessage = (message: ClusterMessage): Uint8Array => {
  const e = encoding.createEncoder();
  if (message.kind === 'updates') {
    const withPrev = message.prevSeq !== null;
    encoding.writeVarUint(e, withPrev ? KIND_UPDATES : KIND_UPDATES_V1);
    encoding.writeVarString(e, message.instanceId);
    if (withPrev) encoding.writeVarUint(e, message.prevSeq ?? 0);
    encoding.writeVarUint(e, message.lastSeq);
    encoding.writeVarUint(e, message.updates.length);
    for (const u of message.updates) encoding.writeVarUint8Array(e, u);
  } else {
    encoding.writeVarUint(e, KIND_AWARENESS);
    encoding.writeVarString(e, message.instanceId);
    encoding.writeVarUint8Array(e, message.update);
  }
  return encoding.toUint8Array(e);
};

/** Returns null for anything this version does not understand (never throws). */
export const decodeClusterMessage = (bytes: Uint8Array): ClusterMessage | null => {
  try {
    const d = decoding.createDecoder(bytes);
    const kind = decoding.readVarUint(d);
    const instanceId = decoding.readVarString(d);
    if (kind === KIND_UPDATES || kind === KIND_UPDATES_V1) {
      const prevSeq = kind === KIND_UPDATES ? decoding.readVarUint(d) : null;
      const lastSeq = decoding.readVarUint(d);
      const count = decoding.readVarUint(d);
      const updates: Uint8Array[] = [];
      for (let i = 0; i < count; i++) updates.push(decoding.readVarUint8Array(d));
      return { kind: 'updates', instanceId, prevSeq, lastSeq, updates };
    }
    if (kind === KIND_AWARENESS) {
      return { kind: 'awareness', instanceId, update: decoding.readVarUint8Array(d) };
    }
    return null;
  } catch {
    return null;
  }
};
