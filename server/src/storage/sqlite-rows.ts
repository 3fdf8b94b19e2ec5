import { unpackSnapshotParts } from './snapshot-parts.mjs';
import type { Snapshot, StoredUpdate } from './storage';

/** Rows of the update log and snapshots as better-sqlite3 returns them, shared by the stores. */
export interface UpdateRow {
  seq: number;
  user_id: string;
  at: number;
  data: Buffer;
}

export interface SnapshotRow {
  upto: number;
  data: Buffer;
  parts: number;
}

/** A BLOB as a Uint8Array over the same memory (no copy). */
export const bytes = (b: Buffer): Uint8Array =>
  new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export const snapshotFromRow = (r: SnapshotRow): Snapshot => ({
  upto: r.upto,
  parts: unpackSnapshotParts(bytes(r.data), r.parts),
});

export const storedUpdateFromRow = (r: UpdateRow): StoredUpdate => ({
  seq: r.seq,
  userId: r.user_id,
  at: r.at,
  update: bytes(r.data),
});
