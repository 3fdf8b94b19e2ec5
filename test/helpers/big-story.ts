import { readFields, storyTypes } from '@copydesk/shared';
import type * as Y from 'yjs';
import { login } from './api';
import type { LogEntry, RunningServer } from './server';
import { connectClient, waitFor, type YClient } from './yjs-client';

/** Words typed all over the body: thousands of Yjs structs, like a story edited for hours. */
export const typeScattered = (doc: Y.Doc, words: number): void => {
  const body = storyTypes(doc).body;
  for (let start = 0; start < words; start += 500) {
    doc.transact(() => {
      for (let i = start; i < Math.min(words, start + 500); i++) {
        body.insert((i * 7919) % (body.length + 1), `w${i} `);
      }
    });
  }
};

/**
 * The writer leaves the story it wrote: once another client has the writer's body from the
 * server, both disconnect and the server compacts and unloads the story (start it with a short
 * STORY_UNLOAD_AFTER_MS). Resolves with the "story compacted" log entry (`parts`: the
 * snapshot's).
 */
export const leaveToDisk = async (
  server: RunningServer,
  storyId: string,
  writer: YClient,
): Promise<LogEntry> => {
  const body = readFields(writer.doc).body;
  const check = connectClient(server.wsUrl, storyId, await login(server.baseUrl, 'ben'));
  await check.synced();
  await waitFor(check.doc, () => readFields(check.doc).body === body);
  writer.destroy();
  check.destroy();
  const [compacted] = await Promise.all([
    server.waitForLog((e) => e.msg === 'story compacted' && e.storyId === storyId),
    server.waitForLog((e) => e.msg === 'story unloaded' && e.storyId === storyId),
  ]);
  return compacted;
};
