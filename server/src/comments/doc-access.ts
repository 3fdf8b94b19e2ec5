import type * as Y from 'yjs';
import type { RoomRegistry } from '../sync/room-registry';

/** Read access to a story's live document (the sync layer's room, loaded briefly if needed). */
export interface DocAccess {
  withDoc<T>(storyId: string, fn: (doc: Y.Doc) => T): Promise<T>;
}

/** DocAccess over the sync layer's rooms: the same live document every editor is on. */
export const roomDocs = (registry: RoomRegistry): DocAccess => ({
  withDoc: (storyId, fn) => registry.withRoom(storyId, (room) => fn(room.doc)),
});
