import { parentPort } from 'node:worker_threads';
import { InProcessTrackerEngine, type TrackedStory } from './tracker-engine';
import {
  type TrackerReply,
  type TrackerRequest,
  unpackBytes,
  unpackUpdates,
} from './tracker-worker-protocol';

/**
 * The activity feed's working copies, off the server's event loop: the same engine the server
 * runs in its own thread otherwise, one copy per story the recorder has open. Requests are
 * handled one at a time in arrival order, so a story's updates are applied in the order the
 * recorder read them. A copy whose batch failed is dropped by the recorder ('drop').
 */
const port = parentPort;
if (!port) throw new Error('tracker-worker.ts runs as a worker thread');

const engine = new InProcessTrackerEngine({ sliceMs: Number.POSITIVE_INFINITY });
const copies = new Map<string, TrackedStory>();
const drop = (storyId: string) => {
  copies.get(storyId)?.destroy();
  copies.delete(storyId);
};

const handle = async (request: TrackerRequest): Promise<TrackerReply | null> => {
  switch (request.type) {
    case 'open': {
      drop(request.storyId);
      const parts = unpackBytes(request.parts);
      const copy = await engine.open({
        storyId: request.storyId,
        state: parts.length > 0 ? { snapshot: { upto: request.cursor, parts }, updates: [] } : null,
        cursor: request.cursor,
        recent: request.recent,
        now: request.now,
        gapMs: request.gapMs,
      });
      copies.set(request.storyId, copy);
      return { type: 'opened', id: request.id };
    }
    case 'apply': {
      const copy = copies.get(request.storyId);
      if (!copy) throw new Error(`no working copy of ${request.storyId}`);
      const { entries, created } = await copy.apply(unpackUpdates(request.updates));
      return {
        type: 'applied',
        id: request.id,
        cursor: copy.cursor,
        entries,
        created: [...created],
      };
    }
    case 'drop':
      drop(request.storyId);
      return null;
  }
};

let queue: Promise<void> = Promise.resolve();
port.on('message', (request: TrackerRequest) => {
  queue = queue.then(async () => {
    try {
      const reply = await handle(request);
      if (reply) port.postMessage(reply);
    } catch (err) {
      if (request.type === 'drop') return;
      const message = err instanceof Error ? err.message : String(err);
      port.postMessage({ type: 'failed', id: request.id, message } satisfies TrackerReply);
    }
  });
});
