// The SQLite checkpoint thread (sqlite-checkpointer.ts). Plain JavaScript so the thread starts
// without the TypeScript loader; it only ever runs PASSIVE checkpoints on its own connection.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file, { fileMustExist: true });
// Another connection checkpointing already (a second process on the file): skip, never wait.
db.pragma('busy_timeout = 0');

parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, walFrames: result.log, copied: result.checkpointed });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
