import type { ActivityRecord, StoredUpdate } from '../storage/storage';

/**
 * Messages between the activity recorder and its worker thread (worker-tracker-engine.ts ↔
 * tracker-worker.ts). Both sides are this server's own code, so they are typed, not validated.
 * Update bytes travel packed into one transferred buffer: a row read from the database is a
 * view into a larger buffer, and posting the view would copy all of that buffer.
 */

export interface PackedBytes {
  lengths: number[];
  data: Uint8Array;
}

export interface PackedUpdates extends PackedBytes {
  seqs: number[];
  userIds: string[];
  ats: number[];
}

export type TrackerRequest =
  | {
      type: 'open';
      id: number;
      storyId: string;
      cursor: number;
      gapMs: number;
      now: number;
      /** The stored state up to the cursor, as Yjs updates applied in order. */
      parts: PackedBytes;
      recent: ActivityRecord[];
    }
  | { type: 'apply'; id: number; storyId: string; updates: PackedUpdates }
  | { type: 'drop'; storyId: string };

export type TrackerReply =
  | { type: 'opened'; id: number }
  | {
      type: 'applied';
      id: number;
      cursor: number;
      entries: ActivityRecord[];
      created: string[];
    }
  | { type: 'failed'; id: number; message: string };

export const packBytes = (chunks: readonly Uint8Array[]): PackedBytes => {
  let size = 0;
  for (const c of chunks) size += c.byteLength;
  const data = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.byteLength;
  }
  return { lengths: chunks.map((c) => c.byteLength), data };
};

export const unpackBytes = ({ lengths, data }: PackedBytes): Uint8Array[] => {
  let at = 0;
  return lengths.map((n) => {
    const chunk = data.subarray(at, at + n);
    at += n;
    return chunk;
  });
};

export const packUpdates = (updates: readonly StoredUpdate[]): PackedUpdates => ({
  ...packBytes(updates.map((u) => u.update)),
  seqs: updates.map((u) => u.seq),
  userIds: updates.map((u) => u.userId),
  ats: updates.map((u) => u.at),
});

export const unpackUpdates = (packed: PackedUpdates): StoredUpdate[] =>
  unpackBytes(packed).map((update, i) => ({
    seq: packed.seqs[i] ?? 0,
    userId: packed.userIds[i] ?? '',
    at: packed.ats[i] ?? 0,
    update,
  }));
