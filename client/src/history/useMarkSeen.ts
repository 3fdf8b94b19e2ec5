import { useEffect } from 'react';
import { markSeen } from '../api/endpoints';
import { historyMissing, noteHistoryError } from './availability';

/**
 * "Changed since you last looked" counts from when you last had the story open: it is marked
 * seen when you leave it (back to the desk, another story, or closing the tab), so that while
 * it is open "Since I last looked" still shows what changed before you came.
 */
export function useMarkSeen(storyId: string): void {
  useEffect(() => {
    let marked = false;
    const mark = () => {
      if (marked || historyMissing()) return;
      marked = true;
      markSeen(storyId).catch(noteHistoryError);
    };
    window.addEventListener('pagehide', mark);
    return () => {
      window.removeEventListener('pagehide', mark);
      mark();
    };
  }, [storyId]);
}
