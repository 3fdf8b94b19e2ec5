import { parentPort } from 'node:worker_threads';
import { StoryTracker } from './story-tracker';
import { applyUpdates } from './tracker-engine';
import {
  type TrackerReply,
  type TrackerRequest,
  unpackBytes,
  unpackUpdates,
} from './tracker-worker-protocol';

/**
 * The activity feed's working copies, off the server's event loop: one StoryTracker per story
 * the recorder has open. Requests are handled one at a time in arrival order, so a story's
 * updates are applied in the order the recorder read them.
 */
const port = parentPort;
if (!port) throw new Error('tracker-worker.ts runs as a worker thread');

const trackers = new Map<string, StoryTracker>();
const reply = (message: TrackerReply, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

const handle = async (request: TrackerRequest): Promise<void> => {
  switch (request.type) {
    case 'open': {
      trackers.get(request.storyId)?.destroy();
      trackers.delete(request.storyId);
      const parts = unpackBytes(request.parts);
      const state =
        parts.length > 0 ? { snapshot: { upto: request.cursor, parts }, updates: [] } : null;
      const tracker = new StoryTracker(request.storyId, state, request.cursor, {
        gapMs: request.gapMs,
      });
      if (request.cursor > 0) tracker.resume(request.recent, request.now);
      trackers.set(request.storyId, tracker);
      return reply({ type: 'opened', id: request.id });
    }
    case 'apply': {
      const tracker = trackers.get(request.storyId);
      if (!tracker) throw new Error(`no working copy of ${request.storyId}`);
      try {
        const { entries, created } = await applyUpdates(tracker, unpackUpdates(request.updates));
        return reply({
          type: 'applied',
          id: request.id,
          cursor: tracker.cursor,
          entries,
          created: [...created],
        });
      } catch (err) {
        // Part of the batch may be in the copy: it no longer matches any log position.
        tracker.destroy();
        trackers.delete(request.storyId);
        throw err;
      }
    }
    case 'drop':
      trackers.get(request.storyId)?.destroy();
      trackers.delete(request.storyId);
      return;
  }
};

let queue: Promise<void> = Promise.resolve();
port.on('message', (request: TrackerRequest) => {
  queue = queue.then(() =>
    handle(request).catch((err: unknown) => {
      if (request.type === 'drop') return;
      reply({
        type: 'failed',
        id: request.id,
        message: err instanceof Error ? err.message : String(err),
      });
    }),
  );
});
