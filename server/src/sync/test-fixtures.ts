import type { PublicUser } from '@copydesk/shared';
import { createLogger } from '../logger';
import type { Storage } from '../storage/storage';
import { Compactor } from './compactor';
import { RoomRegistry } from './room-registry';

/** Shared by unit tests that need loaded stories: a registry over `storage`, and its compactor. */
export const fixtureRegistry = (storage: Storage) => {
  const logger = createLogger('silent');
  const compactor = new Compactor({ storage, logger });
  const registry = new RoomRegistry({
    storage,
    logger,
    compactor,
    unloadAfterMs: 60_000,
    compactEveryUpdates: 10_000,
  });
  const close = async () => {
    registry.close();
    await compactor.close();
  };
  return { registry, close };
};

/** An editor's public identity, for tests of connections and presence; `overrides` change it. */
export const fixtureUser = (overrides: Partial<PublicUser> = {}): PublicUser => ({
  id: 'u_ana',
  username: 'ana',
  displayName: 'Ana',
  role: 'editor',
  color: '#1f6feb',
  ...overrides,
});
