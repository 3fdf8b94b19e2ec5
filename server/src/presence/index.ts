export { aggregatePresence, nextRev } from './aggregate';
export {
  type CreatePresenceStoreOptions,
  createPresenceStore,
  DEFAULT_KEY_PREFIX,
  newInstanceId,
} from './create-presence-store';
export { MemoryPresenceData } from './memory-backend';
export type { RedisLink } from './redis-link';
export {
  DEFAULT_PRESENCE_TIMING,
  type PresencePatch,
  type PresenceSession,
  type PresenceStore,
  type PresenceStoreEvent,
  type PresenceTiming,
} from './types';
