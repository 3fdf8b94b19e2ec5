import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/**
 * What instances tell each other about a story over Redis. Updates are published only after
 * they are stored, so a receiver never stores them again; awareness is best effort.
 */
export type ClusterMessage =
  | { kind: 'updates'; instanceId: string; lastSeq: number; updates: Uint8Array[] }
  | { kind: 'awareness'; instanceId: string; update: Uint8Array };

const KIND_UPDATES = 0;
const KIND_AWARENESS = 1;

export const encodeClusterMessage = (message: ClusterMessage): Uint8Array => {
  const e = encoding.createEncoder();
  if (message.kind === 'updates') {
    encoding.writeVarUint(e, KIND_UPDATES);
    encoding.writeVarString(e, message.instanceId);
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
    if (kind === KIND_UPDATES) {
      const lastSeq = decoding.readVarUint(d);
      const count = decoding.readVarUint(d);
      const updates: Uint8Array[] = [];
      for (let i = 0; i < count; i++) updates.push(decoding.readVarUint8Array(d));
      return { kind: 'updates', instanceId, lastSeq, updates };
    }
    if (kind === KIND_AWARENESS) {
      return { kind: 'awareness', instanceId, update: decoding.readVarUint8Array(d) };
    }
    return null;
  } catch {
    return null;
  }
};
