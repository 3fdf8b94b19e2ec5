// Plain JS on purpose: worker threads start without the TypeScript loader.
// Merges a story's snapshot and the log since into one compact state, off the main thread, and
// cuts it into parts that each load in a short stretch (state-chunks.mjs).
// With SQLite the worker also reads them itself, from its own read-only connection (a WAL
// reader never blocks the writer), so a long log is not read and copied on the event loop.
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import { unpackSnapshotParts } from '../storage/snapshot-parts.mjs';
import { encodeStateAsParts, PART_STRUCTS } from './state-chunks.mjs';

const connections = new Map();

const open = (file) => {
  let db = connections.get(file);
  if (!db) {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 1000');
    connections.set(file, db);
  }
  return db;
};

/** The newest snapshot and the log after it, as the storage's loadStoryState reads them. */
const readStory = (file, storyId) => {
  const db = open(file);
  return db.transaction(() => {
    const snap = db
      .prepare(
        'SELECT upto, data, parts FROM snapshots WHERE story_id = ? ORDER BY upto DESC LIMIT 1',
      )
      .get(storyId);
    const rows = db
      .prepare('SELECT seq, data FROM updates WHERE story_id = ? AND seq > ? ORDER BY seq')
      .all(storyId, snap?.upto ?? 0);
    return { snap, rows };
  })();
};

parentPort.on('message', (job) => {
  try {
    let parts = job.parts;
    let upto = job.upto;
    if (job.file) {
      const { snap, rows } = readStory(job.file, job.storyId);
      if (rows.length === 0) {
        parentPort.postMessage({ id: job.id, upto: 0 });
        return;
      }
      parts = [
        ...(snap ? unpackSnapshotParts(snap.data, snap.parts) : []),
        ...rows.map((r) => r.data),
      ];
      upto = rows[rows.length - 1].seq;
    }
    const doc = new Y.Doc({ gc: true });
    doc.transact(() => {
      for (const part of parts) Y.applyUpdate(doc, part);
    });
    const snapshotParts = encodeStateAsParts(doc, PART_STRUCTS);
    doc.destroy();
    parentPort.postMessage(
      { id: job.id, parts: snapshotParts, upto },
      snapshotParts.map((part) => part.buffer),
    );
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String(err) });
  }
});
