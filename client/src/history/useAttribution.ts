import type { AttributionResponse } from '@copydesk/shared';
import { useEffect, useState } from 'react';
import type * as Y from 'yjs';
import { fetchAttribution } from '../api/endpoints';
import { errorMessage } from '../api/http';
import { historyMissing, noteHistoryError } from './availability';

/** After edits, re-read who wrote what once the typing pauses this long (and it is stored). */
const REFRESH_AFTER_EDIT_MS = 1_500;

export type AttributionState =
  | { kind: 'off' }
  | { kind: 'loading' }
  | { kind: 'on'; data: AttributionResponse }
  | { kind: 'error'; message: string };

/** Who wrote every character, while `enabled`; re-read after edits settle. */
export function useAttribution(storyId: string, doc: Y.Doc, enabled: boolean): AttributionState {
  const [state, setState] = useState<AttributionState>({ kind: 'off' });

  useEffect(() => {
    if (!enabled) {
      setState({ kind: 'off' });
      return;
    }
    if (historyMissing()) {
      setState({ kind: 'error', message: 'Authorship is not available on this server yet.' });
      return;
    }
    let controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      controller.abort();
      controller = new AbortController();
      const { signal } = controller;
      fetchAttribution(storyId, signal)
        .then((data) => {
          if (!signal.aborted) setState({ kind: 'on', data });
        })
        .catch((error: unknown) => {
          if (signal.aborted) return;
          setState({
            kind: 'error',
            message: noteHistoryError(error)
              ? 'Authorship is not available on this server yet.'
              : `Could not load who wrote what. ${errorMessage(error)}`,
          });
        });
    };
    const onUpdate = () => {
      clearTimeout(timer);
      timer = setTimeout(load, REFRESH_AFTER_EDIT_MS);
    };
    setState({ kind: 'loading' });
    load();
    doc.on('update', onUpdate);
    return () => {
      controller.abort();
      clearTimeout(timer);
      doc.off('update', onUpdate);
    };
  }, [storyId, doc, enabled]);

  return state;
}
