import { useDeskPresence } from './usePresence';

/** A quiet note while the presence backend is degraded: who-is-where may be incomplete. */
export function PresenceNotice() {
  const { presence, link } = useDeskPresence();
  if (link !== 'connected' || !presence.degraded) return null;
  return (
    <output
      className="presence-degraded"
      data-testid="presence-degraded"
      title="Some people may be missing from who-is-where for a moment. Editing is not affected."
    >
      Presence degraded
    </output>
  );
}
