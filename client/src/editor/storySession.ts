import {
  CloseCode,
  lightColor,
  type PublicUser,
  type StoryTypes,
  SYNC_PATH,
  storyTypes,
} from '@copydesk/shared';
import { IndexeddbPersistence } from 'y-indexeddb';
import type { Awareness } from 'y-protocols/awareness';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { EditorRegistry } from '../comments/editorRegistry';
import { shouldReconnectWithJitter } from './jitteredReconnect';
import { PresenceReporter } from './presence';
import { SaveTracker } from './saveTracker';

/**
 * Transaction origin for edits this UI makes outside CodeMirror (takeaway add/move/delete,
 * dateline/source). The undo manager tracks only this and the CodeMirror bindings, so undo
 * never reverts someone else's work.
 */
export const LOCAL_ORIGIN = Symbol('copydesk-local-edit');

export interface StorySession {
  storyId: string;
  doc: Y.Doc;
  types: StoryTypes;
  provider: WebsocketProvider;
  awareness: Awareness;
  undoManager: Y.UndoManager;
  presence: PresenceReporter;
  save: SaveTracker;
  /** The field editors and the last selection (comments anchor there). */
  editors: EditorRegistry;
  /** Resolves once there is content to show: the server synced, or offline edits loaded. */
  ready: Promise<void>;
  destroy: () => void;
}

const wsOrigin = (): string =>
  `${window.location.protocol === 'https:' ? 'wss:' : 'ws:'}//${window.location.host}`;

export function createStorySession(
  storyId: string,
  user: PublicUser,
  writable: boolean,
): StorySession {
  const doc = new Y.Doc();
  const types = storyTypes(doc);
  // Offline edits survive a reload; keyed by account so two people on one browser never mix.
  // Read-only roles have no edits to keep.
  const local = writable ? new IndexeddbPersistence(`copydesk:${user.id}:${storyId}`, doc) : null;
  let providerRef: WebsocketProvider | null = null;
  const provider = new WebsocketProvider(`${wsOrigin()}${SYNC_PATH}`, storyId, doc, {
    params: { ack: '1' },
    // Cross-tab BroadcastChannel would bypass the server, which is the authority on who is who.
    disableBc: true,
    // Only "signed out", "forbidden" and "no such story" are final; the rest is retried with
    // jittered back-off so clients of a dead instance do not return in lockstep.
    shouldReconnect: shouldReconnectWithJitter(() => providerRef),
  });
  providerRef = provider;
  const awareness = provider.awareness;
  // The server overwrites `user` from the account; setting it here colours our own caret.
  awareness.setLocalState({
    user: {
      id: user.id,
      username: user.username,
      name: user.displayName,
      color: user.color,
      colorLight: lightColor(user.color),
      role: user.role,
    },
    field: null,
    typing: false,
  });
  const undoManager = new Y.UndoManager(
    [types.headline, types.synopsis, types.takeaways, types.body, types.meta],
    { trackedOrigins: new Set<unknown>([LOCAL_ORIGIN]) },
  );
  const presence = new PresenceReporter(awareness);
  const save = new SaveTracker(doc, provider);

  const ready = new Promise<void>((resolve) => {
    provider.on('sync', (synced: boolean) => synced && resolve());
    void local?.whenSynced.then(() => {
      if (Y.encodeStateVector(doc).length > 1) resolve();
    });
  });

  const destroy = () => {
    presence.destroy();
    // Tell the others we left before the socket closes.
    awareness.setLocalState(null);
    save.destroy();
    undoManager.destroy();
    provider.destroy();
    awareness.destroy();
    void local?.destroy();
    doc.destroy();
  };

  const editors = new EditorRegistry();
  return {
    storyId,
    doc,
    types,
    provider,
    awareness,
    undoManager,
    presence,
    save,
    editors,
    ready,
    destroy,
  };
}

export const closeMessage = (code: number): string => {
  switch (code) {
    case CloseCode.unauthenticated:
      return 'You were signed out. Sign in again to keep editing; your unsent edits stay in this browser.';
    case CloseCode.forbidden:
      return 'You do not have access to this story.';
    case CloseCode.unknownStory:
      return 'This story does not exist. It may have been deleted.';
    default:
      return `The connection was closed (${code}).`;
  }
};
