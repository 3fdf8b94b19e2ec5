// Plain JS on purpose: the compaction worker (no TypeScript loader) reads snapshots too.
// Types: snapshot-parts.d.mts.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/**
 * A snapshot of one part is stored as that update's bytes (every snapshot written before parts
 * existed); one of several as each part's length and bytes, with the count in column `parts`.
 */
export const packSnapshotParts = (parts) => {
  if (parts.length === 1) return parts[0];
  const encoder = encoding.createEncoder();
  for (const part of parts) encoding.writeVarUint8Array(encoder, part);
  return encoding.toUint8Array(encoder);
};

export const unpackSnapshotParts = (data, count) => {
  if (count <= 1) return [data];
  const decoder = decoding.createDecoder(data);
  const parts = [];
  for (let i = 0; i < count; i++) parts.push(decoding.readVarUint8Array(decoder));
  return parts;
};
