// Plain JS on purpose: worker threads start without the TypeScript loader.
// Merges a story's snapshot and the log since into one compact state, off the main thread.
import { parentPort } from 'node:worker_threads';
import * as Y from 'yjs';

parentPort.on('message', (job) => {
  try {
    const doc = new Y.Doc({ gc: true });
    for (const part of job.parts) Y.applyUpdate(doc, part);
    const state = Y.encodeStateAsUpdate(doc);
    doc.destroy();
    parentPort.postMessage({ id: job.id, state }, [state.buffer]);
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String(err) });
  }
});
