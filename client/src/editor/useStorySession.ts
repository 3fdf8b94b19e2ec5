import type { PublicUser } from '@copydesk/shared';
import { useEffect, useState } from 'react';
import { createStorySession, type StorySession } from './storySession';

/** One live session (doc, socket, awareness, undo) per open story, torn down on leave. */
export function useStorySession(storyId: string, user: PublicUser, writable: boolean) {
  const [session, setSession] = useState<StorySession | null>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    const created = createStorySession(storyId, user, writable);
    let live = true;
    setSession(created);
    setReady(false);
    void created.ready.then(() => live && setReady(true));
    return () => {
      live = false;
      created.destroy();
      setSession(null);
    };
  }, [storyId, user, writable]);

  return { session, ready };
}
