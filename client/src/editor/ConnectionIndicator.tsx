import { useSyncExternalStore } from 'react';
import { ErrorState, LoadingState } from '../common/States';
import type { ConnectionState, SaveTracker } from './saveTracker';
import { closeMessage } from './storySession';

const LABELS: Record<ConnectionState['kind'], string> = {
  connecting: 'Connecting…',
  saved: 'Saved',
  syncing: 'Syncing…',
  offline: 'Offline — your edits are kept',
  closed: 'Disconnected',
};

/** Someone who cannot edit has nothing to save: they only follow the story live. */
const READ_ONLY_LABELS: Record<ConnectionState['kind'], string> = {
  ...LABELS,
  saved: 'Live',
  syncing: 'Catching up…',
  offline: 'Offline — reconnecting',
};

export const useConnectionState = (save: SaveTracker): ConnectionState =>
  useSyncExternalStore(save.subscribe, save.getState);

/** The truthful save state in the top bar (see SaveTracker). */
export function ConnectionIndicator({
  state,
  readOnly = false,
}: {
  state: ConnectionState;
  readOnly?: boolean;
}) {
  return (
    <output
      className={`connection connection-${state.kind}`}
      data-testid="connection-state"
      data-state={state.kind}
      aria-live="polite"
    >
      <span className="connection-dot" aria-hidden="true" />
      {(readOnly ? READ_ONLY_LABELS : LABELS)[state.kind]}
    </output>
  );
}

/** Indicator bound to a tracker, for screens that render before the editor does. */
export function LiveConnectionIndicator({ save }: { save: SaveTracker }) {
  return <ConnectionIndicator state={useConnectionState(save)} />;
}

/** While the story loads: a spinner, or why it cannot load (signed out, no access, gone). */
export function StoryLoading({ save }: { save: SaveTracker }) {
  const state = useConnectionState(save);
  if (state.kind === 'closed') return <ErrorState message={closeMessage(state.code)} />;
  return (
    <LoadingState
      label={state.kind === 'offline' ? 'Waiting for the connection…' : 'Opening story…'}
    />
  );
}
