import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CloseCode } from '@copydesk/shared';
import { seedDemoAccounts } from './auth/accounts';
import { TokenService } from './auth/tokens';
import { createHttpApp } from './http/http-app';
import type { Logger } from './logger';
import { SqliteStorage } from './storage/sqlite-storage';
import type { Storage } from './storage/storage';
import { StoryService } from './stories/story-service';
import { Compactor } from './sync/compactor';
import { RoomRegistry } from './sync/room-registry';
import { SyncEndpoint } from './sync/sync-endpoint';

export interface CopydeskOptions {
  port: number;
  host: string;
  dataDir: string;
  authSecret: string;
  production: boolean;
  logger: Logger;
  clientDist: string;
  tokenTtlSeconds?: number;
  unloadAfterMs?: number;
  compactEveryUpdates?: number;
  maxFrameBytes?: number;
  storage?: Storage;
}

export interface Copydesk {
  readonly port: number;
  readonly storage: Storage;
  readonly registry: RoomRegistry;
  readonly compactor: Compactor;
  /** Graceful: flush every story, close clients with 1012, close storage. */
  close(): Promise<void>;
}

/** Builds and starts one server instance; every dependency is passed in (tests use port 0). */
export const startCopydesk = async (options: CopydeskOptions): Promise<Copydesk> => {
  const { logger } = options;
  const storage =
    options.storage ?? new SqliteStorage({ file: path.join(options.dataDir, 'copydesk.sqlite') });
  await storage.migrate();
  await seedDemoAccounts(storage, { production: options.production, logger });

  const tokens = new TokenService(options.authSecret, options.tokenTtlSeconds ?? 12 * 3600);
  const compactor = new Compactor({ storage, logger });
  const registry = new RoomRegistry({
    storage,
    logger,
    compactor,
    unloadAfterMs: options.unloadAfterMs ?? 30_000,
    compactEveryUpdates: options.compactEveryUpdates ?? 2_000,
  });
  const stories = new StoryService(storage, registry);
  const sync = new SyncEndpoint({
    storage,
    tokens,
    registry,
    logger,
    maxFrameBytes: options.maxFrameBytes ?? 8 * 1024 * 1024,
  });
  const app = createHttpApp({ storage, tokens, stories, logger, clientDist: options.clientDist });
  const server = http.createServer(app);
  server.on('upgrade', (req, socket, head) => {
    if (!sync.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, host: options.host, storage: storage.kind }, 'copydesk listening');

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    server.close();
    server.closeAllConnections();
    await registry.flushAll();
    sync.closeAll(CloseCode.serviceRestart, 'server restarting');
    sync.close();
    registry.close();
    await compactor.close();
    await storage.close();
    logger.info('copydesk stopped');
  };
  return {
    port,
    storage,
    registry,
    compactor,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
};
