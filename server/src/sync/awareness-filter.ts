import type { AwarenessState, PublicUser } from '@copydesk/shared';
import { lightColor, UPDATE_BOUNDS } from '@copydesk/shared';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { MalformedMessageError } from './messages';

const MAX_STATE_CHARS = 16 * 1024;
/**
 * Stock y-websocket clients echo every awareness entry they receive, so a newcomer to a story
 * with N people sends N entries at once. Entries it does not own are skipped by the room; this
 * bound only stops absurd counts (the frame size limit bounds the work anyway).
 */
const MAX_ENTRIES = 10_000;

export interface AwarenessEntry {
  clientId: number;
  clock: number;
  state: AwarenessState | null;
}

/** The awareness user block is always the server's view of the account. */
export const awarenessUserOf = (user: PublicUser): NonNullable<AwarenessState['user']> => ({
  id: user.id,
  username: user.username,
  name: user.displayName,
  color: user.color,
  colorLight: lightColor(user.color),
  role: user.role,
});

export const decodeAwarenessUpdate = (update: Uint8Array): AwarenessEntry[] => {
  try {
    const d = decoding.createDecoder(update);
    const count = decoding.readVarUint(d);
    if (count > MAX_ENTRIES) throw new Error('too many awareness entries');
    const entries: AwarenessEntry[] = [];
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(d);
      const clock = decoding.readVarUint(d);
      if (clientId > UPDATE_BOUNDS.maxClientId) throw new Error('client id out of range');
      const json = decoding.readVarString(d);
      if (json.length > MAX_STATE_CHARS) throw new Error('awareness state too large');
      const parsed: unknown = JSON.parse(json);
      if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
        throw new Error('awareness state must be an object or null');
      }
      entries.push({ clientId, clock, state: parsed as AwarenessState | null });
    }
    if (decoding.hasContent(d)) throw new Error('trailing bytes');
    return entries;
  } catch (err) {
    throw new MalformedMessageError(`bad awareness update: ${(err as Error).message}`);
  }
};

export const encodeAwarenessUpdate = (entries: AwarenessEntry[]): Uint8Array => {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(e, entry.clientId);
    encoding.writeVarUint(e, entry.clock);
    encoding.writeVarString(e, JSON.stringify(entry.state));
  }
  return encoding.toUint8Array(e);
};

/** Replaces whatever identity the client claimed with the authenticated account. */
export const withAccountIdentity = (entry: AwarenessEntry, user: PublicUser): AwarenessEntry =>
  entry.state === null
    ? entry
    : { ...entry, state: { ...entry.state, user: awarenessUserOf(user) } };
